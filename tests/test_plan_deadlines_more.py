"""More deadlines in real task sentences: the causes of misreading a held-out measurement named (an hour before the
date, a count with no "kể từ", the end of a period reported on, the periods a report covers, a plan's horizon, a
chain of reporting, a number of reports). Each sentence is copied from the public page or document named in the
comment above it; its date, when known, is passed as ``document_date``. The forms the pages did not give are tested
further down in the issue's own words. Pure: no database.
"""

from __future__ import annotations

from datetime import date

import pytest

from obligations.plans.importer.phrases import find_deadlines
from obligations.plans.importer.relative_deadlines import RECEIPT, RECEIPT_ASSUMED
from obligations.plans.importer.text import fold


def read(text: str, on: date | None = None, lead: str | None = None) -> list[dict]:
    return [d.to_dict() for d in find_deadlines(text, document_date=on, lead=lead)]


def once(due: str, inclusive: bool, phrase: str, inferred: str | None = None) -> dict:
    found = {"kind": "once", "due": due, "inclusive": inclusive, "phrase": phrase}
    return found | {"inferred": inferred} if inferred else found


def recurring(rule: str, inclusive: bool, phrase: str) -> dict:
    return {"kind": "recurring", "rrule": rule, "inclusive": inclusive, "phrase": phrase}


def relative(count: int, unit: str, event: str, phrase: str, inferred: str | None = None) -> dict:
    found = {"kind": "relative", "count": count, "unit": unit, "event": event, "phrase": phrase}
    return found | {"inferred": inferred} if inferred else found


# (sentence, the document's date or None, expected deadlines)
READ = [
    # Ban Quản lý Khu kinh tế (qeza.gov.vn, 11/05/2020), relaying UBND tỉnh's Văn bản 3079/UBND-VX4: an hour with
    # the apostrophe of minutes before a daily rhythm; "hàng ngày" stays continuous (docs/plan-import.md).
    ("Theo đó, UBND tỉnh yêu cầu Thủ trưởng 10 sở; 12 ban, ngành, tổ chức và 13 địa phương huyện, thị xã, thành phố "
     "thực hiện chế độ báo cáo trước 7h30’ hàng ngày về Sở Y tế - Cơ quan thường trực Ban chỉ đạo phòng, chống dịch "
     "cấp tỉnh tổng hợp.", date(2020, 5, 11), [{"kind": "continuous", "phrase": "hàng ngày"}]),
    # The same notice: "15h00" before the rhythm.
    ("Các doanh nghiệp tiếp tục thực hiện báo cáo trước 15h00 hàng ngày về tình hình phòng chống dịch Covid- 19 và "
     "hoạt động đầu tư, sản xuất kinh doanh của đơn vị mình về Ban Quản lý Khu kinh tế (qua Phòng Quản lý Doanh "
     "nghiệp)", date(2020, 5, 11), [{"kind": "continuous", "phrase": "hàng ngày"}]),
    # Báo Hà Nam, điều kiện dự thi: counted after an event named with "sau", no "kể từ".
    ("Chậm nhất 7 ngày sau buổi thi cuối cùng của kỳ thi, thí sinh phải nộp hồ sơ đặc cách cho Thủ trưởng đơn vị nơi "
     "thí sinh đăng ký dự thi.", None,
     [relative(7, "days", "buổi thi cuối cùng của kỳ thi", "Chậm nhất 7 ngày sau buổi thi cuối cùng của kỳ thi")]),
    # Thư viện pháp luật, quyết toán ngân sách nhà nước (Nghị định hướng dẫn Luật Ngân sách): "sau khi ...".
    ("Chậm nhất 05 ngày làm việc sau khi được Hội đồng nhân dân cấp tỉnh phê chuẩn quyết toán ngân sách nhà nước của "
     "năm quyết toán, Ủy ban nhân dân cấp tỉnh gửi báo cáo quyết toán ngân sách nhà nước cho Bộ Tài chính để tổng "
     "hợp, báo cáo theo", None,
     [relative(5, "working_days", "khi được Hội đồng nhân dân cấp tỉnh phê chuẩn quyết toán ngân sách nhà nước của "
               "năm quyết toán", "Chậm nhất 05 ngày làm việc sau khi được Hội đồng nhân dân cấp tỉnh phê chuẩn quyết "
               "toán ngân sách nhà nước của năm quyết toán")]),
    # Chi cục Tài chính doanh nghiệp TP.HCM (tcvg.hochiminhcity.gov.vn), công khai tài chính: "sau 30 ngày, kể từ".
    ("Báo cáo công khai phân bổ dự toán điều chỉnh giảm hoặc bổ sung, gửi Sở Tài chính sau 30 ngày, kể từ ngày được "
     "cấp có thẩm quyền giao.", None,
     [relative(30, "days", "ngày được cấp có thẩm quyền giao", "sau 30 ngày, kể từ ngày được cấp có thẩm quyền giao")]),
    # Hệ thống pháp luật, thuật ngữ "Thời gian gửi báo cáo chậm nhất": "6 tháng đầu năm" is the event's, not a date.
    ("b) Thời gian gửi báo cáo chậm nhất là 45 ngày kể từ ngày kết thúc 6 tháng đầu năm tài chính.", None,
     [relative(45, "days", "ngày kết thúc 6 tháng đầu năm tài chính",
               "chậm nhất là 45 ngày kể từ ngày kết thúc 6 tháng đầu năm tài chính")]),
    # Sở GD&ĐT TP.HCM, nhắc báo cáo tuyển sinh (thanhhoa24h.net.vn, 01/2019): the deadline, then what was so later.
    ("Thời hạn nộp báo cáo: Trước ngày 26/12/2018. Tuy nhiên đến ngày 02/01/2019 vẫn còn nhiều đơn vị chưa nộp báo "
     "cáo về Sở.", date(2019, 1, 3), [once("2018-12-26", False, "Thời hạn nộp báo cáo: Trước ngày 26/12/2018")]),
    # 1thegioi.vn, Thủ tướng đôn đốc báo cáo: "đến 22.4 mới chỉ có ..." is as of that day (no year, undated: yearly).
    ("Thủ tướng yêu cầu tất cả các bộ ngành, địa phương trước ngày 20.4 phải báo cáo tình hình giải quyết vướng mắc, "
     "kiến nghị doanh nghiệp song đến 22.4 mới chỉ có Lào Cai, Quảng Nam, Thanh Hóa, Ngân hàng Nhà nước và VCCI là "
     "đã thực hiện chỉ đạo của Thủ tướng.", None,
     [recurring("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=20", False, "trước ngày 20.4")]),
    # Báo Quảng Nam, xử lý nhiệm vụ quá hạn (07/2020): a dotted date with its year.
    ("Chủ tịch UBND tỉnh yêu cầu giám đốc các sở, ban, ngành và chủ tịch UBND các huyện, thị xã, thành phố khẩn "
     "trương rà soát, triển khai ngay các nhiệm vụ UBND tỉnh đã giao theo đúng nội dung, tiến độ, chất lượng và báo "
     "cáo kết quả về Chủ tịch UBND tỉnh bằng văn bản trước ngày 20.7.2020.", None,
     [once("2020-07-20", False, "trước ngày 20.7.2020")]),
    # Kế hoạch hành động vì sự tiến bộ phụ nữ (Quyết định 55/2007, UBND tỉnh Ninh Thuận, 05/3/2007): "vào năm 2008" in
    # a task is due, unlike a target's year.
    ("1. Sở Kế hoạch và Đầu tư - cơ quan thường trực Ban vì sự tiến bộ phụ nữ tỉnh giúp Ban vì sự tiến bộ phụ nữ "
     "tham mưu Ủy ban nhân dân tỉnh chỉ đạo tổ chức triển khai Kế hoạch hành động; tổ chức sơ kết hằng năm, sơ kết "
     "giữa kỳ vào năm 2008 và tổng kết vào năm 2010 việc thực hiện Kế hoạch hành động.", date(2007, 3, 5),
     [once("2008-12-31", True, "vào năm 2008"), once("2010-12-31", True, "vào năm 2010")]),
    # Thanh Niên (06/2019), Văn phòng Chính phủ truyền đạt ý kiến Thủ tướng: "1.8" takes the letter's year.
    ("Theo đó, Thủ tướng yêu cầu Bộ Công an chỉ đạo Công an tỉnh Vĩnh Phúc và các đơn vị chức năng khẩn trương xác "
     "minh, điều tra làm rõ vụ việc để xử lý nghiêm theo quy định pháp luật, báo cáo Thủ tướng trước ngày 1.8.",
     date(2019, 6, 14),
     [once("2019-08-01", False, "trước ngày 1.8", "năm 2019 lấy theo ngày văn bản 14/06/2019")]),
    # Pháp luật TP.HCM (30/12/2016), Thủ tướng chỉ đạo xử lý việc tuyển dụng sai phạm: a dashed date.
    ("Bộ Nội vụ theo dõi, đôn đốc, kiểm tra việc thực hiện nhiệm vụ nêu trên, báo cáo Thủ tướng trước ngày "
     "28-2-2017.", date(2016, 12, 30), [once("2017-02-28", False, "trước ngày 28-2-2017")]),
    # Cổng TTĐT tỉnh Cao Bằng, Công văn 1536/UBND-TH ngày 24/5/2017.
    ("Báo cáo hoàn thành của các cơ quan, đơn vị gửi bằng văn bản và file điện tử về Ủy ban nhân dân tỉnh Cao Bằng "
     "trước ngày 05/6/2017.", date(2017, 5, 24), [once("2017-06-05", False, "trước ngày 05/6/2017")]),
]

NOT_DEADLINES = [
    # Thông cáo báo chí số 68, Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh Quảng Nam (06/8/2020): the period reported
    # on ends at an hour of a day; it is no deadline.
    ("Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh Quảng Nam (Ban Chỉ đạo) thông tin nhanh về một số nội dung liên "
     "quan đến phòng, chống dịch Covid-19 trên địa bàn tỉnh Quảng Nam cập nhật tình hình từ ngày 25/7/2020 đến 18h00 "
     "ngày 05/8/2020, như sau:", date(2020, 8, 6)),
    # Văn bản 1277/BGDĐT-QLCL ngày 22/3/2024, Bộ Giáo dục và Đào tạo (hoatieu.vn): a planned event at an hour.
    ("Thời gian công bố kết quả thi dự kiến vào 8 giờ 00 ngày 17/7/2024.", date(2024, 3, 22)),
    # Báo Đầu tư (15/1/2022): the hour the figures were given.
    ("Theo thông tin lúc 18h ngày 15/1, Bộ Y tế cho biết Việt Nam ghi nhận thêm 16.378 ca nhiễm mới, trong đó 73 ca "
     "nhập cảnh và 16.305 ca ghi nhận trong nước tại 60 tỉnh, thành phố.", date(2022, 1, 15)),
    # Thông tư 05/2023/TT-BYT (Cổng TTĐT huyện Đức Cơ, Gia Lai): the data a quarterly report covers.
    ("- Số liệu báo cáo của Quý I được tính từ ngày 01/01 đến hết ngày 31/3 hằng năm;", date(2023, 3, 10)),
    # The same page: a yearly report's data window; "hằng năm" names the report, it sets no deadline.
    ("- Báo cáo định kỳ hằng năm: tính từ ngày 15 tháng 12 năm trước kỳ báo cáo đến ngày 14 tháng 12 của năm báo "
     "cáo.", date(2023, 3, 10)),
    ("- Báo cáo định kỳ hàng quý: tính từ ngày 15 của tháng trước kỳ báo cáo đến ngày 14 của tháng cuối quý của kỳ "
     "báo cáo.", date(2023, 3, 10)),
    # Pháp luật TP.HCM (03/2017), chương trình nông thôn mới: a target "phấn đấu đến năm 2020".
    ("Về mục tiêu triển khai chương trình giai đoạn 2016-2020, cả nước phấn đấu đến năm 2020 số xã đạt tiêu chuẩn "
     "nông thôn mới chiếm 50%; khuyến khích mỗi tỉnh, thành phố trực thuộc trung ương phấn đấu có ít nhất một huyện "
     "đạt chuẩn nông thôn mới.", date(2017, 3, 1)),
    # Bộ Xây dựng (moc.gov.vn, 21/09/2011), Kế hoạch Phong trào thi đua: two targets, spaces lost as printed.
    ("Ngày 20/9, Thủ tướng Chính phủ ban hành Kế hoạch tổ chứcthực hiện Phong trào thi đua Cả nước chung sức xây "
     "dựng nông thôn mới,phấn đấu đạt tỷ lệ xã chuẩn nông thôn mới đến năm 2015 tối thiểu 20%;đến năm 2020 đạt 50%; "
     "cải thiện đáng kể đời sống vật chất và tinh thầncho người dân trên địa bàn nông thôn.", date(2011, 9, 21)),
    # Báo An Giang, Đại hội xã Phú Bình nhiệm kỳ 2020-2025: targets "đến năm 2025 đạt", "vào cuối năm 2020".
    ("Cụ thể, bình quân thu nhập đầu người đến năm 2025 đạt 70 triệu đồng/người/năm; chuyển đổi cơ cấu cây trồng đạt "
     "20% trên tổng diện tích; giữ vững danh hiệu xã nông thôn mới và đạt xã nông thôn mới nâng cao vào cuối năm "
     "2020; tỷ lệ tham gia bảo hiểm y tế toàn dân đạt 100%.", None),
    # cng.net.vn, Hội nghị toàn quốc về khoa học, công nghệ (13/1/2025): "mục tiêu ... vào năm 2030".
    ("Tổng Bí thư Tô Lâm cho biết, với mục tiêu trở thành nước công nghiệp hiện đại vào năm 2030 và nước phát triển, "
     "thu nhập cao vào năm 2045, chúng ta phải coi khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số là động lực "
     "chủ chốt.", date(2025, 1, 13)),
    # Sở Nông nghiệp và PTNT Hà Nam, Kế hoạch Chương trình MTQG Nước sạch năm 2014: a programme's horizon.
    ("Vì vậy mục tiêu của Chương trình là một trong những tiêu chí quan trọng của Chương trình MTQG Xây dựng Nông "
     "thôn mới đến năm 2020 của tỉnh Hà Nam.", None),
    # Cổng TTĐT Chính phủ (doanhtri.net, 04/7/2020), Nghị quyết 68/NQ-CP: a target over a period of years.
    ("Nghị quyết đặt mục tiêu trong giai đoạn từ năm 2020 đến năm 2025, cắt giảm, đơn giản hóa ít nhất 20% số quy "
     "định và cắt giảm ít nhất 20% chi phí tuân thủ quy định liên quan đến hoạt động kinh doanh.", None),
]


@pytest.mark.parametrize(("text", "on", "expected"), READ, ids=[c[0][:40] for c in READ])
def test_real_sentences_read_as_expected(text, on, expected):
    assert read(text, on) == expected


@pytest.mark.parametrize(("text", "on"), NOT_DEADLINES, ids=[c[0][:40] for c in NOT_DEADLINES])
def test_real_dates_that_are_not_deadlines(text, on):
    assert read(text, on) == []


@pytest.mark.parametrize(("text", "on", "expected"), READ, ids=[c[0][:40] for c in READ])
def test_real_sentences_typed_without_accents_read_alike(text, on, expected):
    plain = [{**d, "phrase": fold(d["phrase"])} | ({"event": fold(d["event"])} if "event" in d else {})
             for d in expected]
    assert read(fold(text), on) == plain


def test_at_least_25_real_sentences_none_already_in_the_other_tests():
    assert len(READ) + len(NOT_DEADLINES) >= 25
    from pathlib import Path

    here = Path(__file__).parent
    others = "".join((here / name).read_text(encoding="utf-8")
                     for name in ("test_plan_deadlines_real.py", "test_plan_phrases.py"))
    for text, *_ in READ + NOT_DEADLINES:
        assert text[:60] not in others, text


# --------------------------------------------------------------------------------------------------
# The causes in the issue's own words, where the pages above did not give one.


def test_every_common_hour_form_before_the_day_makes_it_due_that_day():
    on = date(2020, 4, 20)
    for hour in ("10h00'", "10h00’", "16 giờ 00", "16 giờ 30 phút,", "17h", "16g00", "16:00", "10 giờ sáng",
                 "16h00, thứ Sáu,"):
        for word in ("trước", "chậm nhất", "chậm nhất vào lúc"):
            phrase = f"{word} {hour} ngày 27/4/2020"
            assert read(f"Báo cáo gửi về Sở Y tế {phrase}.", on) == [
                once("2020-04-27", True, phrase)
            ], phrase
    # Without a year, the letter's year, as for a day alone.
    assert read("gửi trước 16 giờ 00 ngày 15/5", on)[0]["due"] == "2020-05-15"


def test_a_count_with_no_event_runs_from_the_letters_receipt_for_review():
    on = date(2020, 4, 20)
    assert read("Sở Tài chính chủ trì, báo cáo UBND tỉnh trong 30 ngày làm việc.", on) == [
        relative(30, "working_days", RECEIPT, "trong 30 ngày làm việc", RECEIPT_ASSUMED)
    ]
    assert read("Yêu cầu Sở Y tế kiểm tra, báo cáo kết quả trong vòng 15 ngày.", on)[0]["count"] == 15
    # "kể từ ngày ký" still counts from the letter's date; spans and durations are no deadlines.
    assert read("báo cáo kết quả trong vòng 15 ngày kể từ ngày ký", on)[0]["due"] == "2020-05-05"
    for text in ("Trong 30 ngày qua, các đơn vị đã báo cáo đầy đủ.", "Hội nghị diễn ra trong 02 ngày.",
                 "Lớp tập huấn trong 03 ngày.", "báo cáo tình hình trong 6 tháng đầu năm"):
        assert [d for d in read(text, on) if d["kind"] == "relative"] == [], text


def test_the_end_of_a_period_reported_on_is_a_cut_off_when_a_sending_date_follows():
    on = date(2020, 4, 20)
    assert read("báo cáo kết quả thực hiện từ ngày 30/01/2020 đến ngày 24/4/2020, gửi về Sở Y tế trước ngày "
                "25/4/2020", on) == [once("2020-04-25", False, "trước ngày 25/4/2020")]
    assert read("Báo cáo kết quả thực hiện (số liệu tính) đến hết tháng 4/2018, gửi Sở Nội vụ trước ngày 05/5/2018.",
                on) == [once("2018-05-05", False, "trước ngày 05/5/2018")]
    # A window for sending, with no report's period before it, is still due.
    assert read("Nộp hồ sơ: từ ngày 25/7 đến ngày 31/7/2020.", on) == [once("2020-07-31", True, "đến ngày 31/7/2020")]


def test_the_periods_a_report_covers_are_no_deadlines_beside_a_sending_deadline():
    on = date(2018, 3, 1)
    text = "báo cáo kết quả thực hiện trong quý I, quý II/2018 và hàng tháng gửi về Sở Nội vụ trước ngày 20 hàng tháng"
    assert read(text, on) == [recurring("FREQ=MONTHLY;BYMONTHDAY=20", False, "trước ngày 20 hàng tháng")]
    # Alone, each period's report falls due at its end ("báo cáo quý": docs/plan-import.md), the year shared.
    assert read("báo cáo kết quả thực hiện trong quý I, quý II/2018 và hàng tháng", on) == [
        once("2018-03-31", True, "trong quý I"), once("2018-06-30", True, "quý II/2018"),
        recurring("FREQ=MONTHLY;BYMONTHDAY=-1", True, "hàng tháng"),
    ]


def test_a_plans_horizon_is_no_deadline_but_a_tasks_year_is():
    assert read("Kế hoạch phát triển du lịch đến năm 2020") == []
    assert read("phấn đấu đến hết năm 2025 đạt 100% xã có điểm phục vụ") == []
    assert read("hoàn thành trong năm 2025")[0]["due"] == "2025-12-31"


def test_a_chain_of_reporting_gives_each_agency_its_own_deadline():
    on = date(2019, 4, 20)
    text = ("Các đơn vị gửi báo cáo về Sở Nội vụ trước ngày 05/5 để Sở Nội vụ tổng hợp, báo cáo UBND tỉnh trước ngày "
            "10/5.")
    assert [d["due"] for d in read(text, on)] == ["2019-05-05"]
    assert [d["due"] for d in read(text, on, lead="Sở Nội vụ")] == ["2019-05-10"]
    assert [d["due"] for d in read(text, on, lead="Sở Tài chính")] == ["2019-05-05"]
    # The compiler leads the sentence: its own deadline, not the agencies'.
    lead_first = ("Sở Nội vụ hướng dẫn các đơn vị gửi báo cáo về Sở Nội vụ trước ngày 05/5 để tổng hợp, báo cáo UBND "
                  "tỉnh trước ngày 10/5.")
    assert [d["due"] for d in read(lead_first, on)] == ["2019-05-10"]
    # Only the compiler's deadline is written: the reporting agencies' task has none of its own.
    assert read("Các đơn vị báo cáo UBND tỉnh (qua Sở Văn hóa và Thể thao) để tổng hợp, báo cáo Bộ trước ngày "
                "05/5/2019.", on) == []
    # Two sentences are two duties, each read.
    assert len(read("Số liệu gửi về Sở trước 30/8. Sở tổng hợp, báo cáo UBND tỉnh trước 30/9.", on)) == 2


def test_a_number_of_reports_is_no_yearly_deadline():
    assert read("Đối với báo cáo chuyên đề, hàng năm chỉ thực hiện 02 kỳ báo cáo.") == []
    assert read("hàng năm gửi báo cáo về Sở Nội vụ")[0]["rrule"] == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1"
