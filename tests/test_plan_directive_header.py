"""What a directive or an official letter is called, and the names in its sentences (plans.importer: subject,
header, agency_names.report_to_in, spelling). A công văn, chỉ thị, thông báo or quyết định has no "KẾ HOẠCH"
title: its subject line is its title ("Công văn số 846/UBND-TH về việc ..."), and the draft says so beside
`title:`. Then where a result is sent ("gửi Văn phòng UBND tỉnh", "gởi ..."), a Sở named half in lower case,
and the head of a Ban named before the Ban ("Trưởng ban Ban Quản lý ...").

Headers are as published (on the issuer's portal or a legal library), as a .txt of the document holds them:
one line a paragraph or a line of the header's boxes, the libraries' table bars dropped. Each is cited by number,
date and issuer; bodies are cut to the sentences a test needs."""

from __future__ import annotations

from datetime import date

import pytest

from obligations.plans.importer.agency_names import report_to_in
from obligations.plans.importer.assignments import assignments_in
from obligations.plans.importer.draft import build_draft
from obligations.plans.importer.parse import parse_text
from obligations.plans.importer.spelling import OFFICIAL_SO, canonical_name
from obligations.plans.importer.subject import read_subject
from tests.test_plan_assignments_real import HUE_9809, LAI_CHAU_846, NGHE_AN_2294

ONE = False
TODAY = date(2025, 1, 6)

# --------------------------------------------------------------------------------------------------
# A letter's subject: "V/v ..." under its number

# Công văn 85/TTg-CN of 19/01/2018, Thủ tướng Chính phủ (luatvietnam.vn): "V/v:" with a colon, the subject in
# sentence case.
TTG_85 = """THỦ TƯỚNG CHÍNH PHỦ
-------
Số: 85/TTg-CN
V/v: Chủ trương tổ chức lại các Ban quản lý dự án đầu tư xây dựng trực thuộc Bộ Xây dựng
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Nội, ngày 19 tháng 01 năm 2018
Kính gửi: Bộ Xây dựng.
Xét đề nghị của Bộ Xây dựng (Tờ trình số 65/TTr-BXD ngày 08 tháng 12 năm 2017), Thủ tướng Chính phủ có ý kiến \
như sau:
1. Đồng ý chủ trương tổ chức lại các Ban quản lý dự án đầu tư xây dựng trực thuộc Bộ Xây dựng.
2. Bộ Xây dựng chịu trách nhiệm tổ chức thực hiện việc tổ chức lại các Ban quản lý dự án đầu tư xây dựng nêu trên \
đảm bảo mục tiêu cơ cấu tổ chức, bộ máy tinh gọn và hoạt động hiệu quả.
"""

# Công văn 454/UBND-NCTH of 06/4/2011, UBND tỉnh Hậu Giang (haugiang.gov.vn): the header's two boxes side by side,
# the number and the date on one line; the body repeats the subject of the letter it answers ("V/v ...").
HAU_GIANG_454 = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH HẬU GIANG Độc Lập - Tự Do - Hạnh Phúc
Số: 454/UBND-NCTH Vị Thanh, ngày 6 tháng 4 năm 2011
V/v tiếp tục phối hợp tuyên truyền và tham gia bầu chọn Vịnh Hạ Long là kỳ quan thiên nhiên thế giới
Kính gửi:
- Giám đốc Sở Văn hóa, Thể thao và Du lịch;
- Giám đốc Sở Thông tin và Truyền thông;
- Giám đốc Đài Phát thanh - Truyền hình Hậu Giang;
- Chủ tịch UBND huyện, thị xã, thành phố.
Ủy ban nhân dân tỉnh nhận được Công văn số 847/UBND-VX1 ngày 22 tháng 3 năm 2011 của UBND tỉnh Quảng Ninh V/v \
tiếp tục phối hợp tuyên truyền và tham gia bầu chọn Vịnh Hạ Long là kỳ quan thiên nhiên thế giới, Chủ tịch UBND tỉnh \
có ý kiến như sau:
Giao Giám đốc: Sở Văn hóa, Thể thao và Du lịch, Sở Thông tin và Truyền thông, Đài Phát thanh - Truyền hình Hậu Giang \
phối hợp với các sở, ban, ngành, đoàn thể tỉnh và UBND huyện, thị xã, thành phố tiếp tục tuyên truyền và phát động \
trong toàn thể cán bộ, công chức, viên chức, người lao động và nhân dân lao động trên địa bàn tỉnh tham gia bầu chọn \
Vịnh Hạ Long là kỳ quan thiên nhiên thế giới theo yêu cầu tại Công văn nêu trên./.
"""

# --------------------------------------------------------------------------------------------------
# The subject under "CHỈ THỊ", "THÔNG BÁO", "QUYẾT ĐỊNH", as the legal libraries publish them: in capitals, wrapped

# Chỉ thị 08/CT-UBND of 25/5/2015, UBND tỉnh Quảng Bình (thuvienphapluat.vn): its first paragraphs.
QUANG_BINH_CT_08 = """UỶ BAN NHÂN
DÂN
TỈNH QUẢNG BÌNH
--------
CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 08/CT-UBND
Quảng Bình,
ngày 25 tháng 5 năm 2015
CHỈ THỊ
VỀ VIỆC TĂNG CƯỜNG, CHỈ ĐẠO ĐIỀU HÀNH THỰC
HIỆN NHIỆM VỤ TÀI CHÍNH - NGÂN SÁCH NHÀ NƯỚC NĂM 2015
Thực hiện Nghị quyết số 01/NQ-CP ngày 03/01/2015 của Chính phủ về những nhiệm vụ, giải pháp chủ yếu chỉ đạo điều \
hành thực hiện Kế hoạch phát triển kinh tế - xã hội và dự toán ngân sách năm 2015; Nghị quyết số 95/2014/NQ-HĐND \
ngày 11/12/2014 của HĐND tỉnh về nhiệm vụ phát triển kinh tế - xã hội năm 2015, các cơ quan, đơn vị, địa phương đã \
quán triệt và triển khai thực hiện các nhiệm vụ, giải pháp theo chức năng, nhiệm vụ được giao.
Ngày 21/04/2015, Thủ tướng Chính phủ đã ban hành Chỉ thị số 06/CT-TTg về việc tăng cường chỉ đạo điều hành thực \
hiện nhiệm vụ tài chính - ngân sách nhà nước năm 2015 và Bộ Tài chính đã ban hành Công văn hướng dẫn.
"""

# Quyết định 1209/QĐ-UBND of 24/6/2013, UBND tỉnh Hà Giang (thuviennhadat.vn): the subject wrapped inside a word
# ("KẾ" / "HOẠCH"), then the authority that decides, above "Căn cứ ...".
HA_GIANG_QD_1209 = """ỦY BAN NHÂN DÂN
TỈNH HÀ GIANG
-------
CỘNG
HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 1209/QĐ-UBND
Hà Giang, ngày 24 tháng 06 năm 2013
QUYẾT ĐỊNH
VỀ VIỆC BAN HÀNH QUY CHẾ HOẠT ĐỘNG CỦA BAN CHỈ ĐẠO CÔNG TÁC DÂN SỐ - KẾ
HOẠCH HÓA GIA ĐÌNH TỈNH HÀ GIANG, GIAI ĐOẠN 2013-2015
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ GIANG
Căn cứ Luật Tổ chức HĐND và UBND
ngày 26/11/2003;
Căn cứ Quyết định số 807/QĐ-UBND ngày 06 tháng 5 năm 2013 của Ủy ban nhân dân tỉnh Hà Giang về việc kiện toàn \
Ban Chỉ đạo công tác Dân số -
Kế hoạch hóa gia đình tỉnh Hà Giang giai đoạn 2013 - 2015;
Xét đề nghị của Sở Y tế tại Tờ
trình số 66/TTr-SYT ngày 17 tháng 5 năm 2013 về việc
ban hành Quy chế hoạt động của Ban Chỉ đạo công tác Dân số - Kế hoạch hóa gia đình tỉnh Hà Giang,
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế hoạt động
của Ban Chỉ đạo công tác Dân số - Kế hoạch hóa gia đình tỉnh Hà Giang, giai đoạn
2013-2015.
"""

# Quyết định 119/QĐ-UBND of 23/11/2009, UBND tỉnh Bắc Giang (vanbanphapluat.co): an acronym in the subject.
BAC_GIANG_QD_119 = """ỦY BAN NHÂN DÂN
TỈNH BẮC GIANG
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 119/QĐ-UBND
Bắc Giang, ngày 23 tháng 11 năm 2009
QUYẾT ĐỊNH
VỀ VIỆC BỔ SUNG TTHC VÀO BỘ THỦ TỤC HÀNH CHÍNH THUỘC THẨM QUYỀN GIẢI QUYẾT CỦA SỞ THÔNG TIN VÀ TRUYỀN THÔNG
ỦY BAN NHÂN DÂN TỈNH BẮC GIANG
Căn cứ Luật Tổ chức HĐND và UBND ngày 26 tháng 11 năm 2003;
Xét đề nghị Giám đốc Sở Thông tin và Truyền thông và Tổ trưởng Tổ công tác chuyên trách thực hiện Đề án 30 của Ủy \
ban nhân dân tỉnh,
QUYẾT ĐỊNH:
Điều 1. Bổ sung 04 thủ tục hành chính (TTHC) vào Bộ Thủ tục hành chính thuộc thẩm quyền giải quyết của Sở Thông \
tin và Truyền thông được công bố kèm theo Quyết định số 81/QĐ-UBND ngày 17/8/2009 của UBND tỉnh Bắc Giang.
"""

# Quyết định 2134/QĐ-UBND of 30/12/2014, UBND tỉnh Bắc Giang (hethongphapluat.com): "V/V" under "QUYẾT ĐỊNH".
BAC_GIANG_QD_2134 = """ỦY BAN NHÂN DÂN
TỈNH BẮC GIANG
Số: 2134/QĐ-UBND
Bắc Giang, ngày 30 tháng 12 năm 2014
QUYẾT ĐỊNH
V/V PHÊ DUYỆT “QUY HOẠCH PHÁT TRIỂN KHO VẬT LIỆU NỔ CÔNG NGHIỆP TRÊN ĐỊA BÀN TỈNH BẮC GIANG ĐẾN NĂM 2020, TẦM \
NHÌN 2030”
CHỦ TỊCH UỶ BAN NHÂN DÂN TỈNH BẮC GIANG
Căn cứ Luật Tổ chức HĐND và UBND ngày 26 tháng 11 năm 2003;
"""

# Quyết định 2862/QĐ-UBND of 16/11/2018, UBND tỉnh Sơn La (thuvienphapluat.vn): "VỀ" alone on its line.
SON_LA_QD_2862 = """ỦY BAN NHÂN DÂN
TỈNH SƠN LA
Số: 2862/QĐ-UBND
Sơn
La, ngày 16 tháng 11
năm 2018
QUYẾT ĐỊNH
VỀ
VIỆC BAN HÀNH QUY CHẾ TIẾP NHẬN, XỬ LÝ VÀ TRẢ LỜI PHẢN ÁNH, KIẾN NGHỊ CỦA NGƯỜI
DÂN, DOANH NGHIỆP TRÊN CỔNG THÔNG TIN ĐIỆN TỬ TỈNH SƠN LA
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH
Căn cứ Luật Tổ chức chính quyền địa
phương năm 2015;
Điều 1. Ban hành kèm theo Quyết định này “Quy chế tiếp
nhận, xử lý và trả lời phản ánh, kiến nghị của người dân, doanh nghiệp trên Cổng
thông tin điện tử tỉnh Sơn La” tại địa chỉ: http://sonla.gov.vn/hoi-dap
"""

# Thông báo 164/TB-VPCP of 30/8/2007, Văn phòng Chính phủ (vanban123.vn): a conclusion, its opening paragraph.
VPCP_TB_164 = """VĂN PHÒNG CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 164/TB-VPCP
Hà Nội, ngày 30 tháng 08 năm 2007
THÔNG BÁO
KẾT LUẬN CỦA PHÓ THỦ TƯỚNG THƯỜNG TRỰC CHÍNH PHỦ NGUYỄN SINH HÙNG TẠI HỘI NGHỊ SƠ KẾT 2 NĂM THỰC HIỆN NGHỊ QUYẾT \
SỐ 45-NQ/TW CỦA BỘ CHÍNH TRỊ VỀ XÂY DỰNG VÀ PHÁT TRIỂN THÀNH PHỐ CẦN THƠ TRONG THỜI KỲ CÔNG NGHIỆP HOÁ, HIỆN ĐẠI HOÁ \
ĐẤT NƯỚC
Ngày 20 tháng 8 năm 2007, tại thành phố Cần Thơ, đồng chí Nguyễn Sinh Hùng, Uỷ viên Bộ Chính trị, Phó Thủ tướng \
Thường trực Chính phủ đã chủ trì Hội nghị sơ kết 2 năm thực hiện Nghị quyết số 45-NQ/TW của Bộ Chính trị về xây dựng \
và phát triển thành phố Cần Thơ trong thời kỳ công nghiệp hoá, hiện đại hoá đất nước. Sau khi nghe đồng chí Bí thư \
Thành uỷ Cần Thơ báo cáo tình hình thực hiện Nghị quyết số 45-NQ/TW của Bộ Chính trị, ý kiến của các Bộ, cơ quan, \
Phó Thủ tướng Nguyễn Sinh Hùng đã kết luận như sau:
"""

# The conclusion of the Chairman of UBND tỉnh Thái Nguyên on the coronavirus (2/2020), as thainguyentv.vn titles
# and quotes it; the header lines are the standard ones of a thông báo, rebuilt without a number.
THAI_NGUYEN_TB = """ỦY BAN NHÂN DÂN
TỈNH THÁI NGUYÊN
THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh Thái Nguyên về công tác phòng chống dịch bệnh viêm phổi cấp do chủng mới của virut \
Corona gây ra
Thực hiện ý kiến chỉ đạo của Thường trực Tỉnh ủy tại Thông báo kết luận số 2927 -TB/TU ngày 4/2/2020. Sau khi nghe \
Ban Chỉ đạo cấp tỉnh báo cáo, ý kiến phát biểu của các Đại biểu dự họp, Chủ tịch UBND tỉnh Vũ Hồng Bắc đã có kết \
luận về cuộc họp như sau:
"""

TITLES = [
    (LAI_CHAU_846,
     "Công văn số 846/UBND-TH về việc báo cáo tình hình triển khai thực hiện và giải ngân kế hoạch đầu tư công năm "
     "2019"),
    (NGHE_AN_2294,
     "Công văn số 2294/UBND-VX về việc tiếp tục triển khai thực hiện nghiêm túc Chỉ thị số 16/CT-TTg của Thủ tướng "
     "Chính phủ"),
    (TTG_85,
     "Công văn số 85/TTg-CN về việc chủ trương tổ chức lại các Ban quản lý dự án đầu tư xây dựng trực thuộc Bộ Xây "
     "dựng"),
    (HAU_GIANG_454,
     "Công văn số 454/UBND-NCTH về việc tiếp tục phối hợp tuyên truyền và tham gia bầu chọn Vịnh Hạ Long là kỳ quan "
     "thiên nhiên thế giới"),
    # In capitals: the words take the body's casing ("tài chính - ngân sách nhà nước", "Ban Chỉ đạo", "Hà Giang").
    (QUANG_BINH_CT_08,
     "Chỉ thị số 08/CT-UBND về việc tăng cường, chỉ đạo điều hành thực hiện nhiệm vụ tài chính - ngân sách nhà nước "
     "năm 2015"),
    (HA_GIANG_QD_1209,
     "Quyết định số 1209/QĐ-UBND về việc ban hành Quy chế hoạt động của Ban Chỉ đạo công tác Dân số - Kế hoạch hóa "
     "gia đình tỉnh Hà Giang, giai đoạn 2013-2015"),
    (BAC_GIANG_QD_119,
     "Quyết định số 119/QĐ-UBND về việc bổ sung TTHC vào Bộ Thủ tục hành chính thuộc thẩm quyền giải quyết của Sở "
     "Thông tin và Truyền thông"),
    (BAC_GIANG_QD_2134,
     "Quyết định số 2134/QĐ-UBND về việc phê duyệt “quy hoạch phát triển kho vật liệu nổ công nghiệp trên địa bàn "
     "tỉnh Bắc Giang đến năm 2020, tầm nhìn 2030”"),
    (SON_LA_QD_2862,
     "Quyết định số 2862/QĐ-UBND về việc ban hành Quy chế tiếp nhận, xử lý và trả lời phản ánh, kiến nghị của người "
     "dân, doanh nghiệp trên Cổng thông tin điện tử tỉnh Sơn La"),
    (VPCP_TB_164,
     "Thông báo số 164/TB-VPCP kết luận của Phó Thủ tướng Thường trực Chính phủ Nguyễn Sinh Hùng tại Hội nghị sơ kết "
     "2 năm thực hiện Nghị quyết số 45-NQ/TW của Bộ Chính trị về xây dựng và phát triển thành phố Cần Thơ trong thời "
     "kỳ công nghiệp hoá, hiện đại hoá đất nước"),
    (THAI_NGUYEN_TB,
     "Thông báo kết luận của Chủ tịch UBND tỉnh Thái Nguyên về công tác phòng chống dịch bệnh viêm phổi cấp do chủng "
     "mới của virut Corona gây ra"),
]


@pytest.mark.parametrize(("document", "title"), TITLES)
def test_the_subject_line_is_the_title(document, title):
    assert parse_text(document).title == title


def test_the_header_around_the_subject_is_still_read():
    plan = parse_text(HAU_GIANG_454)
    assert plan.number == "454/UBND-NCTH" and plan.signed == date(2011, 4, 6)
    # The letter's own subject, not the one its body repeats from the letter it answers (847/UBND-VX1).
    assert "847" not in plan.title
    # "Giao Giám đốc: Sở ..., Sở ..., Đài ..." (the heads, then a colon): one task for each agency listed.
    assert [t.agency for t in plan.tasks] == [
        "Sở Văn hóa, Thể thao và Du lịch", "Sở Thông tin và Truyền thông", "Đài Phát thanh - Truyền hình Hậu Giang"]
    decision = parse_text(HA_GIANG_QD_1209)
    assert decision.number == "1209/QĐ-UBND" and decision.signed == date(2013, 6, 24)
    assert "CHỦ TỊCH" not in decision.title.upper().split("HÀ GIANG")[0]  # the authority line is no part of it


def test_a_letters_subject_names_no_period():
    # "... kế hoạch đầu tư công năm 2019" is what the letter is about; its tasks run from its date (21/5/2019), and
    # the draft guesses the end from its deadlines, for review.
    plan = parse_text(LAI_CHAU_846)
    assert "năm 2019" in plan.title and plan.period is None
    # A plan's own title still gives its period.
    assert parse_text("KẾ HOẠCH\nThực hiện công tác đối ngoại nhân dân năm 2025 - 2026\n").period == (
        date(2025, 1, 1), date(2026, 12, 31))


def test_a_plan_keeps_its_title_and_a_letter_without_subject_has_none():
    plan = parse_text(
        "Số: 377/KH-UBND\nV/v ban hành Kế hoạch\nKẾ HOẠCH\nTriển khai công tác đối ngoại nhân dân năm 2025\n")
    assert plan.title == "Kế hoạch triển khai công tác đối ngoại nhân dân năm 2025"
    # Công văn 9809/UBND-GT (Huế) opens its body with "Về phối hợp ..., UBND tỉnh giao trách nhiệm:": a sentence,
    # not a subject line; the draft falls back to the file's name, for review.
    assert parse_text(HUE_9809).title is None
    # "Về việc ..." far from the number starts a sentence.
    late = "Số: 12/UBND-TH\nKính gửi: Các sở, ngành.\nVề việc triển khai Kế hoạch, UBND tỉnh có ý kiến như sau:\n"
    assert parse_text(late).title is None


def test_read_subject_takes_a_subject_wrapped_inside_one_cell():
    # Công văn 846/UBND-TH as a Word header holds it: the left box one cell, the subject wrapped inside it.
    lines = ["ỦY BAN NHÂN DÂN", "TỈNH LAI CHÂU", "Số: 846/UBND-TH", "V/v báo cáo tình hình triển khai thực",
             "hiện và giải ngân kế hoạch", "đầu tư công năm 2019", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    cells = [0, 0, 0, 0, 0, 0, 1]
    assert read_subject(lines, cells, "846/UBND-TH") == TITLES[0][1]
    # Thông báo 164/TB-VPCP wrapped where a line starts "SỐ 45-NQ/TW ...": a number inside the subject, no number line.
    wrapped = VPCP_TB_164.replace("NGHỊ QUYẾT SỐ 45", "NGHỊ QUYẾT\nSỐ 45")
    assert parse_text(wrapped).title == parse_text(VPCP_TB_164).title


def test_the_draft_says_the_title_came_from_the_subject_line():
    letter = build_draft(parse_text(LAI_CHAU_846), source="cv-846.txt", today=TODAY).text
    assert comment_on(letter, "title:") == (
        "từ dòng trích yếu “V/v ...” dưới số hiệu công văn, ghép với tên loại và số hiệu")
    assert "Công văn số 846/UBND-TH về việc báo cáo" in line_with(letter, "title:")
    directive = build_draft(parse_text(QUANG_BINH_CT_08 + "1. Giao Sở Tài chính chủ trì theo dõi.\n"),
                            source="ct-08.txt", today=TODAY).text
    assert comment_on(directive, "title:") == "từ dòng trích yếu dưới tên loại “CHỈ THỊ”, ghép với tên loại và số hiệu"
    untitled = build_draft(parse_text(HUE_9809), source="cong-van-9809.txt", today=TODAY).text
    assert comment_on(untitled, "title:").startswith("xem lại: không thấy tiêu đề")


def line_with(text: str, needle: str) -> str:
    return next(row for row in text.splitlines() if needle in row)


def comment_on(text: str, needle: str) -> str:
    row = line_with(text, needle)
    return row.split("  # ", 1)[1] if "  # " in row else row.split(" # ", 1)[1]


# --------------------------------------------------------------------------------------------------
# Where a result is sent: "gửi X", "gửi về X", "gởi X", and "gửi" in other senses

REPORT_TO = [
    # Công văn of UBND tỉnh Lai Châu (7/2018) on Quyết định 772/QĐ-TTg, as its portal published it: "Sao gửi ... kèm
    # theo" forwards a copy; "gửi Văn phòng UBND tỉnh" without "cho" is where the result goes.
    ("Giao Cục Thống kê tham mưu UBND tỉnh thực hiện các nội dung tại Quyết định số 772/QĐ-TTg ngày 26/6/2018 của Thủ "
     "tướng Chính phủ (Sao gửi Quyết định kèm theo). Yêu cầu hoàn thiện gửi Văn phòng UBND tỉnh trước ngày 20/7/2018.",
     "Văn phòng UBND tỉnh"),
    # Công văn 846/UBND-TH (Lai Châu): "gửi Văn phòng Uỷ ban nhân dân", and "gửi báo cáo về Sở ...".
    ("Giao Sở Kế hoạch và Đầu tư chủ trì phối hợp với các đơn vị liên quan tổng hợp chung báo cáo. Yêu cầu hoàn thiện "
     "gửi Văn phòng Uỷ ban nhân dân trước ngày 24/5/2019.", "Văn phòng Uỷ ban nhân dân"),
    ("Yêu cầu gửi báo cáo về Sở Kế hoạch và Đầu tư trước ngày 23/5/2019.", "Sở Kế hoạch và Đầu tư"),
    # The older spelling, as offices in the South type it: the same sentence with "gởi".
    ("Yêu cầu hoàn thiện gởi Văn phòng UBND tỉnh trước ngày 20/7/2018.", "Văn phòng UBND tỉnh"),
    # The provincial committee itself as the one that sends, when the duty is its own (the rule on provincial budget
    # settlement reports, as quoted by thuvienphapluat.vn): the ministry receives.
    ("Chậm nhất 05 ngày làm việc sau khi được Hội đồng nhân dân cấp tỉnh phê chuẩn quyết toán ngân sách nhà nước của "
     "năm quyết toán, Ủy ban nhân dân cấp tỉnh gửi báo cáo quyết toán ngân sách nhà nước cho Bộ Tài chính để tổng hợp",
     "Bộ Tài chính"),
    # Reports of the assigner's own letter: its addressees are no destination of a result.
    # Báo Cần Thơ, 13/11/2018:
    ("UBND TP Cần Thơ vừa có công văn gửi Giám đốc Sở Văn hóa, Thể thao và Du lịch về việc tổ chức họp mặt kỷ niệm "
     "15 năm thành phố Cần Thơ trực thuộc Trung ương.", None),
    # Sở VHTTDL Đắk Lắk, 27/5/2018, on Công văn 4099/UBND-KGVX:
    ("Trên cơ sở Kế hoạch Ngoại giao văn hóa của tỉnh năm 2018, UBND tỉnh vừa ban hành văn bản số 4099/UBND-KGVX, gửi "
     "Sở Văn hóa, Thể thao và Du lịch, Sở Ngoại vụ về tham mưu tổ chức chương trình văn hóa tại tỉnh.", None),
]


@pytest.mark.parametrize(("text", "report_to"), REPORT_TO)
def test_where_a_result_is_sent(text, report_to):
    assert report_to_in(text) == report_to


def test_gui_in_other_senses_sends_nothing():
    # Constructed contrasts to the sentences above: the assigner sending (directly, or through the Sở it asks to
    # advise it), a copy forwarded, and words that fold like "gởi" ("gọi", "gói").
    assert report_to_in("Văn phòng UBND tỉnh gửi văn bản đến Sở Tài chính để biết.") is None
    assert report_to_in("Sở Tài chính tổng hợp, tham mưu UBND tỉnh gửi Bộ Tài chính trước ngày 15/7.") is None
    assert report_to_in("Sao gửi Sở Tư pháp để biết.") is None
    assert report_to_in("Khi cần, gọi cho Sở Y tế.") is None
    assert report_to_in("Khi cần, gởi cho Sở Y tế.") == "Sở Y tế"
    # The committee asking a Sở to send: the Sở's result goes where it says.
    assert report_to_in("UBND tỉnh đề nghị Sở Y tế gửi Sở Nội vụ trước ngày 05/6.") == "Sở Nội vụ"


def test_a_directives_tasks_carry_where_they_report():
    plan = parse_text(LAI_CHAU_846)
    assert [t.report_to for t in plan.tasks] == ["Sở Kế hoạch và Đầu tư", "Văn phòng Ủy ban nhân dân"]


# --------------------------------------------------------------------------------------------------
# A Sở named half in lower case; the head of a Ban before the Ban's name


SPELLINGS = [
    # (as written, the one spelling) — source in the comment
    ("Sở Văn hóa và thể thao", "Sở Văn hóa và Thể thao"),  # Khánh Hòa's Sở before 2025, typed as letters type it
    ("Sở Công thương", "Sở Công Thương"),  # Thông báo 164/TB-VPCP lists "Công thương" among the ministries
    ("Sở Lao động – Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),  # benihome.vn, quoting UBND TP.HCM
    ("Sở Giao thông vận tải", "Sở Giao thông vận tải"),  # official as it is (Công văn 9809/UBND-GT, Huế)
    ("Sở Giao thông Vận tải", "Sở Giao thông vận tải"),
    ("sở công thương tỉnh khánh hòa", "Sở Công Thương tỉnh Khánh Hòa"),
    # Not a Sở's official name: as written (Sở VHTTDL Quảng Nam, 7/2019: "Sở kế hoạch – Đầu tư, ... Sở Tài Nguyên –
    # Môi trường"), since which words start a proper part cannot be told.
    ("Sở kế hoạch – Đầu tư", "Sở kế hoạch – Đầu tư"),
    ("Sở Tài Nguyên – Môi trường", "Sở Tài Nguyên – Môi trường"),
    # QĐ of Chủ tịch UBND tỉnh Thanh Hóa (2000), Điều 4: the head, then the Ban's name in lower case: kept as written.
    ("Trưởng ban quản lý các khu công nghiệp Thanh Hoá", "Ban quản lý các khu công nghiệp Thanh Hóa"),
    # The head of a Ban named before the Ban (Quyết định 2609/QĐ-TTg of 28/11/2025, as reported by danviet.vn).
    ("Trưởng ban Ban Quản lý Khu kinh tế mở Chu Lai TP Đà Nẵng", "Ban Quản lý Khu kinh tế mở Chu Lai TP Đà Nẵng"),
    ("Phó Trưởng ban Ban Quản lý Khu kinh tế tỉnh Lai Châu", "Ban Quản lý Khu kinh tế tỉnh Lai Châu"),
    ("Trưởng ban Dân tộc", "Ban Dân tộc"),  # the Ban's own name starts with "Ban": one "Ban"
]


@pytest.mark.parametrize(("written", "spelled"), SPELLINGS)
def test_official_names_of_a_provinces_sở_and_heads_of_a_ban(written, spelled):
    assert canonical_name(written) == spelled


def test_every_official_name_is_its_own_spelling_and_reached_from_lower_case():
    for name in OFFICIAL_SO:
        official = f"Sở {name}"
        assert canonical_name(official) == official
        assert canonical_name(official.lower()) == official
        assert canonical_name(official.upper()) == official


def test_a_ban_named_through_its_head_leads_the_task():
    # Quyết định 2609/QĐ-TTg (28/11/2025), as reported by danviet.vn: the decision names the Ban "Ban Quản lý" for
    # short; "trình" (submits) is the Ban's duty, and ends its name.
    sentence = ("Trưởng ban Ban Quản lý trình UBND TP Đà Nẵng quy định cụ thể chức năng, nhiệm vụ, quyền hạn và cơ cấu "
                "tổ chức của Ban Quản lý theo quy định của pháp luật.")
    (found,) = assignments_in(sentence)
    assert found.leads == [("Ban Quản lý", ONE)]
    full = "Ban Quản lý Khu kinh tế mở Chu Lai thành phố Đà Nẵng"
    (found,) = assignments_in(sentence, {"Ban Quản lý": full})
    assert found.leads == [(full, ONE)]
    # "trình" ends a supporting agency's name too; "công trình" is part of one (constructed contrasts).
    (found,) = assignments_in("Giao Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ trình UBND tỉnh trước ngày 30/6/2019.")
    assert found.leads == [("Sở Tư pháp", ONE)] and found.supporting == ["Sở Nội vụ"]
    (found,) = assignments_in("Giao Ban Quản lý dự án các công trình giao thông chủ trì thực hiện.")
    assert found.leads == [("Ban Quản lý dự án các công trình giao thông", ONE)]
