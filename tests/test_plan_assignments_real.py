"""Who a directive assigns a task to, read inside its sentences (plans.importer: assignments, directives,
spelling). Real sentences from public directives, official letters and decisions (chỉ thị, công văn, thông báo,
quyết định), each cited by number and issuer, with the leads and supporting agencies expected; whole short
directives parsed end to end. The spellings of one agency: tests/test_plan_agency_spelling.py.

Sources were read as published (on the issuer's portal, a legal library, or a news report quoting the text);
a sentence quoted by a news report is cited with the document it quotes."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from obligations.plans.importer.assignments import assignments_in
from obligations.plans.importer.parse import PlanError, parse_text, read_plan
from tests.plan_documents import ARTICLES

GROUP, ONE = True, False


class Case(NamedTuple):
    source: str
    text: str
    leads: list[tuple[str, bool]]
    supporting: list[str] = []


# --------------------------------------------------------------------------------------------------
# Sentences that assign, and who they assign to

CASES = [
    # "Giao Sở X chủ trì, phối hợp với ...": X leads; "các đơn vị liên quan" is no named partner.
    Case("Công văn 6202/UBND-KT 23/11/2023, UBND tỉnh Quảng Trị",
         "Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp các đơn vị, địa phương liên quan nghiên cứu, đề xuất "
         "UBND tỉnh xem xét theo quy định; hoàn thành trước ngày 10/12/2023./.",
         [("Sở Tài nguyên và Môi trường", ONE)]),
    Case("Quyết định 1528/QĐ-UBND 29/4/2021, UBND tỉnh Bình Định, Điều 2",
         "Giao Sở Lao động - Thương binh và Xã hội chủ trì, phối hợp với các cơ quan, đơn vị, địa phương liên quan "
         "tổ chức triển khai thực hiện Kế hoạch này trên địa bàn tỉnh.",
         [("Sở Lao động - Thương binh và Xã hội", ONE)]),
    Case("Quyết định 44/2007/QĐ-UBND 03/8/2007, UBND tỉnh Lào Cai, Điều 2 (\"cáchuyện\" as published)",
         "Giao Sở Y tế chủ trì, phối hợp với các sở, ban, ngành liên quan, UBND cáchuyện, thành phố tổ chức hướng "
         "dẫn, triển khai Quy định này.",
         [("Sở Y tế", ONE)]),
    Case("Quyết định 54/2009/QĐ-UBND 17/9/2009, UBND tỉnh Long An, Điều 2",
         "Giao Sở Văn hóa, Thể thao và Du lịch phối hợp với các cơ quan liên quan và UBND các huyện, thành phố triển "
         "khai thực hiện quyết định này.",
         [("Sở Văn hóa, Thể thao và Du lịch", ONE)]),
    Case("Công văn 3661/VPCP-KTN 19/5/2016, Văn phòng Chính phủ",
         "Giao Bộ Xây dựng chủ trì, thống nhất với các Bộ, ngành liên quan làm rõ sự cần thiết điều chỉnh cục bộ một "
         "số khu vực trong đồ án Quy hoạch chung thành phố Nha Trang đến năm 2025, báo cáo Thủ tướng Chính phủ.",
         [("Bộ Xây dựng", ONE)]),
    Case("Công văn của UBND tỉnh Lai Châu trả lời Văn bản 5658/BCT-CTĐP (7/2018), Sở Công Thương",
         "Giao Sở Công Thương chủ trì, phối hợp với các đơn vị liên quan đánh giá, tổng hợp báo cáo kết quả triển "
         "khai thực hiện Nghị định số 68/2017/NĐ-CP của Chính phủ trên địa bàn tỉnh theo yêu cầu tại nội dung Văn "
         "bản số 5658/BCT-CTĐP ngày 18/7/2018 của Bộ Công Thương (Sao gửi kèm theo). Trình UBND tỉnh trước ngày "
         "10/8/2018 để báo cáo Bộ Công Thương theo thời gian quy định.",
         [("Sở Công Thương", ONE)]),
    Case("Công văn 846/UBND-TH 21/5/2019, UBND tỉnh Lai Châu",
         "Giao Sở Kế hoạch và Đầu tư chủ trì phối hợp với các đơn vị liên quan tổng hợp chung báo cáo. Yêu cầu hoàn "
         "thiện gửi Văn phòng Uỷ ban nhân dân trước ngày 24/5/2019.",
         [("Sở Kế hoạch và Đầu tư", ONE)]),
    Case("Công văn 9809/UBND-GT 20/12/2018, UBND tỉnh Thừa Thiên Huế, mục 2",
         "Sở Giao thông vận tải chủ trì, phối hợp với Ban Quản lý Dự án đường Hồ Chí Minh theo dõi tình tình triển "
         "khai thực hiện của các cơ quan đơn vị; phối hợp đôn đốc, kiểm tra; định kỳ hàng tháng hoặc khi có sự việc "
         "đột xuất có kiến chỉ đạo báo cáo UBND tỉnh để giải quyết kịp thời./.",
         [("Sở Giao thông vận tải", ONE)], ["Ban Quản lý Dự án đường Hồ Chí Minh"]),
    Case("Quyết định của Thủ tướng Chính phủ điều chỉnh quy hoạch Khu kinh tế Nhơn Hội, as quoted by Tỉnh ủy Gia Lai",
         "Ủy ban Nhân dân tỉnh Bình Định chủ trì, phối hợp với Bộ Xây dựng và các cơ quan liên quan thực hiện việc "
         "lập và trình phê duyệt nhiệm vụ và đồ án điều chỉnh tổng thể Quy hoạch chung xây dựng Khu kinh tế Nhơn Hội "
         "theo quy định pháp luật.",
         [("Ủy ban nhân dân tỉnh Bình Định", ONE)], ["Bộ Xây dựng"]),
    # The one who assigns, then "giao" / "yêu cầu" / "đề nghị", then who.
    Case("Quyết định phê duyệt ranh giới Khu liên hợp xử lý chất thải rắn, UBND thành phố Đà Nẵng (danang.gov.vn)",
         "UBND thành phố giao UBND huyện Hòa Vang chủ trì, phối hợp với các đơn vị liên quan tổ chức niêm yết và "
         "công bố công khai ranh giới quy hoạch được duyệt theo quy định.",
         [("Ủy ban nhân dân huyện Hòa Vang", ONE)]),
    Case("Công văn 3450/UBND-ĐT (2025), UBND thành phố Hà Nội, as reported by nongnghiepmoitruong.vn",
         "UBND Thành phố giao Sở Xây dựng làm đầu mối theo dõi, đôn đốc, hướng dẫn các sở, ngành, địa phương triển "
         "khai thực hiện.",
         [("Sở Xây dựng", ONE)]),
    Case("Văn bản của UBND thành phố Hà Nội về kiểm tra trật tự xây dựng (7/2016), as reported by Lao Động",
         "Theo đó, UBND TP Hà Nội giao Sở Xây dựng chủ trì, tham mưu thành lập đoàn kiểm tra liên ngành, gồm 5 tổ "
         "công tác kiểm tra, xử lý các vi phạm trong công tác quản lý trật tự xây dựng.",
         [("Sở Xây dựng", ONE)]),
    Case("Quyết định của Thủ tướng Chính phủ về mở rộng đô thị, as reported by giasutriduc.edu.vn",
         "Thủ tướng Chính phủ giao Bộ Kế hoạch và Đầu tư chịu trách nhiệm chính, phối hợp với các cơ quan liên quan "
         "thẩm định Báo cáo đề xuất chủ trương đầu tư; trình Thủ tướng Chính phủ xem xét, chấp thuận chủ trương đầu "
         "tư theo quy định hiện hành.",
         [("Bộ Kế hoạch và Đầu tư", ONE)]),
    Case("Văn bản của UBND thành phố Hà Nội về dự án đường sắt Cát Linh - Hà Đông, as reported by cand.com.vn",
         "Lãnh đạo TP yêu cầu Sở Xây dựng có trách nhiệm khẩn trương triển khai các thủ tục để hoàn thiện dự án "
         "theo đúng tiến độ được giao.",
         [("Sở Xây dựng", ONE)]),
    # The agency named through its head.
    Case("Quyết định 36/2010/QĐ-UBND 10/12/2010, UBND tỉnh Đồng Tháp, Điều 2",
         "Giao Giám đốc Sở Giao thông vận tải hướng dẫn, kiểm tra thực hiện nhiệm vụ quản lý, bảo trì hệ thống "
         "đường huyện, đường xã theo Quyết định này.",
         [("Sở Giao thông vận tải", ONE)]),
    Case("Công văn của UBND tỉnh Lai Châu trả lời Công văn 5658/BCT-CTĐP (7/2018), trích yếu",
         "Chủ tịch UBND tỉnh yêu cầu Giám đốc Sở Công Thương và Thủ trưởng các đơn vị liên quan phối hợp tổ chức "
         "triển khai thực hiện đánh giá 1 năm triển khai thực hiện Nghị định số 68/2017/NĐ-CP của Chính phủ về Quản "
         "lý, phát triển cụm công nghiệp.",
         [("Sở Công Thương", ONE)]),  # "các đơn vị liên quan" beside a named lead names no one more
    Case("Quyết định 1182/QĐ-TTg (2021), Thủ tướng Chính phủ, as reported by kinhtevadubao.vn",
         "Trưởng Ban Quản lý KKT tỉnh Lai Châu có trách nhiệm trình UBND tỉnh Lai Châu quy định cụ thể chức năng, "
         "nhiệm vụ, quyền hạn và cơ cấu tổ chức của Ban Quản lý theo quy định của pháp luật.",
         [("Ban Quản lý KKT tỉnh Lai Châu", ONE)]),
    Case("Văn bản của UBND huyện Tứ Kỳ, tỉnh Hải Dương, về thanh toán trực tuyến phí, lệ phí",
         "Văn phòng HĐND&UBND huyện có trách nhiệm đôn đốc, tổng hợp danh sách các đơn vị gửi Văn phòng UBND tỉnh, "
         "để phối hợp, hướng dẫn triển khai thực hiện.",
         [("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện", ONE)]),
    Case("Quyết định 232/QĐ-UBND 12/4/2019, Chủ tịch UBND tỉnh Ninh Bình, Điều 2",
         "Sở Giáo dục và Đào tạo có trách nhiệm bổ sung quy định về việc tiếp nhận, giải quyết hồ sơ để đảm bảo các "
         "thủ tục hành chính mới được công bố bổ sung được đưa vào thực hiện theo cơ chế một cửa, một cửa liên thông.",
         [("Sở Giáo dục và Đào tạo", ONE)]),
    # A list after a colon: one lead for each name; "UBND các huyện, thị xã: A, B" names two kinds: one group.
    Case("Công văn 9809/UBND-GT 20/12/2018, UBND tỉnh Thừa Thiên Huế, mục 1",
         "Các Sở: Giao thông vận tải, Tài nguyên và Môi trường, Xây dựng, UBND các huyện, thị xã: Phong Điền, Hương "
         "Trà, Hương Thủy, Phú Lộc theo thẩm quyền, chức năng, nhiệm vụ được giao, chủ động xây dựng kế hoạch, phân "
         "công nhiệm vụ cụ thể cho từng cơ quan và đơn vị tổ chức thực hiện.",
         [("Sở Giao thông vận tải", ONE), ("Sở Tài nguyên và Môi trường", ONE), ("Sở Xây dựng", ONE),
          ("Ủy ban nhân dân các huyện, thị xã: Phong Điền, Hương Trà, Hương Thủy, Phú Lộc", GROUP)]),
    Case("Quyết định 1528/QĐ-UBND 29/4/2021, UBND tỉnh Bình Định, Điều 3: its list of Sở, with \"giao\" for the "
         "closing verb (the closing article itself is no task: see below)",
         "Chủ tịch UBND tỉnh giao Giám đốc các Sở: Lao động - Thương binh và Xã hội, Nội vụ, Tài chính, Kế hoạch và "
         "Đầu tư, Y tế, Giáo dục và Đào tạo, Tư pháp, Thông tin và Truyền thông; Chủ tịch UBND các huyện, thị xã, "
         "thành phố và Thủ trưởng các cơ quan liên quan tổ chức thực hiện.",
         [("Sở Lao động - Thương binh và Xã hội", ONE), ("Sở Nội vụ", ONE), ("Sở Tài chính", ONE),
          ("Sở Kế hoạch và Đầu tư", ONE), ("Sở Y tế", ONE), ("Sở Giáo dục và Đào tạo", ONE), ("Sở Tư pháp", ONE),
          ("Sở Thông tin và Truyền thông", ONE), ("Ủy ban nhân dân các huyện, thị xã, thành phố", GROUP)]),
    # Groups: "Thủ trưởng các ...", "UBND các ...": a kind of agencies, not one; several of them are one group.
    Case("Công văn của Chủ tịch UBND tỉnh Bình Định về nếp sống văn minh dịp Tết Giáp Thìn 2024 (snv.binhdinh.gov.vn)",
         "Theo đó, Chủ tịch UBND tỉnh đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, Thủ trưởng các sở, ban, ngành, "
         "đoàn thể tỉnh, Chủ tịch UBND các huyện, thị xã, thành phố triển khai thực hiện và báo cáo Chủ tịch UBND tỉnh "
         "(qua Sở Nội vụ) nếu có vấn đề phát sinh vượt thẩm quyền.",
         [("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", ONE),
          ("Các sở, ban, ngành, đoàn thể tỉnh; Ủy ban nhân dân các huyện, thị xã, thành phố", GROUP)]),
    Case("Công văn hỏa tốc 2294/UBND-VX (4/2020), UBND tỉnh Nghệ An",
         "Yêu cầu Thủ trưởng các Sở, ban, ngành đoàn thể cấp tỉnh, Chủ tịch UBND các huyện, thành, thị xã triển khai "
         "thực hiện nghiêm túc nội dung trên.",
         [("Các Sở, ban, ngành đoàn thể cấp tỉnh; Ủy ban nhân dân các huyện, thành, thị xã", GROUP)]),
    Case("Công văn hỏa tốc 2294/UBND-VX (4/2020), UBND tỉnh Nghệ An, as quoted by Báo Dân sinh",
         "UBND tỉnh yêu cầu Thủ trưởng các Sở, ban, ngành, đoàn thể cấp tỉnh, Chủ tịch UBND các huyện, thành, thị xã "
         "theo chức năng, nhiệm vụ được giao tập trung chỉ đạo:",
         [("Các Sở, ban, ngành, đoàn thể cấp tỉnh; Ủy ban nhân dân các huyện, thành, thị xã", GROUP)]),
    Case("Công văn 846/UBND-TH 21/5/2019, UBND tỉnh Lai Châu (\"Uỷ ban\" as published)",
         "Giao các sở, ngành tỉnh; Uỷ ban nhân dân các huyện, thành phố; Các Ban QLDA chuyên ngành tỉnh báo cáo tình "
         "hình triển khai thực hiện và giải ngân kế hoạch đầu tư công năm 2019 theo đề nghị của Bộ Kế hoạch và Đầu "
         "tư tại Công văn số 3145/BKHĐT-KTĐPLT ngày 15/5/2019 (Sao gửi Công văn kèm theo).",
         [("Các sở, ngành tỉnh; Ủy ban nhân dân các huyện, thành phố; Các Ban QLDA chuyên ngành tỉnh", GROUP)]),
    Case("Công văn 2221/UBND-TH 04/12/2017, UBND tỉnh Lai Châu",
         "Giao các sở, ngành theo chức năng, nhiệm vụ được giao, giải trình những nội dung khác nhau giữa Báo cáo và "
         "dự thảo Nghị quyết của UBND tỉnh với ý kiến thẩm tra của các Ban HĐND tỉnh.",
         [("Các sở, ngành", GROUP)]),
    Case("Văn bản của UBND huyện Tứ Kỳ, tỉnh Hải Dương, về thanh toán trực tuyến phí, lệ phí",
         "Yêu cầu UBND các xã, thị trấn phối hợp và tổ chức thực hiện.",
         [("Ủy ban nhân dân các xã, thị trấn", GROUP)]),
    Case("Công văn của Chủ tịch UBND huyện Yên Lạc, tỉnh Vĩnh Phúc (3/2021), phòng, chống dịch Covid-19",
         "Chủ tịch UBND huyện yêu cầu các cơ quan, đơn vị, UBND các xã, thị trấn thực hiện nghiêm chỉ đạo của Thủ "
         "tướng Chính phủ về phòng, chống dịch Covid-19.",
         [("Các cơ quan, đơn vị; Ủy ban nhân dân các xã, thị trấn", GROUP)]),
    Case("Kế hoạch 29/KH-UBND 22/02/2024, UBND tỉnh Bình Định, mục I.2",
         "Các sở, ban, ngành, UBND các huyện, thị xã, thành phố theo chức năng, nhiệm vụ được giao triển khai thực "
         "hiện nghiêm túc, hiệu quả các chủ trương, chỉ đạo của Đảng, Nhà nước về bảo đảm trật tự, an toàn giao thông.",
         [("Các sở, ban, ngành; Ủy ban nhân dân các huyện, thị xã, thành phố", GROUP)]),
    Case("Chỉ đạo của UBND tỉnh Thừa Thiên Huế về giải phóng mặt bằng mở rộng QL1A, as reported by cand.com.vn",
         "Yêu cầu các sở, ban ngành liên quan phối hợp cùng chủ đầu tư và UBND các xã tăng cường công tác đối "
         "thoại, vận động và tuyên truyền người dân tự nguyện bàn giao mặt bằng.",
         [("Các sở, ban ngành liên quan", GROUP)]),  # a generic group alone is the lead
    Case("Chỉ thị 11/CT-CTUBND 16/4/2020, Chủ tịch UBND tỉnh Hưng Yên (phucu.hungyen.gov.vn)",
         "Chủ tịch UBND tỉnh yêu cầu các thành viên Ban chỉ đạo phòng, chống dịch Covid-19 các cấp; Thủ trưởng các "
         "sở, ban, ngành, đoàn thể tỉnh, Chủ tịch UBND các huyện, thị xã, thành phố; Chủ tịch UBND các xã, phường, "
         "thị trấn; người đứng đầu các cơ quan, đơn vị, doanh nghiệp và toàn thể Nhân dân thực hiện quyết liệt công "
         "tác phòng, chống dịch Covid-19 trên địa bàn tỉnh.",
         [("Các thành viên Ban chỉ đạo phòng, chống dịch Covid-19 các cấp; Các sở, ban, ngành, đoàn thể tỉnh; "
           "Ủy ban nhân dân các huyện, thị xã, thành phố; Ủy ban nhân dân các xã, phường, thị trấn; "
           "Các cơ quan, đơn vị, doanh nghiệp và toàn thể Nhân dân", GROUP)]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{i:02}" for i in range(len(CASES))])
def test_a_real_sentence_names_its_leads_and_partners(case):
    found = assignments_in(case.text)
    assert [lead for a in found for lead in a.leads] == case.leads, case.source
    assert [s for a in found for s in a.supporting] == case.supporting, case.source


def test_sentences_after_an_assignment_continue_its_task():
    # Công văn trả lời Công văn 6544/BKHĐT-KHGDTNMT (9/2018), UBND tỉnh Lai Châu: the deadline sentence names no
    # one, and the closing sentence names the same agency through its head: one task, the whole paragraph.
    text = (
        "Giao Sở Kế hoạch và Đầu tư chủ trì phối hợp với các đơn vị liên quan tham gia ý kiến vào dự thảo Chỉ thị "
        "của Thủ tướng Chính phủ về phát triển bền vững theo đề nghị của Bộ Kế hoạch và Đầu tư tại Công văn số "
        "6544/BKHĐT-KHGDTNMT ngày 18/9/2018 (Sao gửi Công văn kèm theo). Yêu cầu hoàn thiện gửi ý kiến tham gia về "
        "Bộ Kế hoạch và Đầu tư trước ngày 28/9/2018. Căn cứ nội dung này, Chủ tịch UBND tỉnh yêu cầu Giám đốc Sở "
        "Kế hoạch và Đầu tư triển khai thực hiện."
    )
    (only,) = assignments_in(text)
    assert only.leads == [("Sở Kế hoạch và Đầu tư", ONE)]
    assert only.text == text
    # Quyết định phê duyệt ranh giới Khu liên hợp xử lý chất thải rắn, UBND thành phố Đà Nẵng: three sentences,
    # three tasks, the second with two leads of their own.
    text = (
        "UBND thành phố giao UBND huyện Hòa Vang chủ trì, phối hợp với các đơn vị liên quan tổ chức niêm yết và công "
        "bố công khai ranh giới quy hoạch được duyệt theo quy định. Sở Xây dựng, UBND huyện Hòa Vang quản lý ranh "
        "giới được duyệt theo đúng chức năng và nhiệm vụ được giao. Đồng thời, Sở Tài nguyên và Môi trường căn cứ "
        "ranh giới được duyệt hướng dẫn các thủ tục thu hồi, giao đất theo quy định."
    )
    assert [a.leads for a in assignments_in(text)] == [
        [("Ủy ban nhân dân huyện Hòa Vang", ONE)],
        [("Sở Xây dựng", ONE), ("Ủy ban nhân dân huyện Hòa Vang", ONE)],
        [("Sở Tài nguyên và Môi trường", ONE)],
    ]
    assert assignments_in(text)[2].text.startswith("Đồng thời, Sở Tài nguyên và Môi trường căn cứ")


NOT_ASSIGNMENTS = [
    # A news report of what was ordered: the sentence opens with the report, not with the order.
    ("UBND tỉnh Khánh Hòa vừa ban hành văn bản số 1345/ UBND –KT chỉ đạo, UBND huyện Cam Lâm phối hợp Sở Nông "
     "nghiệp và Phát triển nông thôn (NN&PTNT) kiểm điểm, xử lý tình trạng phá rừng ở xã Suối Tân."),  # Báo Dân tộc
    # "yêu cầu" with no one after it: a duty without an addressee (same report).
    ("UBND tỉnh cũng yêu cầu kiểm điểm, xử lý trách nhiệm cán bộ trực thuộc và báo cáo kết quả về UBND tỉnh Khánh "
     "Hòa trước ngày 31/3/2021."),
    # "Xét đề nghị của Giám đốc Sở ...": the proposal a decision answers (Quyết định 232/QĐ-UBND, Ninh Bình).
    "Xét đề nghị của Giám đốc sở Giáo dục và Đào tạo,",
    # The closing article of a decision (Quyết định 1528/QĐ-UBND, Bình Định, Điều 3): who executes it, no task.
    ("Chánh Văn phòng UBND tỉnh; Giám đốc các Sở: Lao động - Thương binh và Xã hội, Nội vụ, Tài chính, Kế hoạch và "
     "Đầu tư, Y tế, Giáo dục và Đào tạo, Tư pháp, Thông tin và Truyền thông; Chủ tịch UBND các huyện, thị xã, "
     "thành phố và Thủ trưởng các cơ quan liên quan chịu trách nhiệm thi hành Quyết định này."),
    # The seed article on Đồng Nai: what the chairman asked, reported.
    ("Trong văn bản này, Chủ tịch UBND tỉnh Cao Tiến Dũng yêu cầu tổ chức quán triệt tạo sự thống nhất về nhận thức, "
     "trách nhiệm của cấp ủy chính quyền các cấp."),
]


@pytest.mark.parametrize("text", NOT_ASSIGNMENTS)
def test_sentences_that_assign_nothing(text):
    assert assignments_in(text) == []


# --------------------------------------------------------------------------------------------------
# Whole directives, end to end

LAI_CHAU_846 = """ỦY BAN NHÂN DÂN
TỈNH LAI CHÂU
Số: 846/UBND-TH
V/v báo cáo tình hình triển khai thực hiện và giải ngân kế hoạch đầu tư công năm 2019
Lai Châu, ngày 21 tháng 5 năm 2019
Kính gửi:
- Các sở, ngành tỉnh;
- Uỷ ban nhân dân các huyện, thành phố.
UBND tỉnh nhận được Công văn số 3145/BKHĐT-KTĐPLT ngày 15/5/2019 của Bộ Kế hoạch và Đầu tư về việc báo cáo tình \
hình triển khai thực hiện và giải ngân kế hoạch đầu tư công năm 2019, Sau khi xem xét, Uỷ ban nhân dân tỉnh có ý kiến \
chỉ đạo như sau:
Giao các sở, ngành tỉnh; Uỷ ban nhân dân các huyện, thành phố; Các Ban QLDA chuyên ngành tỉnh báo cáo tình hình \
triển khai thực hiện và giải ngân kế hoạch đầu tư công năm 2019 theo đề nghị của Bộ Kế hoạch và Đầu tư tại Công văn \
số 3145/BKHĐT-KTĐPLT ngày 15/5/2019 (Sao gửi Công văn kèm theo). Yêu cầu gửi báo cáo về Sở Kế hoạch và Đầu tư trước \
ngày 23/5/2019.
Giao Sở Kế hoạch và Đầu tư chủ trì phối hợp với các đơn vị liên quan tổng hợp chung báo cáo. Yêu cầu hoàn thiện gửi \
Văn phòng Uỷ ban nhân dân trước ngày 24/5/2019.
Nơi nhận:
- Như trên;
- Lưu: VT, TH.
"""
# Công văn 846/UBND-TH of 21/5/2019, UBND tỉnh Lai Châu: its body as the provincial portal published it; the header
# lines are the standard ones of a công văn, rebuilt from its number, date and subject.

HUE_9809 = """ỦY BAN NHÂN DÂN
TỈNH THỪA THIÊN HUẾ
Số: 9809/UBND-GT
Thừa Thiên Huế, ngày 20 tháng 12 năm 2018
Về phối hợp triển khai công tác giải phóng mặt bằng phục vụ xây dựng đoạn tuyến cao tốc Cam Lộ - La Sơn, UBND tỉnh \
giao trách nhiệm:
1. Các Sở: Giao thông vận tải, Tài nguyên và Môi trường, Xây dựng, UBND các huyện, thị xã: Phong Điền, Hương Trà, \
Hương Thủy, Phú Lộc theo thẩm quyền, chức năng, nhiệm vụ được giao, chỉ đạo của Chủ tịch UBND tỉnh tại Công văn số \
9041/UBND-GT ngày 21/11/2018 và yêu cầu của Bộ Giao thông vận tải tại Công văn 13510/BGTVT-ĐTCT ngày 29/11/2018, chủ \
động xây dựng kế hoạch, phân công nhiệm vụ cụ thể cho từng cơ quan và đơn vị tổ chức thực hiện, đảm bảo hoàn thành \
nhiệm vụ giải phóng mặt bằng phục vụ dự án theo kế hoạch đã đề ra.
2. Sở Giao thông vận tải chủ trì, phối hợp với Ban Quản lý Dự án đường Hồ Chí Minh theo dõi tình tình triển khai thực \
hiện của các cơ quan đơn vị; phối hợp đôn đốc, kiểm tra; định kỳ hàng tháng hoặc khi có sự việc đột xuất có kiến chỉ \
đạo báo cáo UBND tỉnh để giải quyết kịp thời./.
"""
# Công văn 9809/UBND-GT of 20/12/2018, UBND tỉnh Thừa Thiên Huế: the two numbered items as the Sở TN&MT portal
# published them, under the letter's header.

NGHE_AN_2294 = """ỦY BAN NHÂN DÂN
TỈNH NGHỆ AN
Số: 2294/UBND-VX
V/v tiếp tục triển khai thực hiện nghiêm túc Chỉ thị số 16/CT-TTg của Thủ tướng Chính phủ
UBND tỉnh yêu cầu Thủ trưởng các Sở, ban, ngành, đoàn thể cấp tỉnh, Chủ tịch UBND các huyện, thành, thị xã theo \
chức năng, nhiệm vụ được giao tập trung chỉ đạo:
1. Tiếp tục kéo dài thời gian thực hiện các biện pháp cấp bách phòng chống dịch bệnh Covid-19 trên địa bàn tỉnh theo \
Chỉ thị số 16/CT-TTg ngày 31/3/2020 của Thủ tướng Chính phủ cho đến khi có thông báo mới của Chủ tịch UBND tỉnh.
2. Yêu cầu Thủ trưởng các Sở, ban, ngành đoàn thể cấp tỉnh, Chủ tịch UBND các huyện, thành, thị xã triển khai thực \
hiện nghiêm túc nội dung trên.
"""
# Công văn hỏa tốc 2294/UBND-VX (4/2020), UBND tỉnh Nghệ An, as quoted by Báo Dân sinh: its introduction and its two
# paragraphs (numbered here as items).


def test_a_cong_van_without_numbered_paragraphs_is_read_paragraph_by_paragraph():
    plan = parse_text(LAI_CHAU_846)
    assert plan.number == "846/UBND-TH" and plan.signed == date(2019, 5, 21)
    found = [(t.ref, t.agency, t.group, t.supporting) for t in plan.tasks]
    assert found == [
        ("P1", "Các sở, ngành tỉnh; Ủy ban nhân dân các huyện, thành phố; Các Ban QLDA chuyên ngành tỉnh", True, []),
        ("P2", "Sở Kế hoạch và Đầu tư", False, []),
    ]
    # Each task keeps the sentences after it: its own deadline, and not the other task's.
    assert [[d.due for d in t.deadlines] for t in plan.tasks] == [[date(2019, 5, 23)], [date(2019, 5, 24)]]
    assert plan.tasks[0].report_to == "Sở Kế hoạch và Đầu tư"
    assert plan.tasks[1].text.endswith("Yêu cầu hoàn thiện gửi Văn phòng Uỷ ban nhân dân trước ngày 24/5/2019.")
    # The address block ("Kính gửi: - Các sở, ngành tỉnh;") and the context paragraph are no tasks.
    assert not any(t.text.startswith(("Các sở", "UBND tỉnh nhận được")) for t in plan.tasks)


def test_a_directive_with_numbered_items_and_a_list_after_a_colon(tmp_path):
    path = tmp_path / "cong-van-9809.txt"
    path.write_text(HUE_9809, encoding="utf-8")
    plan = read_plan(path)  # no "Tổ chức thực hiện", no table: read as a directive, not refused
    found = [(t.ref, t.agency, t.group) for t in plan.tasks]
    assert found == [
        ("1", "Sở Giao thông vận tải", False),
        ("1-2", "Sở Tài nguyên và Môi trường", False),
        ("1-3", "Sở Xây dựng", False),
        ("1-4", "Ủy ban nhân dân các huyện, thị xã: Phong Điền, Hương Trà, Hương Thủy, Phú Lộc", True),
        ("2", "Sở Giao thông vận tải", False),
    ]
    assert plan.tasks[-1].supporting == ["Ban Quản lý Dự án đường Hồ Chí Minh"]
    assert plan.tasks[-1].report_to == "Ủy ban nhân dân tỉnh"
    assert len({t.text for t in plan.tasks[:4]}) == 1  # the four leads of item 1 share its text
    assert plan.coordinator == "Sở Giao thông vận tải"


def test_an_introduction_ending_with_a_colon_gives_its_leads_to_the_items_under_it():
    plan = parse_text(NGHE_AN_2294)
    group = "Các Sở, ban, ngành, đoàn thể cấp tỉnh; Ủy ban nhân dân các huyện, thành, thị xã"
    assert [(t.ref, t.agency, t.group) for t in plan.tasks] == [
        ("1", group, True),  # item 1 names no one: the introduction's leads
        ("2", "Các Sở, ban, ngành đoàn thể cấp tỉnh; Ủy ban nhân dân các huyện, thành, thị xã", True),
    ]
    assert plan.tasks[0].text.startswith("Tiếp tục kéo dài thời gian")


def test_sentence_assignments_inside_a_plans_section():
    # A plan's "Tổ chức thực hiện" that assigns in sentences: the Huế list and the Quảng Trị "Giao ..." under it.
    plan = parse_text(
        "III. TỔ CHỨC THỰC HIỆN\n"
        "1. Nhiệm vụ chung\n"
        "- Chủ tịch UBND tỉnh giao Giám đốc các Sở: Giao thông vận tải, Tài nguyên và Môi trường, Xây dựng theo thẩm "
        "quyền, chức năng, nhiệm vụ được giao, chủ động xây dựng kế hoạch.\n"
        "2. Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp các đơn vị, địa phương liên quan nghiên cứu, đề xuất "
        "UBND tỉnh xem xét theo quy định; hoàn thành trước ngày 10/12/2023./.\n"
        # Quyết định 36/2010/QĐ-UBND (Đồng Tháp), Điều 2, as an item naming its lead: "giao" in "Giao thông" is
        # part of the name, not an assignment.
        "- Sở Giao thông vận tải: hướng dẫn, kiểm tra thực hiện nhiệm vụ quản lý, bảo trì hệ thống đường huyện.\n"
    )
    assert [(t.ref, t.agency) for t in plan.tasks] == [
        ("III.1.1", "Sở Giao thông vận tải"),
        ("III.1.1-2", "Sở Tài nguyên và Môi trường"),
        ("III.1.1-3", "Sở Xây dựng"),
        ("III.2.1", "Sở Tài nguyên và Môi trường"),
        ("III.2.2", "Sở Giao thông vận tải"),
    ]
    assert plan.tasks[3].deadlines[0].due == date(2023, 12, 10)
    assert plan.tasks[4].text.startswith("hướng dẫn, kiểm tra")


def test_spellings_and_short_forms_across_a_document():
    # Quyết định 4115/QĐ-UBND (Bình Định) defines the short form; the tasks name the agencies in the spellings
    # real letters use (Lai Châu's "Uỷ ban", lower case, the head's title): one agency each, one spelling.
    plan = parse_text(
        "Số: 12/TB-UBND\n"
        "1. Ban Quản lý Khu kinh tế tỉnh Bình Định (sau đây gọi tắt là Ban Quản lý) là cơ quan trực thuộc Ủy ban "
        "nhân dân tỉnh Bình Định.\n"
        "2. Giao Ban Quản lý chủ trì, phối hợp với Giám đốc Sở Kế hoạchvà Đầu tư rà soát các dự án.\n"
        "3. Yêu cầu Chủ tịch Uỷ ban nhân dân thị xã An Nhơn phối hợp với sở kế hoạch và đầu tư báo cáo.\n"
        "4. Đề nghị UBND thị xã An Nhơn chủ động phối hợp với Ban Quản lý.\n"
    )
    assert [(t.ref, t.agency, t.supporting) for t in plan.tasks] == [
        ("2", "Ban Quản lý Khu kinh tế tỉnh Bình Định", ["Sở Kế hoạch và Đầu tư"]),
        ("3", "Ủy ban nhân dân thị xã An Nhơn", ["Sở Kế hoạch và Đầu tư"]),
        ("4", "Ủy ban nhân dân thị xã An Nhơn", ["Ban Quản lý Khu kinh tế tỉnh Bình Định"]),
    ]


def test_articles_with_no_assignment_are_still_refused():
    for article in ARTICLES:  # the seeds' news articles, one of them quoting a chairman's "yêu cầu"
        with pytest.raises(PlanError, match="không giống một kế hoạch"):
            read_plan(article)
    # Numbered paragraphs that assign nothing: still not a plan.
    plan = parse_text("Số: 12/BC-UBND\n1. Tình hình kinh tế - xã hội ổn định.\n2. Thu ngân sách đạt 11,5% dự toán.")
    assert plan.tasks == []
