"""The words of the web pages, in Vietnamese first and English: ``t("key")`` in a template."""

from __future__ import annotations

from collections.abc import Callable

from obligations.rules.status import LABELS_VI, Status

LABELS_EN: dict[Status, str] = {
    Status.ON_TRACK: "On track",
    Status.DUE_SOON: "Due soon",
    Status.SUBMITTED: "Submitted, awaiting review",
    Status.OVERDUE: "Overdue",
    Status.DONE_ON_TIME: "Done on time",
    Status.DONE_LATE: "Done late",
    Status.WAIVED: "Waived",
    Status.WITHDRAWN: "Withdrawn",
}

WORDS: dict[str, tuple[str, str]] = {
    "app": ("Theo dõi nhiệm vụ", "Obligation tracking"),
    "plans": ("Kế hoạch", "Plans"),
    "queue": ("Việc chờ xử lý", "Review queue"),
    "messages": ("Tin nhắn lỗi", "Failed messages"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_in_intro": ("Nhập địa chỉ email, mã Zalo hoặc số điện thoại đã đăng ký; hệ thống gửi cho bạn một liên kết "
                      "đăng nhập dùng một lần.",
                      "Enter your registered email, Zalo id or phone number; we send you a one-time sign-in link."),
    "address": ("Email, mã Zalo hoặc số điện thoại", "Email, Zalo id or phone number"),
    "send_link": ("Gửi liên kết đăng nhập", "Send me a sign-in link"),
    "link_sent": ("Nếu địa chỉ này đã được đăng ký, liên kết đăng nhập đã được gửi tới đó. Liên kết dùng được một lần "
                  "trong {minutes} phút.",
                  "If this address is registered, a sign-in link was sent to it. It works once, for {minutes} "
                  "minutes."),
    "confirm_sign_in": ("Đăng nhập với tư cách {name}", "Sign in as {name}"),
    "overview": ("Tổng quan", "Overview"),
    "overdue_by_agency": ("Số nhiệm vụ quá hạn theo cơ quan", "Overdue items by agency"),
    "oldest_overdue": ("Nhiệm vụ quá hạn lâu nhất", "Oldest overdue items"),
    "open_blockers": ("Vướng mắc đang chờ giải quyết", "Open blockers"),
    "none": ("Không có.", "None."),
    "agency": ("Cơ quan", "Agency"),
    "task": ("Nhiệm vụ", "Task"),
    "period": ("Kỳ", "Period"),
    "deadline": ("Hạn hoàn thành", "Deadline"),
    "status": ("Trạng thái", "Status"),
    "days_overdue": ("Số ngày làm việc quá hạn", "Working days overdue"),
    "n_working_days": ("{n} ngày làm việc", "{n} working days"),
    "messages_sent": ("Tin đã gửi", "Messages sent"),
    "submissions": ("Báo cáo đã nộp", "Submissions"),
    "blockers": ("Vướng mắc", "Blockers"),
    "provision": ("Nội dung trong kế hoạch", "Provision"),
    "deadline_phrase": ("Thời hạn theo kế hoạch", "The plan's deadline"),
    "timeline": ("Diễn biến", "Timeline"),
    "when": ("Thời điểm", "When"),
    "who": ("Người thực hiện / người nhận", "Who / to whom"),
    "what": ("Nội dung", "What"),
    "note": ("Ghi chú", "Note"),
    "reason": ("Lý do", "Reason"),
    "attachment": ("Tệp đính kèm", "Attachment"),
    "submit": ("Gửi báo cáo / đã hoàn thành", "Submit the report / mark done"),
    "extension": ("Xin gia hạn", "Ask for more time"),
    "blocker": ("Báo vướng mắc", "Report a blocker"),
    "view": ("Xem nhiệm vụ", "View the task"),
    "until": ("Gia hạn đến hết ngày", "Until the end of"),
    "blocker_text": ("Mô tả vướng mắc", "The difficulty"),
    "send": ("Gửi", "Send"),
    "accept": ("Chấp nhận", "Accept"),
    "return": ("Trả lại", "Return"),
    "grant": ("Đồng ý gia hạn", "Grant"),
    "refuse": ("Không đồng ý", "Refuse"),
    "resolve": ("Đã giải quyết", "Resolve"),
    "send_again": ("Gửi lại", "Send again"),
    "pending_submissions": ("Báo cáo chờ duyệt", "Submissions awaiting review"),
    "extension_requests": ("Đề nghị gia hạn", "Extension requests"),
    "requested_until": ("Đề nghị đến", "Asked until"),
    "recipient": ("Người nhận", "Recipient"),
    "channel": ("Kênh", "Channel"),
    "attempts": ("Số lần gửi", "Attempts"),
    "error": ("Lý do lỗi", "Error"),
    "downloads": ("Tải về", "Downloads"),
    "overdue_xlsx": ("Báo cáo quá hạn (.xlsx)", "Overdue report (.xlsx)"),
    "table_csv": ("Bảng nhiệm vụ (.csv)", "Items table (.csv)"),
    "calendar_feed": ("Lịch hạn (iCalendar)", "Deadline calendar (iCalendar)"),
    "calendar_help": ("Thêm địa chỉ này vào lịch (Google, Outlook, điện thoại) để thấy các hạn; giữ kín địa chỉ.",
                      "Subscribe to this address in your calendar to see the deadlines; keep it private."),
    "done": ("Đã ghi nhận.", "Recorded."),
    "back": ("Quay lại", "Back"),
    "forbidden": ("Bạn không có quyền xem hoặc thực hiện việc này.", "You may not see or do this."),
    "bad_form": ("Biểu mẫu đã hết hiệu lực hoặc không hợp lệ; vui lòng tải lại trang rồi gửi lại.",
                 "The form has expired or is not valid; reload the page and send it again."),
    "not_found": ("Không tìm thấy trang này.", "This page does not exist."),
    "link_tampered": ("Liên kết không hợp lệ: có thể đã bị sao chép thiếu hoặc bị sửa. Hãy mở lại liên kết trong "
                      "tin nhắn, hoặc liên hệ cơ quan điều phối.",
                      "This link is not valid: it may have been cut or altered. Open it again from the message, or "
                      "contact the coordinating agency."),
    "link_expired": ("Liên kết đã hết hạn. Liên kết trong tin nhắn nhắc việc mới nhất vẫn dùng được; hoặc đăng nhập "
                     "để thực hiện.",
                     "This link has expired. The link in the latest reminder still works; or sign in."),
    "link_used": ("Liên kết này đã được dùng. Mỗi liên kết chỉ dùng được một lần để cập nhật nhiệm vụ.",
                  "This link was already used. Each link updates a task once."),
    "withdrawn_task": ("Nhiệm vụ này đã được rút khỏi kế hoạch và ngừng theo dõi: không cần gửi báo cáo, xin gia hạn "
                       "hay báo vướng mắc nữa.",
                       "This task was withdrawn from the plan and is no longer tracked: no report, extension or "
                       "blocker is needed."),
    "current_status": ("Trạng thái hiện tại", "Current status"),
    "for_agency": ("Cơ quan chủ trì", "Lead agency"),
    "signed_in_as": ("Đăng nhập:", "Signed in:"),
    "counts": ("Số lượng theo trạng thái", "Counts by status"),
    "total": ("Tổng", "Total"),
    "items": ("Các kỳ thực hiện", "Items"),
    "file_too_large": ("Tệp quá lớn: tối đa {limit}.", "The file is too large: at most {limit}."),
    "file_type": ("Loại tệp không được nhận: chỉ nhận {types}.", "This type of file is not accepted: only {types}."),
    "requested_by": ("Người đề nghị", "Asked by"),
    "raised_by": ("Người nêu", "Raised by"),
    "submitted_by": ("Người nộp", "Submitted by"),
    "no_queue": ("Không có việc nào chờ xử lý.", "Nothing waits for you."),
    "no_messages": ("Không có tin nhắn nào bị lỗi.", "No failed messages."),
    "retrying": ("chờ gửi lại", "retrying"),
    "dead": ("không gửi được", "undeliverable"),
}


def translator(language: str) -> Callable[..., str]:
    index = 1 if language == "en" else 0

    def t(key: str, **values) -> str:
        text = WORDS[key][index]
        return text.format(**values) if values else text

    return t


def status_label(language: str) -> Callable[[Status | str], str]:
    labels = LABELS_EN if language == "en" else LABELS_VI
    return lambda status: labels[Status(status)]


# What a timeline line says happened: an audit action (someone acted) or a message kind (the system wrote).
ACTIONS_DONE: dict[str, tuple[str, str]] = {
    "submit": ("Nộp báo cáo", "Submitted"),
    "accept": ("Chấp nhận báo cáo", "Accepted"),
    "return": ("Trả lại báo cáo", "Returned"),
    "extend": ("Gia hạn", "Extended"),
    "waive": ("Miễn thực hiện", "Waived"),
    "request_extension": ("Đề nghị gia hạn", "Asked for more time"),
    "refuse_extension": ("Không đồng ý gia hạn", "Refused more time"),
    "blocker": ("Báo vướng mắc", "Raised a blocker"),
    "resolve_blocker": ("Giải quyết vướng mắc", "Resolved a blocker"),
}
MESSAGES_SENT: dict[str, tuple[str, str]] = {
    "reminder": ("Nhắc việc", "Reminder"),
    "due_today": ("Nhắc hạn hôm nay", "Due today"),
    "escalation": ("Đôn đốc", "Escalation"),
    "blocker": ("Báo vướng mắc cho cơ quan điều phối", "Blocker notice to the coordinator"),
    "decision": ("Thông báo quyết định", "Decision notice"),
    "undeliverable": ("Báo tin không gửi được", "Undeliverable notice"),
    "digest": ("Bản tin tuần", "Weekly digest"),
    "report": ("Báo cáo tháng", "Monthly report"),
}


def event_label(language: str) -> Callable[[str, bool], str]:
    """``label(event, by_a_person)``: the words for a timeline line."""
    index = 1 if language == "en" else 0

    def label(event: str, by_a_person: bool) -> str:
        table = ACTIONS_DONE if by_a_person else MESSAGES_SENT
        return table[event][index] if event in table else event

    return label
