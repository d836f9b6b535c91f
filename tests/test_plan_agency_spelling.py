"""One spelling for each agency name (plans.importer.spelling, and the short forms of
plans.importer.assignments): names as real documents typed them, each cited, come out as one name, so that the
draft makes one agency of them. The sentences that name them: tests/test_plan_assignments_real.py."""

from __future__ import annotations

import pytest

from obligations.plans.importer.assignments import assignments_in, short_forms
from obligations.plans.importer.spelling import canonical_name
from obligations.plans.importer.text import match_key, modern_tones, repair_spaces

ONE = False


SPELLINGS = [
    # (as a real document wrote it, the one spelling) — source in the comment
    ("Uỷ ban nhân dân các huyện, thành phố", "Ủy ban nhân dân các huyện, thành phố"),  # CV 846/UBND-TH, Lai Châu
    ("Chủ tịch Uỷ ban nhân dân các huyện, thị xã và thành phố",
     "Ủy ban nhân dân các huyện, thị xã và thành phố"),  # QĐ 36/2010/QĐ-UBND, Đồng Tháp, Điều 3
    ("Giám đốc Sở Kế hoạchvà Đầu tư", "Sở Kế hoạch và Đầu tư"),  # QĐ 24/2016/QĐ-UBND, Hà Nội, as published
    ("Sở Kế hoạch và Đầu tư thành phố HàNội", "Sở Kế hoạch và Đầu tư thành phố Hà Nội"),  # the same decision
    ("UBND cáchuyện, thành phố", "Ủy ban nhân dân các huyện, thành phố"),  # QĐ 44/2007/QĐ-UBND, Lào Cai
    ("Giám đốc sở Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo"),  # QĐ 232/QĐ-UBND, Ninh Bình
    ("ubnd tỉnh khánh hòa", "Ủy ban nhân dân tỉnh Khánh Hòa"),  # kientruc.vn, quoting Tuổi Trẻ, in lower case
    ("ban thường vụ tỉnh ủy", "Ban Thường vụ Tỉnh ủy"),  # the same article
    ("Ủy ban Nhân dân tỉnh Bình Định", "Ủy ban nhân dân tỉnh Bình Định"),  # Tỉnh ủy Gia Lai, quoting a QĐ-TTg
    ("Chánh Văn phòng Ủy ban nhân dân Tỉnh", "Văn phòng Ủy ban nhân dân Tỉnh"),  # QĐ 36/2010/QĐ-UBND, Đồng Tháp
    ("Trưởng Ban Quản lý KKT tỉnh Lai Châu", "Ban Quản lý KKT tỉnh Lai Châu"),  # QĐ 1182/QĐ-TTg, reported
    ("ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA", "Ủy ban nhân dân tỉnh Khánh Hòa"),  # the seed plan's header
    ("Ban Điều Phối Viện Trợ Nhân Dân (PACCOM)", "Ban Điều Phối Viện Trợ Nhân Dân (PACCOM)"),  # the seed plan
]


@pytest.mark.parametrize(("written", "spelled"), SPELLINGS)
def test_a_name_as_real_documents_write_it_has_one_spelling(written, spelled):
    assert canonical_name(written) == spelled


def test_names_that_differ_only_in_spelling_come_out_identical():
    # "Sở Văn hóa và Thể thao" (Khánh Hòa's, before 2025) and "UBND huyện Cam Lâm" as directives type them: case,
    # old-style tone placement pasted from Windows-1258-era text, "UBND", the head's title, lost or doubled spaces.
    sở = ["Sở Văn hóa và Thể thao", "sở văn hóa và thể thao", "Sở Văn hoá và Thể thao", "sở văn hoá và thể thao",
          "Giám đốc Sở Văn hóa và Thể thao", "Sở Văn hóa  và Thể thao", "Sở Văn hóavà Thể thao",
          "SỞ VĂN HÓA VÀ THỂ THAO"]
    cam_lâm = ["Ủy ban nhân dân huyện Cam Lâm", "Uỷ ban nhân dân huyện Cam Lâm", "UBND huyện Cam Lâm",
               "Chủ tịch UBND huyện Cam Lâm", "ủy ban nhân dân huyện cam lâm", "UBND huyện  CamLâm",
               "Chủ tịch Uỷ ban nhân dân huyện Cam Lâm"]
    group = ["Thủ trưởng các cơ quan, đơn vị", "Thủ trưởng các cơ quan, đơn vi", "Các cơ quan,  đơn vị"]
    for names, spelled in ((sở, "Sở Văn hóa và Thể thao"), (cam_lâm, "Ủy ban nhân dân huyện Cam Lâm"),
                           (group, "Các cơ quan, đơn vị")):
        assert {canonical_name(n) for n in names} == {spelled}
        assert len({match_key(canonical_name(n)) for n in names}) == 1


def test_a_short_form_the_document_defines_names_the_full_agency():
    # Quyết định 4115/QĐ-UBND 16/11/2015, UBND tỉnh Bình Định, Điều 1: the definition. The use is the sentence
    # form of Công văn 6202/UBND-KT (Quảng Trị) with the short form in it (adapted).
    definition = (
        "1. Ban Quản lý Khu kinh tế tỉnh Bình Định (sau đây gọi tắt là Ban Quản lý) là cơ quan trực thuộc Ủy ban "
        "nhân dân tỉnh Bình Định thực hiện chức năng quản lý nhà nước trực tiếp đối với Khu kinh tế Nhơn Hội."
    )
    aliases = short_forms([definition, "Sở Văn hóa và Thể thao (viết tắt là Sở VHTT) tổ chức"])
    assert aliases == {"Ban Quản lý": "Ban Quản lý Khu kinh tế tỉnh Bình Định", "Sở VHTT": "Sở Văn hóa và Thể thao"}
    (found,) = assignments_in("Giao Ban Quản lý chủ trì, phối hợp với Sở VHTT nghiên cứu, đề xuất.", aliases)
    assert found.leads == [("Ban Quản lý Khu kinh tế tỉnh Bình Định", ONE)]
    # Hà Nội's Quyết định 24/2016/QĐ-UBND: "(sau đây gọi tắt là Sở)" is a bare head word, no short form.
    assert short_forms(["1. Sở Kế hoạch và Đầu tư thành phố HàNội (sau đây gọi tắt là Sở) là cơ quan"]) == {}


def test_tones_and_spaces_are_repaired_only_where_they_are_wrong():
    old_style = "Uỷ ban nhân dân tỉnh Khánh Hoà, thuỷ lợi, khoẻ"
    assert modern_tones(old_style) == "Ủy ban nhân dân tỉnh Khánh Hòa, thủy lợi, khỏe"
    assert modern_tones("quý, hoàng, toán, khuyến, Thuý") == "quý, hoàng, toán, khuyến, Thúy"  # "qu", a final consonant
    assert repair_spaces("PACCOM, ASEAN, Covid-19, Nguyễn, nghiêng, người, khuếch") == (
        "PACCOM, ASEAN, Covid-19, Nguyễn, nghiêng, người, khuếch")  # one syllable each, or not Vietnamese
