"""What each province of the benchmark world holds: its agencies, the group of 20, and the tasks of its
plan (monthly, quarterly and yearly reports, continuous tasks with check-ins, one-off tasks, the budget
cycle), each a :class:`Spec`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from obligations.rules.schedule import CHECKINS, Schedule

PROVINCE_NAMES = [
    "Khánh Hòa", "Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Quảng Ninh", "Thừa Thiên Huế", "Nghệ An",
    "Thanh Hóa", "Lâm Đồng", "Bình Định", "Đồng Nai", "Bà Rịa - Vũng Tàu", "Lào Cai", "Quảng Nam",
    "An Giang", "Kiên Giang", "Đắk Lắk", "Thái Nguyên", "Bắc Ninh",
]
# 23 agencies under the provincial People's Committee besides SNGV; the first 20 form the group.
DEPARTMENTS = [
    ("STTTT", "Sở Thông tin và Truyền thông"), ("SKHDT", "Sở Kế hoạch và Đầu tư"), ("STC", "Sở Tài chính"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"), ("SGDDT", "Sở Giáo dục và Đào tạo"), ("SYT", "Sở Y tế"),
    ("SCT", "Sở Công Thương"), ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("STNMT", "Sở Tài nguyên và Môi trường"), ("SXD", "Sở Xây dựng"), ("SGTVT", "Sở Giao thông vận tải"),
    ("SNV", "Sở Nội vụ"), ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"), ("STP", "Sở Tư pháp"),
    ("SKHCN", "Sở Khoa học và Công nghệ"), ("UBND-TP", "Ủy ban nhân dân thành phố"),
    ("UBND-TX", "Ủy ban nhân dân thị xã"), ("UBND-H1", "Ủy ban nhân dân huyện thứ nhất"),
    ("UBND-H2", "Ủy ban nhân dân huyện thứ hai"), ("UBND-H3", "Ủy ban nhân dân huyện thứ ba"),
    ("CAT", "Công an tỉnh"), ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh"), ("BQLKKT", "Ban Quản lý Khu kinh tế"),
]
AGENCY_CODES = ["UBND-TINH", "SNGV", *(code for code, _ in DEPARTMENTS)]
MEMBERS = [code for code, _ in DEPARTMENTS[:20]]
GROUP = "*group*"


@dataclass(frozen=True)
class Spec:
    ref: str
    title: str
    lead: str  # an agency code, or GROUP
    kind: str  # recurring | continuous | once | cycle
    rrule: str | None = None
    due: date | None = None
    inclusive: bool = False
    phrase: str = ""
    cycle: str | None = None

    @property
    def policy(self) -> str:
        return "checkin" if self.kind == "continuous" else "default"

    @property
    def schedule(self) -> Schedule:
        return Schedule(kind=self.kind, due=self.due, rrule=self.rrule, inclusive=self.inclusive,  # type: ignore[arg-type]
                        phrase=self.phrase, cycle=self.cycle,
                        checkin=CHECKINS["quarterly"] if self.kind == "continuous" else None)

    @property
    def label(self) -> str:
        """The schedule's kind as reported: yearly, quarterly, monthly, once, continuous, cycle."""
        if self.kind != "recurring":
            return self.kind
        return "monthly" if "MONTHLY" in (self.rrule or "") else "quarterly" if "," in (self.rrule or "") else "yearly"


def _monthly(ref: str, title: str, day: int, inclusive: bool) -> Spec:
    phrase = f"{'chậm nhất' if inclusive else 'trước'} ngày {day} hàng tháng"
    return Spec(ref, title, GROUP, "recurring", f"FREQ=MONTHLY;BYMONTHDAY={day}", inclusive=inclusive, phrase=phrase)


CONTINUOUS_TASKS = [
    "Tuyên truyền, phổ biến chủ trương, chính sách đối ngoại của Đảng và Nhà nước",
    "Tăng cường quan hệ hữu nghị với các tổ chức nhân dân nước ngoài",
    "Vận động viện trợ phi chính phủ nước ngoài",
    "Quản lý hoạt động của các tổ chức phi chính phủ nước ngoài trên địa bàn",
    "Công tác người Việt Nam ở nước ngoài",
    "Thông tin đối ngoại, quảng bá hình ảnh địa phương",
    "Bảo vệ chủ quyền biển, đảo",
    "Quản lý đoàn ra, đoàn vào",
    "Phối hợp với Liên hiệp các tổ chức hữu nghị tỉnh",
    "Đào tạo, bồi dưỡng cán bộ làm công tác đối ngoại",
    "Hợp tác quốc tế về văn hóa, giáo dục, y tế",
    "Xúc tiến đầu tư, thương mại, du lịch gắn với đối ngoại nhân dân",
]
SPECS: list[Spec] = [
    _monthly("III.6.1", "Báo cáo tháng tình hình hoạt động đối ngoại", 20, False),
    _monthly("III.6.2", "Báo cáo tháng về đoàn ra, đoàn vào", 25, True),
    _monthly("III.6.8", "Báo cáo tháng về tình hình người nước ngoài", 5, True),
    _monthly("III.6.9", "Báo cáo tháng về viện trợ phi chính phủ nước ngoài", 10, False),
    _monthly("III.6.10", "Báo cáo tháng về thông tin đối ngoại", 15, True),
    _monthly("III.6.11", "Báo cáo tháng về công tác lãnh sự", 28, False),
    Spec("III.6.12", "Báo cáo quý tình hình thực hiện kế hoạch", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=18", phrase="trước ngày 18 tháng cuối quý"),
    Spec("III.6.13", "Báo cáo quý về hợp tác quốc tế", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=25", inclusive=True, phrase="chậm nhất ngày 25 tháng cuối quý"),
    Spec("III.6.4", "Báo cáo tổng hợp kết quả công tác đối ngoại nhân dân", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", phrase="trước ngày 15 tháng 12 hàng năm"),
    Spec("III.6.5", "Báo cáo sơ kết 6 tháng", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15", phrase="trước ngày 15 tháng 6 hàng năm"),
    Spec("III.6.6", "Báo cáo công tác thông tin đối ngoại", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=30", inclusive=True, phrase="chậm nhất ngày 30 tháng 11 hàng năm"),
    Spec("III.6.7", "Báo cáo tình hình người nước ngoài trên địa bàn", GROUP, "recurring",
         "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", phrase="trước ngày 20 tháng 12 hàng năm"),
    *[Spec(f"III.2.{n}", title, GROUP, "continuous", phrase="thường xuyên")
      for n, title in enumerate(CONTINUOUS_TASKS, start=1)],
    *[Spec(f"III.3.{n}", title, lead, "continuous", phrase="thường xuyên") for n, (lead, title) in enumerate(
        [("SNGV", "Theo dõi, tổng hợp tình hình đối ngoại nhân dân"), ("STTTT", "Quản lý thông tin đối ngoại"),
         ("SVHTTDL", "Giao lưu văn hóa với nước ngoài"), ("SKHDT", "Quản lý nguồn viện trợ")], start=1)],
    *[Spec(f"III.1.{n}", title, lead, "once", due=due, inclusive=True, phrase=f"chậm nhất ngày {due:%d/%m/%Y}")
      for n, (lead, title, due) in enumerate(
          [("SNGV", "Tham mưu ban hành Quy chế quản lý hoạt động đối ngoại", date(2017, 9, 30)),
           ("SNV", "Kiện toàn tổ chức bộ máy làm công tác đối ngoại", date(2018, 3, 31)),
           ("STC", "Bố trí kinh phí thực hiện kế hoạch", date(2018, 12, 31)),
           ("SNGV", "Sơ kết giữa kỳ thực hiện kế hoạch", date(2019, 7, 15)),
           ("STTTT", "Xây dựng trang thông tin đối ngoại", date(2019, 12, 31)),
           ("SNGV", "Tổng kết thực hiện kế hoạch giai đoạn 2017-2020", date(2020, 12, 15))], start=1)],
    Spec("III.5.1", "Xây dựng dự toán kinh phí đối ngoại nhân dân", GROUP, "cycle", cycle="budget",
         phrase="vào thời điểm xây dựng dự toán hàng năm"),
    Spec("III.5.2", "Đề xuất chương trình đối ngoại năm sau", GROUP, "cycle", cycle="budget",
         phrase="vào thời điểm xây dựng dự toán hàng năm"),
]
KINDS = sorted({spec.label for spec in SPECS})
