"""Who a directive's sentence assigns, in the forms a measurement on sentences the importer had not seen found it
missing (issue 13; docs/plan-import.md, "Measured on sentences it has not seen"): a clause before the assignment
("Căn cứ ..., ", "Để ..., ", "Tại ..., ", "Hằng năm, "), a lead whose name ran into the next word ("khẩn trương",
"có nhiệm vụ", a verb glued to it), an agency followed by a plain verb, "UBND quận, huyện" and "Sở, ban, ngành"
without "các", the heads of bodies that have no name ("Thủ trưởng cơ sở ..."), and the fields of a Sở in initials.

Each sentence is real, from a public letter, directive, notice or decision, or a news report quoting one (cited in
its case); none is in the other tests or in the held-out measurement. The forms already read:
tests/test_plan_assignments_real.py."""

from __future__ import annotations

import pytest

from obligations.plans.importer.assignments import assignments_in
from obligations.plans.importer.parse import parse_text
from obligations.plans.importer.spelling import canonical_name
from tests.test_plan_assignments_real import GROUP, ONE, Case

CASES = [
    # A clause before the assignment: ground, purpose, place, time; the assignment follows one of its commas.
    Case("Tin của UBND tỉnh Phú Yên (11/2023) về kiểm tra thông tin bài báo đăng trên Báo Thanh tra, phuyen.gov.vn "
         "(\"Môi trườngchủ trì\", \"BáoThanh tra\" glued as published)",
         "Sau khi tiếp nhận phản ánh của Báo Thanh tra (www.thanhtra.com.vn) số ra ngày 01/11/2023 đăng bài “Mỏ đá "
         "Chầm Mâm có dấu hiệu tác động dòng chảy ngoài phạm vi khai thác”; UBND tỉnh giao Sở Tài nguyên và Môi "
         "trườngchủ trì, phối hợp với Sở Nông nghiệp và PTNT, UBND huyện Sơn Hòa và các cơ quan liên quan tổ chức "
         "kiểm tra, xác minh làm rõ nội dung của bài báo nêu trên; có văn bản thông tin lại BáoThanh tra; đồng thời "
         "báo cáo UBND tỉnh kết quả thực hiện.",
         [("Sở Tài nguyên và Môi trường", ONE)],
         ["Sở Nông nghiệp và Phát triển nông thôn", "Ủy ban nhân dân huyện Sơn Hòa"]),
    Case("Công văn 3612/UBND-KT 19/10/2021, UBND thành phố Hà Nội, as reported by kinhtedothi.vn",
         "Căn cứ chỉ đạo của Ban Thường trực Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam về việc phối hợp tuyên "
         "truyền, vận động huy động nguồn lực cùng chung tay ủng hộ công tác phòng, chống dịch bệnh Covid-19, UBND "
         "thành phố đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội và các tổ chức chính trị - xã hội thành "
         "phố tuyên truyền, giới thiệu về trang thông tin điện tử của Tiểu ban Vận động và huy động xã hội (Ban Chỉ "
         "đạo quốc gia phòng, chống dịch Covid-19) tại địa chỉ vandongxahoi.mattran.org.vn.",
         [("Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội", ONE),
          ("Các tổ chức chính trị - xã hội thành phố", GROUP)]),
    Case("Chỉ đạo của UBND TP.HCM về lấy ý kiến cử tri sắp xếp đơn vị hành chính (10/2020), hcmcpv.org.vn",
         "Theo đó, để đảm bảo công tác sắp xếp đơn vị hành chính cấp huyện, cấp xã theo đúng quy định, UBND TP đề nghị "
         "các cơ quan, tổ chức, địa phương có liên quan tổ chức lấy ý kiến cử tri về Đề án, phương án đảm bảo chặt "
         "chẽ, đồng bộ, hiệu quả, đúng tiến độ.",
         [("Các cơ quan, tổ chức, địa phương có liên quan", GROUP)]),
    Case("The same, next paragraph: \"đề nghị\" with no one before it, after the clause",
         "Để công tác lấy ý kiến cử tri đảm bảo yêu cầu, đặc biệt là có chữ ký của thành viên hộ gia đình, đề nghị "
         "UBND các phường thành lập Tổ lấy ý kiến cử tri để phân công phát phiếu đến từng hộ gia đình.",
         [("Ủy ban nhân dân các phường", GROUP)]),
    Case("Thông báo 68/TB-VPCP 14/3/2008, Văn phòng Chính phủ, as reported by ipsard.gov.vn",
         "Tại Thông báo số 68/TB-VPCP ngày 14/3/2008 của Văn phòng Chính phủ, Phó Thủ tướng Thường trực Nguyễn Sinh "
         "Hùng yêu cầu Bộ Nông nghiệp và Phát triển nông thôn chủ trì phối hợp với Bộ Tài nguyên và Môi trường thành "
         "lập các tổ công tác liên ngành để kiểm tra cụ thể việc rà soát hiện trạng quản lý, sử dụng đất.",
         [("Bộ Nông nghiệp và Phát triển nông thôn", ONE)], ["Bộ Tài nguyên và Môi trường"]),
    Case("The same report: a clause, then a group and a plain verb (\"lập\")",
         "Cùng với các tổ công tác liên ngành này, UBND các tỉnh, thành phố trực thuộc Trung ương lập tổ công tác của "
         "địa phương để kiểm tra các nông, lâm trường quốc doanh mà tổ công tác liên ngành không kiểm tra.",
         [("Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương", GROUP)]),
    Case("Nghị quyết phiên họp Chính phủ thường kỳ tháng 8/2015, as reported by Báo Ninh Thuận",
         "Tại Nghị quyết phiên họp Chính phủ thường kỳ tháng 8/2015, Chính phủ yêu cầu các Bộ, cơ quan, địa phương "
         "triển khai thực hiện đồng bộ, có hiệu quả các nhiệm vụ, giải pháp đã đề ra tại các Nghị quyết của Đảng, Quốc "
         "hội và Chính phủ.",
         [("Các Bộ, cơ quan, địa phương", GROUP)]),
    Case("The same resolution: \"Trong đó, \" then the agency and its duty",
         "Trong đó, Ngân hàng Nhà nước Việt Nam phải tiếp tục điều hành các công cụ chính sách tiền tệ linh hoạt, hợp "
         "lý để ổn định tỷ giá và mặt bằng lãi suất.",
         [("Ngân hàng Nhà nước Việt Nam", ONE)]),
    Case("The same resolution: \"Cùng với đó, \"",
         "Cùng với đó, Bộ Tài chính chủ trì, phối hợp với các Bộ, cơ quan, địa phương chủ động triển khai các giải "
         "pháp cân đối thu chi ngân sách nhà nước phù hợp với tình hình thực tế.",
         [("Bộ Tài chính", ONE)]),
    Case("Văn bản 8734/VP-ĐT, Văn phòng UBND thành phố Hà Nội, as reported by thanhtra.com.vn: a connective, then a "
         "clause naming a person; the one who assigns is \"Văn phòng\"",
         "Theo đó, thực hiện chỉ đạo của ông Nguyễn Thế Hùng, Phó Chủ tịch UBND TP, Văn phòng đề nghị Chủ tịch UBND "
         "quận Bắc Từ Liêm xem xét giải quyết theo thẩm quyền quy định và chỉ đạo của Chủ tịch UBND TP tại Kết luận số "
         "09/KL-UBND.",
         [("Ủy ban nhân dân quận Bắc Từ Liêm", ONE)]),
    Case("Quyết định 24/2021/QĐ-TTg, Thủ tướng Chính phủ, Điều 7 khoản 1 (quoted by thuvienphapluat.vn): a day of "
         "each month before the group, named through its head",
         "Ngày 05 hằng tháng (từ tháng 02 đến tháng 9), Chủ tịch Ủy ban nhân dân cấp xã tổng hợp, báo cáo Chủ tịch Ủy "
         "ban nhân dân cấp huyện kết quả rà soát hộ nghèo, hộ cận nghèo thường xuyên trên địa bàn (nếu có).",
         [("Ủy ban nhân dân cấp xã", GROUP)]),
    Case("The same decision, Điều 7 khoản 2",
         "Trước ngày 15 tháng 11 hằng năm, Sở Lao động - Thương binh và Xã hội báo cáo kết quả sơ bộ rà soát hộ nghèo, "
         "hộ cận nghèo định kỳ hàng năm trên địa bàn về Bộ Lao động - Thương binh và Xã hội.",
         [("Sở Lao động - Thương binh và Xã hội", ONE)]),
    Case("The same decision, Điều 7 khoản 3",
         "Trước ngày 20 tháng 12 hằng năm, Chủ tịch Ủy ban nhân dân cấp tỉnh báo cáo chính thức kết quả rà soát hộ "
         "nghèo, hộ cận nghèo định kỳ hằng năm trên địa bàn về Bộ Lao động - Thương binh và Xã hội.",
         [("Ủy ban nhân dân cấp tỉnh", GROUP)]),
    # The one who assigns, "cũng", a person ("đồng chí"), "chỉ đạo giao".
    Case("Kết luận của Chủ tịch UBND tỉnh Thái Nguyên tại hội nghị về các dự án trọng điểm, thainguyentv.vn",
         "Đồng thời, đồng chí cũng đề nghị các cơ quan, đơn vị, UBND các huyện, thành phố tiếp tục rà soát lại công "
         "việc, bám sát các nội dung đã, đang và chưa triển khai.",
         [("Các cơ quan, đơn vị; Ủy ban nhân dân các huyện, thành phố", GROUP)]),
    Case("Văn bản của UBND TP.HCM về kiểm tra chuyên ngành (11/2025), as reported by nld.com.vn",
         "Theo đó, Chủ tịch UBND TP HCM chỉ đạo giao thủ trưởng các sở, ban, ngành thành phố; chủ tịch UBND các xã, "
         "phường, đặc khu thực hiện nghiêm mục 1 phần I Chỉ thị 01/2025 của Chủ tịch UBND thành phố.",
         [("Các sở, ban, ngành thành phố; Ủy ban nhân dân các xã, phường, đặc khu", GROUP)]),
    # A name that ran into the next word; a Sở's field in initials.
    Case("Chỉ đạo của UBND tỉnh Quảng Nam về chương trình phục hồi kinh tế (2021), as reported by Báo Quảng Nam",
         "UBND tỉnh giao Sở KH&ĐT chịu trách nhiệm xây dựng chương trình này, dựa trên các số liệu thống kê có độ tin "
         "cậy cao, đánh giá đúng, sát thực tế..., hoàn chỉnh chương trình, trình UBND tỉnh xem xét, ban hành trước "
         "ngày 15.12.2021.",
         [("Sở Kế hoạch và Đầu tư", ONE)]),
    Case("Nghị định 24/2014/NĐ-CP as summarised by business.gov.vn: \"có nhiệm vụ\" is the Sở's duty, not its name",
         "Sở Kế hoạch và Đầu tư có nhiệm vụ tham mưu, giúp Ủy ban nhân dân cấp tỉnh quản lý nhà nước về: Tổng hợp quy "
         "hoạch, kế hoạch phát triển kinh tế - xã hội.",
         [("Sở Kế hoạch và Đầu tư", ONE)]),
    Case("Tin của Ban Tuyên giáo Thành ủy Hà Nội in Công văn 3612/UBND-KT (kinhtedothi.vn): \"giáo\" is no \"giao\"",
         "Ban Tuyên giáo Thành ủy Hà Nội tăng cường công tác chỉ đạo, hướng dẫn Sở Thông tin và Truyền thông Hà Nội, "
         "Sở Văn hóa và Thể thao Hà Nội, các cơ quan báo chí Thành phố và hệ thống thông tin cơ sở triển khai tuyên "
         "truyền.",
         [("Ban Tuyên giáo Thành ủy Hà Nội", ONE)]),
    # An agency, then a plain verb.
    Case("Kết luận của Chủ tịch UBND tỉnh Thái Nguyên (thainguyentv.vn), the sentence before",
         "Các sở, ngành, địa phương chủ động phối hợp thực hiện các giải pháp tháo gỡ khó khăn trong quá trình thực "
         "hiện các dự án.",
         [("Các sở, ngành, địa phương", GROUP)]),
    Case("Chương trình hành động về trật tự an toàn giao thông, UBND thành phố Hà Nội, as reported by kinhtedothi.vn",
         "UBND các quận, huyện, thị xã chủ động nghiên cứu nội dung chương trình hành động của Chính phủ, Chỉ thị của "
         "Ban Thường vụ Thành ủy để xây dựng kế hoạch, phân công tổ chức thực hiện trên địa bàn.",
         [("Ủy ban nhân dân các quận, huyện, thị xã", GROUP)]),
    # Without "các": "UBND quận, huyện", "Sở, ban, ngành"; heads of "sở, ngành".
    Case("Chỉ thị 07/CT-UBND (4/2019), Chủ tịch UBND thành phố Hà Nội, as reported by kinhtedothi.vn",
         "Các sở, ban, ngành và UBND quận, huyện, thị xã tập trung rà soát, cắt giảm các TTHC; chỉnh sửa và bổ sung "
         "các cơ chế, chính sách tạo thuận lợi hơn nữa cho người dân và doanh nghiệp.",
         [("Các sở, ban, ngành; Ủy ban nhân dân quận, huyện, thị xã", GROUP)]),
    Case("Kế hoạch 1576/KH-UBND (2019), UBND TP.HCM, mục tổ chức thực hiện 1 (thuviennhadat.vn)",
         "Sở, ban, ngành, Ủy ban nhân dân quận-huyện, xã, phường, thị trấn thực hiện đúng yêu cầu, tiến độ tại Kế "
         "hoạch, bảo đảm tiến độ vận hành chính thức Hệ thống đánh giá hài lòng theo quy định tại Nghị định số "
         "61/2018/NĐ-CP.",
         [("Sở, ban, ngành; Ủy ban nhân dân quận-huyện, xã, phường, thị trấn", GROUP)]),
    Case("Văn bản của UBND TP.HCM truyền đạt chỉ đạo của Chủ tịch về sắp xếp khu phố, ấp, as reported by sggp.org.vn",
         "Chủ tịch UBND TPHCM giao thủ trưởng sở, ngành, chủ tịch UBND các địa phương tập trung thực hiện các giải "
         "pháp truyền thông về công tác sắp xếp khu phố, ấp theo kế hoạch của UBND TPHCM.",
         [("Sở, ngành; Ủy ban nhân dân các địa phương", GROUP)]),
    Case("The same letter: \"Chủ tịch UBND phường, xã, thị trấn\" is every ward's, not one",
         "Chủ tịch UBND phường, xã, thị trấn chịu trách nhiệm triển khai các giải pháp tuyên truyền, truyền thông về "
         "công tác sắp xếp khu phố, ấp đến người dân trên địa bàn.",
         [("Ủy ban nhân dân phường, xã, thị trấn", GROUP)]),
    # "&" for "và" in a Sở's name; two leads joined by "và".
    Case("Quyết định 27/QĐ-UB 02/02/2004, UBND tỉnh Yên Bái, Điều 2",
         "Giao cho Sở Khoa học & Công nghệ và Sở Tài chính hướng dẫn chi tiết việc thực hiện Quyết định này.",
         [("Sở Khoa học và Công nghệ", ONE), ("Sở Tài chính", ONE)]),
    Case("Công văn 3585/VP-KTN 23/10/2017, Văn phòng UBND tỉnh Lạng Sơn (\"Phát triển Nông thôn\" as published)",
         "Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp với Sở Nông nghiệp và Phát triển Nông thôn, UBND các "
         "huyện, thành phố và các cơ quan có liên quan chủ động thực hiện các nội dung và trực tiếp báo cáo Bộ Tài "
         "nguyên và Môi trường theo yêu cầu và hướng dẫn tại Công văn trên.",
         [("Sở Tài nguyên và Môi trường", ONE)], ["Sở Nông nghiệp và Phát triển nông thôn"]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{i:02}" for i in range(len(CASES))])
def test_a_real_sentence_names_its_leads_and_partners(case):
    found = assignments_in(case.text)
    assert [lead for a in found for lead in a.leads] == case.leads, case.source
    assert [s for a in found for s in a.supporting] == case.supporting, case.source
    assert found[0].text == case.text  # the clause before the assignment is part of the task's text


NOT_ASSIGNMENTS = [
    # A clause, then a report of what an agency did ("vừa chủ trì", "đã tham mưu"), not an order.
    # mt.gov.vn, Sở GTVT Cần Thơ (Chỉ thị 12/CT-TTg):
    ("Thực hiện chỉ đạo của UBND TP Cần Thơ, Sở Giao thông Vận tải (GTVT) vừa chủ trì phối hợp với Giám đốc Công an "
     "thành phố, Thường trực Ban An toàn giao thông (ATGT) thành phố, Thủ trưởng cơ quan, đơn vị có liên quan và Chủ "
     "tịch UBND các quận, huyện tham mưu, đề xuất, trình UBND thành phố kế hoạch tổ chức thực hiện chỉ đạo của Thủ "
     "tướng Chính phủ tại Chỉ thị số 12/CT-TTg."),
    # khoahocdoisong.vn, Quảng Bình, dự án chậm tiến độ:
    ("Trong giai đoạn 2016 - 2019, Sở Tài nguyên và Môi trường đã tham mưu UBND tỉnh quyết định thu hồi đất 17 dự án "
     "với tổng diện tích đất 606.517m2."),
    # baotainguyenmoitruong.vn, Quảng Ngãi (4/2021): "vừa có công văn yêu cầu": the report of a letter.
    ("Chủ tịch UBND tỉnh Quảng Ngãi vừa có công văn yêu cầu UBND các huyện, thị xã, thành phố rà soát các công "
     "trình, dự án đã, đang và chuẩn bị đầu tư trên địa bàn quản lý có liên quan đến chuyển mục đích sử dụng rừng."),
    # Công văn 3585/VP-KTN, Lạng Sơn: the closing line, "thông báo để ... thực hiện".
    "Văn phòng UBND tỉnh thông báo để Sở Tài nguyên và Môi trường, các cơ quan liên quan thực hiện./.",
]


@pytest.mark.parametrize("text", NOT_ASSIGNMENTS)
def test_sentences_that_assign_nothing(text):
    assert assignments_in(text) == []


def test_nothing_after_a_condition_is_a_task():
    # Văn bản của UBND huyện Tứ Kỳ (Hải Dương) về thanh toán trực tuyến phí, lệ phí: its closing remark. Then a
    # constructed contrast: the same remark after an opening clause, with the agencies named after the condition.
    remark = ("Nếu có khó khăn, vướng mắc trong quá trình thực hiện, chủ động thông tin về Văn phòng HĐND&UBND huyện, "
              "để hỗ trợ tháo gỡ kịp thời.")
    assert assignments_in(remark) == []
    assert assignments_in("Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị báo cáo UBND "
                          "huyện để xem xét.") == []
    (found,) = assignments_in("Trong quá trình thực hiện, các cơ quan, đơn vị báo cáo UBND huyện để xem xét.")
    assert found.leads == [("Các cơ quan, đơn vị", GROUP)]


def test_a_name_that_ran_into_the_verb_ends_before_it():
    # Công văn của UBND tỉnh Vĩnh Phúc trả lời công dân xã Quang Sơn (7/2019), vinhphuc.gov.vn: "khẩn trương" is the
    # duty of the Chủ tịch of Lập Thạch ("Lập" of the name is no "lập"); two tasks, one for each "giao" / "yêu cầu".
    text = (
        "UBND tỉnh chuyển đơn, yêu cầu Chủ tịch UBND huyện Lập Thạch khẩn trương thực hiện ý kiến chỉ đạo của Chủ tịch "
        "UBND tỉnh tại Văn bản số 4561/UBND-TD6 ngày 21/6/2019; báo cáo giải quyết với UBND tỉnh xong trong trước ngày "
        "20/7/2019. Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp với Sở Xây dựng và các đơn vị liên quan trực "
        "tiếp kiểm tra thực tế, xem xét, xử lý theo quy định. Báo cáo kết quả với UBND tỉnh."
    )
    found = assignments_in(text)
    assert [(a.leads, a.supporting) for a in found] == [
        ([("Ủy ban nhân dân huyện Lập Thạch", ONE)], []),
        ([("Sở Tài nguyên và Môi trường", ONE)], ["Sở Xây dựng"]),
    ]
    assert found[1].text.endswith("Báo cáo kết quả với UBND tỉnh.")


ABBREVIATED = [
    # (as written, the one spelling) — a Sở's or a Bộ's field in initials, as real documents write it
    ("Sở GTVT", "Sở Giao thông vận tải"),  # kinhtedothi.vn, Hà Nội, trật tự an toàn giao thông
    ("Phó Giám đốc Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),  # UBKT Tỉnh ủy Hà Tĩnh, as reported
    ("Sở Nông nghiệp và PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),  # UBND tỉnh Phú Yên (11/2023), above
    ("Sở QH&KT", "Sở Quy hoạch - Kiến trúc"),  # Tiền Phong (12/2019), chất vấn HĐND Hà Nội
    ("Bộ GD&ĐT", "Bộ Giáo dục và Đào tạo"),  # giaoducthoidai.vn (2025)
    ("Bộ trưởng Bộ Lao động - TB&XH", "Bộ Lao động - Thương binh và Xã hội"),  # QĐ 59/2006/QĐ-UBND, Gia Lai
    ("Sở Khoa học & Công nghệ", "Sở Khoa học và Công nghệ"),  # QĐ 27/QĐ-UB 2004, Yên Bái
    ("Sở TN&MT", "Sở Tài nguyên và Môi trường"),  # Công văn 9809/UBND-GT (Huế), as the Sở's portal names itself
    # Every part spelled out, only the dash typed otherwise: not an abbreviation, left as written (Sở VHTTDL Quảng
    # Nam, 7/2019; tests/test_plan_directive_header.py).
    ("Sở kế hoạch – Đầu tư", "Sở kế hoạch – Đầu tư"),
]


@pytest.mark.parametrize(("written", "spelled"), ABBREVIATED)
def test_a_field_in_initials_names_the_official_sở_or_bộ(written, spelled):
    assert canonical_name(written) == spelled


# Công văn 1146/UBND-VX 21/10/2021, UBND huyện Tây Sơn (Bình Định), as its portal published it: an introduction whose
# assigner comes after a clause and ends with ":", then a numbered heading naming two groups without a verb, then
# the items. The header lines are the standard ones of a công văn, rebuilt from its number, date and subject.
TAY_SON_1146 = """ỦY BAN NHÂN DÂN
HUYỆN TÂY SƠN
Số: 1146/UBND-VX
Tây Sơn, ngày 21 tháng 10 năm 2021
V/v phối hợp tuyên truyền, vận động nguồn lực cùng chung tay ủng hộ công tác phòng, chống dịch Covid-19
Để phối hợp tuyên truyền, vận động nguồn lực cùng chung tay ủng hộ công tác phòng, chống dịch Covid-19, Chủ tịch \
UBND huyện yêu cầu:
1. Thủ trưởng các phòng, ban, ngành, đoàn thể huyện; chủ tịch UBND các xã, thị trấn:
- Triển khai hưởng ứng tuyên truyền, giới thiệu về Trang thông tin điện tử của Tiểu ban Vận động và huy động xã \
hội, Ban Chỉ đạo Quốc gia phòng, chống dịch Covid-19 với địa chỉ: vandongxahoi.mattran.org.vn tới đông đảo cán bộ, \
công chức, viên chức, người lao động và các tầng lớp Nhân dân.
- Kêu gọi, vận động cán bộ, công chức, viên chức, người lao động và các tầng lớp Nhân dân tham gia ủng hộ kinh phí, \
nguồn lực cho công tác phòng, chống dịch Covid-19.
"""


def test_a_heading_of_groups_without_a_verb_gives_them_to_its_items():
    plan = parse_text(TAY_SON_1146)
    group = "Các phòng, ban, ngành, đoàn thể huyện; Ủy ban nhân dân các xã, thị trấn"
    assert [(t.ref, t.agency, t.group) for t in plan.tasks] == [("1.1", group, True), ("1.2", group, True)]
    assert plan.tasks[1].text.startswith("Kêu gọi, vận động")
