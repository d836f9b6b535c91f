"""Deadlines in task sentences of real official letters, directives and notices (issue 13): every form the
importer misread, with the reading it must give. Each sentence is copied from the public document named in
the comment above it (number and kind, issuer); its date, when the document states it, is passed as
``document_date``. Pure: no database.
"""

from __future__ import annotations

from datetime import date

import pytest

from obligations.plans.importer.phrases import find_deadlines
from obligations.plans.importer.text import fold


def read(text: str, on: date | None = None) -> list[dict]:
    return [d.to_dict() for d in find_deadlines(text, document_date=on)]


def once(due: str, inclusive: bool, phrase: str, inferred: str | None = None) -> dict:
    found = {"kind": "once", "due": due, "inclusive": inclusive, "phrase": phrase}
    return found | {"inferred": inferred} if inferred else found


def recurring(rule: str, inclusive: bool, phrase: str) -> dict:
    return {"kind": "recurring", "rrule": rule, "inclusive": inclusive, "phrase": phrase}


def relative(count: int, unit: str, event: str, phrase: str) -> dict:
    return {"kind": "relative", "count": count, "unit": unit, "event": event, "phrase": phrase}


SEMI_END = "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1"

# (sentence, the document's date or None, expected deadlines)
DATED = [
    # Công văn 6202/UBND-KT ngày 23/11/2023, UBND tỉnh Quảng Trị (ends with "/.").
    ("Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp các đơn vị, địa phương liên quan nghiên cứu, đề xuất "
     "UBND tỉnh xem xét theo quy định; hoàn thành trước ngày 10/12/2023./.", date(2023, 11, 23),
     [once("2023-12-10", False, "hoàn thành trước ngày 10/12/2023")]),
    # Công văn 1448/SNV-CCHC ngày 27/12/2016, Sở Nội vụ tỉnh Sơn La (a doubled space before the date, "./.").
    ("Ý kiến tham gia bằng văn và gửi về Sở Nội vụ (Phòng Cải cách hành chính ĐT 022.3751890; Email: "
     "cchcsonla@gmail.com) trước ngày  09/01/2017 để tổng hợp,  báo cáo Chủ tịch UBND tỉnh phê duyệt và tổ chức "
     "thực hiện./.", date(2016, 12, 27), [once("2017-01-09", False, "trước ngày 09/01/2017")]),
    # Công văn 2221/UBND-TH ngày 04/12/2017, UBND tỉnh Lai Châu: an hour of the day, so due that day.
    ("Báo cáo yêu cầu gửi về Văn phòng UBND tỉnh trước 14 giờ, ngày 05/12/2017.", date(2017, 12, 4),
     [once("2017-12-05", True, "trước 14 giờ, ngày 05/12/2017")]),
    # Công văn 63/HTS ngày 24/7/2020, Hội Truyền thống Trường Sơn - Đường Hồ Chí Minh Việt Nam.
    ("Thời gian báo cáo chậm nhất là ngày 20/11/2020", date(2020, 7, 24),
     [once("2020-11-20", True, "chậm nhất là ngày 20/11/2020")]),
    # Hướng dẫn bầu cử HĐND huyện Tánh Linh 2016-2021, Ủy ban MTTQ Việt Nam huyện Tánh Linh (Bình Thuận).
    ("hồ sơ người ứng cử gửi về Ủy ban bầu cử huyện chậm nhất vào ngày 13/3/2016.", None,
     [once("2016-03-13", True, "chậm nhất vào ngày 13/3/2016")]),
    # Thông báo mốc thời gian thi đua năm học 2021-2022, Sở Nội vụ tỉnh Nam Định: "năm học 2021-2022" is a
    # period's name; only the date after "trước" is due.
    ("Báo cáo tổng kết phong trào thi đua năm học 2021-2022; kết quả đánh giá, xếp loại các phòng Giáo dục và "
     "Đào tạo huyện, thành phố, các trường học, trung tâm (kết quả xếp loại 02 năm: năm học 2020-2021 và năm học "
     "2021-2022), trước ngày 15/7/2022.", None, [once("2022-07-15", False, "trước ngày 15/7/2022")]),
    # The same notice: a window's last day.
    ("Đối với hồ sơ đề nghị tặng Cờ thi đua của UBND tỉnh, danh hiệu “Chiến sĩ thi đua cấp tỉnh”: từ ngày 25/7 "
     "đến ngày 31/7/2022.", None, [once("2022-07-31", True, "đến ngày 31/7/2022")]),
    # Công văn về thu quỹ phòng, chống thiên tai năm 2015, Phòng Giáo dục và Đào tạo huyện Bình Chánh: the
    # letter answered is cited with its date; only the date after "trước" is due.
    ("Đơn vị nào chưa thực hiện việc thu thì khẩn trương thu theo tin thần công văn số 498/UBND ngày 17/3/2016 "
     "(Đính kèm công văn). Các đơn vị thực hiện trước ngày 24/3/2016.", date(2016, 3, 21),
     [once("2016-03-24", False, "trước ngày 24/3/2016")]),
]

YEARLESS = [
    # Bộ Nội vụ asking provinces for commune areas (Tiền Phong / Thanh Niên news of the letter, 2025): no
    # year, so the document's year; the date is given here as 10/8/2025 since the news leaves it out.
    ("Số liệu phải được gửi về Bộ Nội vụ trước 30/8. Bộ Nội vụ sẽ tổng hợp, báo cáo Chính phủ, Thủ tướng "
     "trước 30/9.", date(2025, 8, 10),
     [once("2025-08-30", False, "trước 30/8", "năm 2025 lấy theo ngày văn bản 10/08/2025"),
      once("2025-09-30", False, "trước 30/9", "năm 2025 lấy theo ngày văn bản 10/08/2025")]),
    # Khung kế hoạch thời gian năm học, Bộ Giáo dục và Đào tạo (Báo Long An, la34.com.vn), "31-5" with a dash;
    # read from a document dated 10/11/2018, 31/5 of that year has passed: the next one.
    ("Kết thúc năm học trước ngày 31-5.", date(2018, 11, 10),
     [once("2019-05-31", False, "trước ngày 31-5",
           "năm 2019: ngày này của năm 2018 đã qua so với ngày văn bản 10/11/2018")]),
    # The same article: two days in one sentence, each read alone.
    ("Xét công nhận hoàn thành chương trình tiểu học và xét công nhận tốt nghiệp THCS trước ngày 15-6; hoàn "
     "thành tuyển sinh vào lớp 10 trước ngày 31-7.", date(2018, 11, 10),
     [once("2019-06-15", False, "trước ngày 15-6",
           "năm 2019: ngày này của năm 2018 đã qua so với ngày văn bản 10/11/2018"),
      once("2019-07-31", False, "trước ngày 31-7",
           "năm 2019: ngày này của năm 2018 đã qua so với ngày văn bản 10/11/2018")]),
]

RECURRING = [
    # Thông báo 1531/TB-BNV ngày 26/05/2009, Bộ Nội vụ: a day each month, and a day in the quarter's last month;
    # "(báo cáo tháng)" names the report, it adds no deadline.
    ("Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ, các Tập đoàn kinh tế, Tổng công ty 91 gửi báo cáo định "
     "kỳ (tháng, quý, sáu tháng, năm) về Văn phòng Chính phủ trước ngày 25 hàng tháng (báo cáo tháng), trước ngày "
     "25 tháng cuối quý (báo cáo quý).", date(2009, 5, 26),
     [recurring("FREQ=MONTHLY;BYMONTHDAY=25", False, "trước ngày 25 hàng tháng"),
      recurring("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=25", False, "trước ngày 25 tháng cuối quý")]),
    # The same notice.
    ("- Các đơn vị gửi báo cáo công tác tháng, quý về Văn phòng Bộ trước ngày 20 hàng tháng để tổng hợp báo cáo, "
     "gửi Văn phòng Chính phủ theo đúng thời hạn yêu cầu.", date(2009, 5, 26),
     [recurring("FREQ=MONTHLY;BYMONTHDAY=20", False, "trước ngày 20 hàng tháng")]),
    # Công văn 2618/BHXH-KHTC ngày 28/6/2010, Bảo hiểm xã hội Việt Nam: "chốt số liệu ngày 25" is the data's
    # cut-off; "báo cáo tháng 12 hàng năm" names a report and "chốt số liệu đến ngày 31/12" is a cut-off too.
    ("- Về báo cáo tháng theo các chỉ tiêu từ A1 đến B4, thời gian chốt số liệu ngày 25 tháng báo cáo, gửi về "
     "Bảo hiểm xã hội Việt Nam trước ngày 28 hàng tháng. Riêng báo cáo tháng 12 hàng năm, chốt số liệu đến ngày "
     "31/12 và gửi về BHX", date(2010, 6, 28),
     [recurring("FREQ=MONTHLY;BYMONTHDAY=28", False, "trước ngày 28 hàng tháng")]),
    # Bản tin về Thông tư 24/2018/TT-BGDĐT, Bộ Giáo dục và Đào tạo (Giáo dục và Thời đại, 11/01/2019): the
    # "thời điểm báo cáo" is the data's date, the "thời hạn gửi báo cáo" the deadline.
    ("Kỳ báo cáo đầu năm học, thời điểm báo cáo là ngày 30/9; thời hạn gửi báo cáo là 30/10 hàng năm;",
     date(2019, 1, 11),
     [recurring("FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=30", True, "thời hạn gửi báo cáo là 30/10 hàng năm")]),
    ("Kỳ báo cáo cuối năm học, thời điểm báo cáo là 31/5, thời hạn gửi báo cáo là 30/6 hàng năm.",
     date(2019, 1, 11),
     [recurring("FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=30", True, "thời hạn gửi báo cáo là 30/6 hàng năm")]),
    ("Thời điểm báo cáo là 31/12; thời hạn gửi báo cáo là 15/1 hàng năm.", date(2019, 1, 11),
     [recurring("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15", True, "thời hạn gửi báo cáo là 15/1 hàng năm")]),
    # Chế độ báo cáo cơ sở in (trích Thông tư 03/2015/TT-BTTTT), Cục Xuất bản, In và Phát hành: "của năm báo
    # cáo" makes the day yearly, even in a dated document.
    ("- Báo cáo 6 tháng đầu năm gửi trước ngày 10/07 của năm báo cáo", date(2015, 1, 6),
     [recurring("FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=10", False, "trước ngày 10/07 của năm báo cáo")]),
    ("- Báo cáo cả năm gửi trước ngày 10/01 của năm liền kề năm báo cáo.", date(2015, 1, 6),
     [recurring("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=10", False, "trước ngày 10/01 của năm liền kề năm báo cáo")]),
    # The same page: twice a year with no day, June's and December's end.
    ("Một năm 2 kỳ báo cáo (Báo cáo 6 tháng đầu năm và báo cáo cả năm)", None,
     [recurring(SEMI_END, True, "Một năm 2 kỳ")]),
    # Kế hoạch 130/KH-UBND ngày 13/7/2022, UBND tỉnh Ninh Bình.
    ("Kiểm tra, giám sát, đánh giá kết quả thực hiện Chương trình phải được thực hiện định kỳ 6 tháng, hằng năm, "
     "đầu kỳ, giữa kỳ, cuối kỳ hoặc đột xuất khi cần thiết.", date(2022, 7, 13),
     [recurring(SEMI_END, True, "định kỳ 6 tháng, hằng năm")]),
    # UBND tỉnh, báo cáo thực hiện Chỉ thị số 20 về dự án chậm triển khai (tracuuquyhoach.com).
    ("UBND tỉnh cũng đề nghị các đơn vị định kỳ 6 tháng, hàng năm báo cáo kết quả thực hiện Chỉ thị số 20 về "
     "UBND tỉnh.", None, [recurring(SEMI_END, True, "định kỳ 6 tháng, hàng năm")]),
    # Sở Giao thông công chính TP.HCM, giải quyết nguyện vọng cử tri (Người Lao Động): a window each month.
    ("Định kỳ từ ngày 1 đến ngày 5 hằng tháng, các đơn vị và phòng ban được phân công phải cập nhật kết quả giải "
     "quyết nguyện vọng cử tri trên mạng của tháng trước", None,
     [recurring("FREQ=MONTHLY;BYMONTHDAY=5", True, "đến ngày 5 hằng tháng")]),
    # The same article.
    ("từ ngày 5 đến ngày 10 hằng tháng, Phòng Kế hoạch - Đầu tư kiểm tra, xác nhận giải quyết và tổng hợp báo "
     "cáo kết quả cho giám đốc sở.", None,
     [recurring("FREQ=MONTHLY;BYMONTHDAY=10", True, "đến ngày 10 hằng tháng")]),
]

RELATIVE = [
    # Văn bản mẫu của UBND tỉnh giao việc (dự án soạn văn bản hành chính, GitHub): counted from receipt.
    ("UBND Tỉnh giao Sở Tài chính chủ trì, phối hợp Sở Kế hoạch và Đầu tư xem xét, báo cáo UBND Tỉnh trong thời "
     "hạn 10 ngày làm việc kể từ ngày nhận được văn bản này.", date(2026, 3, 2),
     [relative(10, "working_days", "ngày nhận được văn bản này",
               "trong thời hạn 10 ngày làm việc kể từ ngày nhận được văn bản này")]),
    # Thông tư 72/2015/TT-BTC, Bộ Tài chính (chế độ ưu tiên hải quan): a count written "05 (năm)".
    ("b) Trường hợp hồ sơ chưa đầy đủ theo quy định, trong thời hạn 05 (năm) ngày làm việc kể từ ngày nhận được "
     "văn bản đề nghị áp dụng chế độ ưu tiên, Tổng cục Hải quan có văn bản thông báo để doanh nghiệp nộp bổ sung;",
     None, [relative(5, "working_days", "ngày nhận được văn bản đề nghị áp dụng chế độ ưu tiên",
                     "trong thời hạn 05 (năm) ngày làm việc kể từ ngày nhận được văn bản đề nghị áp dụng chế độ "
                     "ưu tiên")]),
    # Công văn chuyển hồ sơ vụ án, Tòa án nhân dân tối cao (mẫu văn bản): calendar days, a comma before "kể từ".
    ("Tòa án nhân dân tối cao đề nghị chỉ đạo chuyển hồ sơ vụ án nêu trên cho Tòa án nhân dân tối cao trong thời "
     "hạn 07 ngày, kể từ ngày nhận được công văn này.", None,
     [relative(7, "days", "ngày nhận được công văn này", "trong thời hạn 07 ngày, kể từ ngày nhận được công văn này")]),
]

NOT_DEADLINES = [
    # Công văn 3585/VP-KTN ngày 23/10/2017, Văn phòng UBND tỉnh Lạng Sơn: the letter answered.
    ("Thực hiện Công văn số 11034/VPCP-KGVX ngày 17/10/2017 của Văn phòng Chính phủ về “tình hình ô nhiễm môi "
     "trường do chất thải tại khu vực nông thôn”, đồng chí Lý Vinh Quang, Phó Chủ tịch UBND tỉnh có ý kiến như sau:",
     date(2017, 10, 23)),
    # Công văn 63/HTS ngày 24/7/2020, Hội Truyền thống Trường Sơn: estimates and data periods "đến hết tháng".
    ("Các số liệu năm 2020 ước tính đến hết tháng 12/2020. Các số liệu giai đoạn 2016 – 2021 tính từ tháng 9/2016 "
     "đến hết tháng 6/2021; Kết quả 10 năm tính từ  tháng 7/2011 đến hết tháng 6/2021.", date(2020, 7, 24)),
    # The same letter: an event's date, "dự kiến tổ chức vào cuối tháng 12/2020".
    ("Nhằm chuẩn bị cho Hội nghị Ban Chấp hành Trung ương Hội lần thứ 5 (dự kiến tổ chức vào cuối tháng "
     "12/2020) kiểm điểm, đánh giá kết quả công tác Hội năm 2020", date(2020, 7, 24)),
    # Chế độ báo cáo cơ sở in (Thông tư 03/2015/TT-BTTTT, Cục Xuất bản, In và Phát hành): the data's period.
    ("- Số liệu báo cáo 6 tháng đầu năm tính từ ngày 01/01 đến ngày 30/06 của năm báo cáo", date(2015, 1, 6)),
    # Hội nghị toàn quốc về bầu cử (VietnamPlus, 17/11/2025): a conference held on a day; a term's name.
    ("Tại Hội nghị toàn quốc quán triệt Chỉ thị của Bộ Chính trị, triển khai công tác bầu cử đại biểu Quốc hội "
     "Khóa XVI và đại biểu Hội đồng Nhân dân các cấp nhiệm kỳ 2026-2031 tổ chức ngày 15/11/2025, bà Nguyễn Thị "
     "Thu Hà đã trình bày chuyên đề", date(2025, 11, 17)),
    # Quyết định 33/2009/QĐ-UBND ngày 24/12/2009, UBND tỉnh Tiền Giang: when the decision takes effect.
    ("Quyết định này có hiệu lực thi hành sau 10 ngày kể từ ngày ký và thay thế Quyết định số 01/1999/QĐ.UB ngày "
     "15/01/1999 của Ủy ban nhân dân tỉnh Tiền Giang", date(2009, 12, 24)),
    # Công văn 63/HTS ngày 24/7/2020, Hội Truyền thống Trường Sơn: the year and the five years reported on.
    ("Yêu cầu các tổ chức thành viên tổng hợp báo cáo số liệu kết quả hoạt động của địa phương, đơn vị mình năm "
     "2020 và kết quả hoạt động 5 năm (2016 – 2020) điền vào mẫu 01", date(2020, 7, 24)),
    # Kế hoạch 130/KH-UBND ngày 13/7/2022, UBND tỉnh Ninh Bình: a programme's period and the circular it follows.
    ("Thực hiện Thông tư số 10/2022/TT-BLĐTBXH ngày 31/5/2022 của Bộ Lao động - Thương binh và Xã hội hướng dẫn "
     "giám sát, đánh giá thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025, UBND "
     "tỉnh ban hành Kế hoạch giám sát, đánh giá thực hiện Chương trình", date(2022, 7, 13)),
    # Quyết định 41/2019/QĐ-UBND ngày 22/10/2019, UBND tỉnh Quảng Trị: when it takes effect, what it replaces.
    ("Quyết định này có hiệu lực thi hành kể từ ngày 05/11/2019, thay thế Quyết định số 1090/QĐ-UBND ngày "
     "01/6/2015 của UBND tỉnh Quảng Trị", date(2019, 10, 22)),
    # Báo Hải Dương, văn bản mới: "Từ ngày 25.9" is when a rule applies, with a dotted date.
    ("Từ ngày 25.9, nhóm cán bộ giữ chức danh, chức vụ trong khu vực doanh nghiệp do Nhà nước quản lý sẽ thuộc "
     "phạm vi quản lý của UBND tỉnh.", None),
    # Công văn 2917/SGDĐT-VP ngày 05/11/2010, Sở Giáo dục và Đào tạo Ninh Thuận (accents lost in the copy): as of.
    ("Theo báo cáo tông hơp nhanh của các phòng Giáo dục và Đào tạo về tinh hinh thiêt hai do lũ lut gây ra tinh "
     "đên 17 giơ 00, ngay 04/11/2010.", date(2010, 11, 5)),
    # Kế hoạch 07/KH-UBND ngày 13/01/2020, UBND tỉnh Lạng Sơn: a season's name.
    ("KẾ HOẠCH TRIỂN KHAI CÁC GIẢI PHÁP PHÒNG, CHỐNG HẠN HÁN, THIẾU NƯỚC PHỤC VỤ SẢN XUẤT NÔNG NGHIỆP VÀ DÂN SINH "
     "MÙA KHÔ NĂM 2019 - 2020", date(2020, 1, 13)),
]

CASES = DATED + YEARLESS + RECURRING + RELATIVE


@pytest.mark.parametrize(("text", "on", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_real_sentences_read_as_expected(text, on, expected):
    assert read(text, on) == expected


@pytest.mark.parametrize(("text", "on"), NOT_DEADLINES, ids=[c[0][:40] for c in NOT_DEADLINES])
def test_real_dates_that_are_not_deadlines(text, on):
    assert read(text, on) == []


@pytest.mark.parametrize(("text", "on", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_real_sentences_typed_without_accents_read_alike(text, on, expected):
    plain = [{**d, "phrase": fold(d["phrase"])} | ({"event": fold(d["event"])} if "event" in d else {})
             for d in expected]
    assert read(fold(text), on) == plain


def test_the_total_is_at_least_35_real_sentences():
    assert len(CASES) + len(NOT_DEADLINES) >= 35


# --------------------------------------------------------------------------------------------------
# The forms issue 13 names, in its own words, around the real sentences above.


def test_a_year_less_date_takes_the_documents_year_or_the_next():
    letter = date(2019, 11, 20)  # "a letter of 20/11 asking 'trước ngày 15/01' means next year"
    assert read("Đề nghị các sở gửi báo cáo về Sở Ngoại vụ trước ngày 15/01.", letter) == [
        once("2020-01-15", False, "trước ngày 15/01",
             "năm 2020: ngày này của năm 2019 đã qua so với ngày văn bản 20/11/2019")
    ]
    assert read("trước ngày 07-12", letter) == [
        once("2019-12-07", False, "trước ngày 07-12", "năm 2019 lấy theo ngày văn bản 20/11/2019")
    ]
    assert read("chậm nhất ngày 25.3", letter)[0]["due"] == "2020-03-25"
    assert read("trong tháng 12", letter)[0]["due"] == "2019-12-31"
    # With no document date, as in a plan read alone, the day repeats every year (the reading before).
    assert read("trước ngày 15/01")[0]["rrule"] == "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15"
    # A plan's yearly day stays yearly, dated or not.
    assert read("Định kỳ trước ngày 15 tháng 12 hàng năm gửi báo cáo", date(2017, 3, 31))[0]["rrule"] == (
        "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15")


def test_recurring_forms_of_the_issue():
    on = date(2024, 2, 1)
    assert read("trước ngày 18 hàng tháng", on)[0]["rrule"] == "FREQ=MONTHLY;BYMONTHDAY=18"
    assert read("trước ngày 10/6 và 10/12 hàng năm", on) == [
        recurring("FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=10", False, "trước ngày 10/6 và 10/12 hàng năm")
    ]
    assert read("hàng quý, trước ngày 15 của tháng cuối quý", on)[0]["rrule"] == (
        "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=15")
    for rhythm in ("định kỳ 6 tháng", "6 tháng một lần", "một năm hai lần", "mỗi năm 2 lần"):
        assert [d["rrule"] for d in read(f"{rhythm} báo cáo kết quả", on)] == [SEMI_END], rhythm
    assert read("một năm hai lần, trước ngày 20/6 và 20/12", on)[0]["rrule"] == (
        "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=20")
    assert read("Sở Nội vụ tổng hợp báo cáo tháng gửi UBND tỉnh", on) == [
        recurring("FREQ=MONTHLY;BYMONTHDAY=-1", True, "báo cáo tháng")
    ]
    # A report cycle named per kind: each day recurs, though the document is dated.
    assert read("trước ngày 20/6 đối với báo cáo sơ kết, trước ngày 25/11 đối với báo cáo tổng kết năm", on) == [
        recurring("FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=20", False, "trước ngày 20/6"),
        recurring("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=25", False, "trước ngày 25/11"),
    ]


def test_what_is_not_a_deadline_in_the_issues_words():
    on = date(2019, 4, 10)
    assert read("báo cáo theo yêu cầu tại Công văn số 123/UBND-VX ngày 03/4/2019 trước ngày 25/4", on) == [
        once("2019-04-25", False, "trước ngày 25/4", "năm 2019 lấy theo ngày văn bản 10/04/2019")
    ]
    for text in ("số liệu tính đến ngày 30/6", "giai đoạn 2021-2025", "tầm nhìn đến năm 2030",
                 "các đơn vị không phải báo cáo định kỳ hàng tháng", "Hội nghị tổ chức ngày 15/3",
                 "Hội nghị sẽ được tổ chức vào ngày 15/3/2019"):
        assert read(text, on) == [], text


def test_relative_deadlines_count_from_the_documents_date_when_that_is_the_event():
    on = date(2022, 2, 10)  # a Thursday
    assert read("trong vòng 30 ngày kể từ ngày ký", on) == [
        once("2022-03-12", True, "trong vòng 30 ngày kể từ ngày ký", "tính 30 ngày từ ngày văn bản 10/02/2022")
    ]
    (working,) = read("trong 15 ngày làm việc kể từ ngày ban hành Công văn này", on)
    assert working["due"] == "2022-03-03"  # three weeks of five days
    assert working["inferred"].startswith("tính 15 ngày làm việc từ ngày văn bản 10/02/2022")
    assert read("chậm nhất 03 tháng kể từ khi Kế hoạch này có hiệu lực", on)[0]["due"] == "2022-05-10"
    # Undated, or counted from receipt: kept relative for the coordinator to anchor.
    assert read("trong vòng 30 ngày kể từ ngày ký") == [
        relative(30, "days", "ngày ký", "trong vòng 30 ngày kể từ ngày ký")
    ]
    assert read("trong 15 ngày làm việc kể từ khi nhận được văn bản", on) == [
        relative(15, "working_days", "khi nhận được văn bản", "trong 15 ngày làm việc kể từ khi nhận được văn bản")
    ]


def test_word_level_variants():
    on = date(2021, 8, 1)
    assert read("gởi báo cáo về Sở Nội vụ trước ngày 15.8.2021./.", on) == [
        once("2021-08-15", False, "trước ngày 15.8.2021")
    ]
    assert read("trước ngày15/12 hằng năm", on)[0]["rrule"] == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"
    assert read("chậm nhất ngày 10 tháng12 năm 2023", on)[0]["due"] == "2023-12-10"
    assert read("truoc ngay 07/6 gui bao cao", on)[0]["due"] == "2022-06-07"
