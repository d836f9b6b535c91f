"""Messages: every kind in both languages, the facts flows.messages gathers for them, and what they say.

The golden files (tests/test_golden.py) pin each message word for word; these tests say why the words are
what they are: who is asked to do what, what a deadline line explains, what a list of several tasks shows.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows import actions
from obligations.flows.digest import digest
from obligations.flows.dispatch import dispatch
from obligations.flows.messages import Lookup, bundle_context, message_context, task_title
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import session_scope
from obligations.models.tables import Blocker, Contact, Notification, Obligation, Occurrence
from obligations.notifications import links
from obligations.notifications.outcome import Action
from obligations.notifications.render import render
from obligations.rules.periods import PeriodName
from tests.test_golden import BUNDLED, CASES, CHECKIN, ESCALATION, YEARLY
from tests.world import build, vn


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_kind_renders_in_both_languages(name, language):
    kind, context = CASES[name]
    rendered = render(kind, language, context)
    assert rendered.subject and "\n" not in rendered.subject
    assert context["recipient_name"] in rendered.text and context["recipient_name"] in rendered.html
    assert unicodedata.is_normalized("NFC", rendered.text)
    assert rendered.html.startswith("<!DOCTYPE html>") and "<table" in rendered.html
    assert "max-width:600px" in rendered.html and "<link" not in rendered.html and "<img" not in rendered.html
    sign_off = ("Trân trọng,\nSở Ngoại vụ\n" if language == "vi" else "Kind regards,\nSở Ngoại vụ\n")
    assert rendered.text.endswith(sign_off) and rendered.text.count(sign_off) == 1


def test_render_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="no template"):
        render("telegram", "vi", YEARLY)


def test_an_unknown_language_falls_back_to_vietnamese():
    assert render("reminder", "fr", YEARLY).subject.startswith("[Nhắc việc]")


def test_the_subject_names_the_task_its_period_and_its_deadline():
    assert render("reminder", "vi", YEARLY).subject == (
        "[Nhắc việc] Báo cáo kết quả công tác đối ngoại nhân dân hàng năm gửi Sở Ngoại vụ (năm 2019) — hạn 16/12/2019")
    assert render("reminder", "en", YEARLY).subject == (
        "[Reminder] Báo cáo kết quả công tác đối ngoại nhân dân hàng năm gửi Sở Ngoại vụ (2019) — due 16 December 2019")
    assert "(quý II/2018)" in render("reminder", "vi", CHECKIN).subject
    assert "(Q2 2018)" in render("reminder", "en", CHECKIN).subject


@pytest.mark.parametrize("period, vi, en", [
    (PeriodName("year", 2017), "Năm 2017", "Year 2017"),
    (PeriodName("quarter", 2017, 2), "Quý II/2017", "Q2 2017"),
    (PeriodName("half", 2018, 1), "6 tháng đầu năm 2018", "First half of 2018"),
    (PeriodName("half", 2018, 2), "6 tháng cuối năm 2018", "Second half of 2018"),
    (PeriodName("month", 2018, 3), "Tháng 3/2018", "March 2018"),
])
def test_periods_are_named_as_people_say_them(period, vi, en):
    assert f"  Kỳ báo cáo: {vi}\n" in render("reminder", "vi", YEARLY | {"period": period}).text
    assert f"  Period: {en}\n" in render("reminder", "en", YEARLY | {"period": period}).text


def test_a_once_deadline_has_no_period_line():
    text = render("reminder", "vi", YEARLY | {"period": None}).text
    assert "Kỳ báo cáo" not in text and "(năm" not in render("reminder", "vi", YEARLY | {"period": None}).subject


def test_the_deadline_line_shows_the_plans_phrase_and_why_it_moved():
    text = render("reminder", "vi", YEARLY).text
    assert "  Hạn hoàn thành: Thứ Hai, 16/12/2019 — còn 10 ngày làm việc\n" in text
    assert "      Theo kế hoạch: “trước ngày 15 tháng 12 hàng năm”\n" in text
    assert "      14/12/2019 là thứ Bảy; hạn chuyển sang thứ Hai 16/12/2019\n" in text
    english = render("reminder", "en", YEARLY).text
    assert "14 December 2019 is a Saturday; the deadline moves to Monday 16 December 2019" in english


def test_due_today_says_it_is_the_last_day_never_zero_days_left():
    _, context = CASES["due_today"]
    text = render("due_today", "vi", context).text
    assert "hôm nay là hạn cuối" in text and "còn 0 ngày" not in text
    assert "today is the last day" in render("due_today", "en", context).text


def test_each_escalation_asks_its_reader_for_what_their_place_allows():
    texts = {name: render("escalation", "vi", CASES[name][1]).text
             for name in ("escalation_focal_point", "escalation_manager", "escalation_coordinator_last")}
    assert "Đề nghị khẩn trương hoàn thành" in texts["escalation_focal_point"]
    assert "Đề nghị Lãnh đạo chỉ đạo" in texts["escalation_manager"]
    assert "Đề nghị cơ quan điều phối đôn đốc" in texts["escalation_coordinator_last"]
    # The agency's own manager is asked to direct, not urged (đôn đốc) as by a superior.
    assert "đôn đốc" not in texts["escalation_manager"].split("\n\n", 1)[1].split("  Nhiệm vụ:")[0].lower()


@pytest.mark.parametrize("number, last, label", [
    (1, False, "[Đôn đốc lần 1]"), (2, False, "[Đôn đốc lần 2]"), (3, True, "[Đôn đốc lần 3 (lần cuối)]"),
])
def test_escalations_are_numbered_without_gaps_and_the_last_says_so(number, last, label):
    context = ESCALATION | {"escalation_number": number, "escalation_last": last, "working_days_overdue": 4}
    rendered = render("escalation", "vi", context)
    assert rendered.subject.startswith(f"{label} Báo cáo kết quả")
    assert ("Đây là lần nhắc cuối cùng" in rendered.text) is last
    assert render("escalation", "en", context).subject.startswith(f"[Escalation {number}{' (final)' if last else ''}]")


def test_an_open_blocker_shows_in_every_later_message():
    blocker = {"id": 3, "text": "Chưa có số liệu", "raised_by": "Đỗ Thanh Tùng", "raised_on": date(2019, 12, 12)}
    for kind in ("reminder", "due_today", "escalation"):
        text = render(kind, "vi", YEARLY | {"kind": kind, "blockers": [blocker]}).text
        assert ("Vướng mắc đã báo ngày 12/12/2019 (Đỗ Thanh Tùng): “Chưa có số liệu” — đang chờ giải quyết; "
                "việc đôn đốc tạm dừng.") in text
    bundle = render("bundle", "vi", bundle_context([YEARLY | {"blockers": [blocker]}]))
    assert "“Chưa có số liệu” — đang chờ giải quyết" in bundle.text


def test_a_periodic_report_lists_the_continuous_tasks_it_covers():
    text = render("reminder", "vi", YEARLY).text
    assert ("Báo cáo này bao gồm kết quả thực hiện các nhiệm vụ thường xuyên do Sở Thông tin và Truyền thông "
            "chủ trì:") in text
    assert "  - III.2.1 — Tuyên truyền về đất nước, con người, văn hóa các quốc gia ASEAN\n" in text


def test_links_become_buttons_and_without_them_the_focal_point_acts_through_the_coordinator():
    rendered = render("reminder", "vi", YEARLY)
    for label, action in (("Gửi báo cáo", "submit"), ("Xin gia hạn", "extension"), ("Báo vướng mắc", "blocker")):
        url = YEARLY["links"][action]
        assert f"  {label}: {url}\n" in rendered.text
        assert f'<a href="{url}"' in rendered.html and f">{label}</a>" in rendered.html
    plain = render("reminder", "vi", YEARLY | {"links": {}}).text
    assert "Đề nghị gửi báo cáo cho Sở Ngoại vụ" in plain and "obligations submit" not in plain
    # The command line is shown to the coordinator only.
    assert "obligations submit 412" in render("escalation", "vi", CASES["escalation_coordinator_last"][1]).text


@pytest.mark.parametrize("cause, vi, en", [
    (Action.RETRY, "kênh gửi không phản hồi sau nhiều lần thử", "the channel did not answer after several attempts"),
    (Action.FALLBACK, "địa chỉ bị từ chối trên mọi kênh", "the address was refused on every channel"),
    (Action.DEAD, "tin nhắn bị từ chối", "the message was refused"),
    (Action.LATER, "đã hết hạn mức gửi của kênh", "sending quota was used up"),
])
def test_the_undeliverable_notice_says_what_failed_in_the_readers_language(cause, vi, en):
    kind, context = CASES["undeliverable"]
    context = context | {"payload": context["payload"] | {"cause": cause.value}}
    text = render(kind, "vi", context).text
    assert vi in text and "Chi tiết kỹ thuật: SMTP 451 4.4.1 timeout (after 5 attempts)\n" in text
    english = render(kind, "en", context).text
    assert en in english and "Technical detail: SMTP 451" in english


def test_a_returned_report_carries_the_coordinators_note():
    text = render("decision", "vi", CASES["decision_returned"][1]).text
    assert "được Sở Ngoại vụ trả lại ngày 13/12/2019 để bổ sung, hoàn thiện" in text
    assert "  “Đề nghị bổ sung số liệu các hoạt động giao lưu nhân dân năm 2019 và đánh giá kết quả.”\n" in text


def test_an_extension_after_the_deadline_says_lateness_is_still_judged_by_the_old_deadline():
    text = render("decision", "vi", CASES["decision_extension_granted"][1]).text
    assert "vẫn tính theo hạn 16/12/2019" in text
    assert "Đã được gia hạn từ 16/12/2019 đến thứ Sáu 27/12/2019" in text


def test_a_list_of_several_tasks_names_their_count_and_earliest_deadline():
    context = bundle_context(list(reversed(BUNDLED)))
    assert [item["obligation_ref"] for item in context["items"]] == ["III.6.2", "III.6.5", "III.6.4"]
    assert context["count"] == 3 and context["earliest_deadline"] == date(2019, 12, 10)
    assert context["audience"] == "focal_point" and context["recipient_name"] == BUNDLED[-1]["recipient_name"]
    rendered = render("bundle", "vi", context)
    assert rendered.subject == "[Đôn đốc] 3 nhiệm vụ — hạn sớm nhất 10/12/2019"
    for line in ("  1. Đôn đốc lần 1: III.6.2", "  2. Đến hạn hôm nay: III.6.5", "  3. Nhắc việc: III.6.4"):
        assert line in rendered.text
    only_reminders = render("bundle", "en", bundle_context([BUNDLED[0], BUNDLED[0] | {"obligation_ref": "III.6.9"}]))
    assert only_reminders.subject == "[Reminder] 2 tasks — earliest deadline 16 December 2019"
    with pytest.raises(ValueError):
        bundle_context([])


def test_links_name_the_action():
    assert links.action_link(None, 7, "submit") is None
    assert links.action_link("https://x.example.org/", 7) == "https://x.example.org/occurrences/7"
    assert links.action_link("https://x.example.org", 7, "view") == "https://x.example.org/occurrences/7"
    assert links.action_link("https://x.example.org", 7, "extension") == "https://x.example.org/occurrences/7/extension"
    with pytest.raises(ValueError):
        links.action_link("https://x.example.org", 7, "delete")


def test_signed_links_bind_the_occurrence_the_contact_and_the_action():
    signer = links.TokenSigner("k" * 32)
    at = datetime(2019, 12, 2, 1, 0, tzinfo=UTC)
    url = links.action_link("https://x.example.org/", 7, "submit", signer=signer, contact_id=3, at=at)
    assert url.startswith("https://x.example.org/l/")
    token = url.rsplit("/", 1)[1]
    signed = signer.read(token, salt=links.ACTION_SALT, now=at + timedelta(days=1), max_age_seconds=86400 * 28)
    assert signed.data == {"o": 7, "c": 3, "a": "submit"} and signed.signed_at == at
    with pytest.raises(links.LinkError) as expired:
        signer.read(token, salt=links.ACTION_SALT, now=at + timedelta(days=29), max_age_seconds=86400 * 28)
    assert expired.value.reason == "expired"
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x"):
        with pytest.raises(links.LinkError) as tampered:
            signer.read(bad, salt=links.ACTION_SALT, now=at, max_age_seconds=None)
        assert tampered.value.reason == "tampered"
    with pytest.raises(links.LinkError):  # another key, or the same token offered as a sign-in
        links.TokenSigner("z" * 32).read(token, salt=links.ACTION_SALT, now=at, max_age_seconds=None)
    with pytest.raises(links.LinkError):
        signer.read(token, salt=links.SIGN_IN_SALT, now=at, max_age_seconds=None)
    assert links.action_link("https://x.example.org", 7, "view", signer=signer, contact_id=4, at=at) != url


def test_a_task_without_a_title_is_named_by_its_first_words():
    long = Obligation(plan_id=1, ref="II.3", schedule_kind="once", text=" ".join(f"w{n}" for n in range(20)))
    assert task_title(long) == "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11…"
    assert task_title(Obligation(plan_id=1, ref="II.3", schedule_kind="once", text="")) == "II.3"
    assert task_title(Obligation(plan_id=1, ref="II.3", title="Quy chế", schedule_kind="once")) == "Quy chế"


# ---------------------------------------------------------------------------------- the facts, from the database


def _yearly_occurrence(session: Session, rt: Runtime, ids: dict, year: int) -> Occurrence:
    calendar = rt.calendar()
    nominal = calendar.deadline_for(date(year, 12, 15), inclusive=False)
    occurrence = Occurrence(obligation_id=ids["report"], agency_id=ids["STTTT"], period_key=f"{year}-12-15",
                            nominal_deadline=nominal, effective_deadline=calendar.effective_deadline(nominal))
    session.add(occurrence)
    session.flush()
    return occurrence


def test_message_context_gathers_the_facts_its_template_reads(engine):
    ids = build(engine)
    rt = Runtime(Settings(public_base_url="https://nhacviec.example.org"))
    with session_scope(engine) as session:
        session.add_all([
            Obligation(plan_id=ids["plan"], ref="III.2.1", title="Tuyên truyền về ASEAN", schedule_kind="continuous",
                       lead_agency_id=ids["STTTT"]),
            Obligation(plan_id=ids["plan"], ref="III.6.1", text="Thường xuyên thông tin tình hình cho nhân dân",
                       schedule_kind="continuous", lead_group_id=ids["group"]),
            Obligation(plan_id=ids["plan"], ref="III.3.1", title="Của cơ quan khác", schedule_kind="continuous",
                       lead_agency_id=ids["SNGV"]),
        ])
        occurrence = _yearly_occurrence(session, rt, ids, 2019)
        contact = session.scalars(select(Contact).where(Contact.name == "Lê Văn Cường")).one()
        contact.title = "Chuyên viên"
        session.add(Blocker(occurrence_id=occurrence.id, raised_at=vn(2019, 12, 10, 9), raised_by="Lê Văn Cường",
                            text="Chưa có số liệu"))
        session.add(Blocker(occurrence_id=occurrence.id, raised_at=vn(2019, 12, 3, 9), text="Đã xong",
                            resolved_at=vn(2019, 12, 4, 9)))
        occurrence_id, contact_id = occurrence.id, contact.id
    note = Notification(dedup_key="k", occurrence_id=occurrence_id, kind="escalation", step="e2", level=2,
                        recipient_id=contact_id, channel="email", due_at=vn(2019, 12, 19, 8),
                        payload={"notify": "focal_point", "number": 2, "last": True})
    with Session(engine) as session:
        context = message_context(Lookup(session, [note]), rt, note, vn(2019, 12, 19, 9))
    assert context["recipient_title"] == "Chuyên viên"
    assert context["period"] == PeriodName("year", 2019)
    assert (context["deadline"], context["working_days_overdue"]) == (date(2019, 12, 16), 3)
    assert context["deadline_change"].original == date(2019, 12, 14) and context["deadline_change"].day_off == "weekend"
    assert (context["escalation_number"], context["escalation_last"]) == (2, True)
    assert [(b["text"], b["raised_on"]) for b in context["blockers"]] == [("Chưa có số liệu", date(2019, 12, 10))]
    assert [c["ref"] for c in context["covers"]] == ["III.2.1", "III.6.1"]  # its own, and its group's
    assert context["covers"][1]["title"] == "Thường xuyên thông tin tình hình cho nhân dân"
    assert context["links"]["submit"] == f"https://nhacviec.example.org/occurrences/{occurrence_id}/submit"
    assert context["plan_manager_name"] == "Ủy ban nhân dân tỉnh Khánh Hòa"
    rendered = render("escalation", "vi", context)
    assert rendered.subject.startswith("[Đôn đốc lần 2 (lần cuối)] Báo cáo kết quả hằng năm (năm 2019)")
    assert rendered.text.startswith("Kính gửi Chuyên viên Lê Văn Cường (Sở Thông tin và Truyền thông),")


def test_decision_and_summary_dates_arrive_as_dates(engine):
    ids = build(engine)
    rt = Runtime(Settings())
    with session_scope(engine) as session:
        occurrence_id = _yearly_occurrence(session, rt, ids, 2017).id
        contact_id = session.scalars(select(Contact.id).where(Contact.name == "Lê Văn Cường")).one()
    decided = Notification(dedup_key="d", occurrence_id=occurrence_id, kind="decision", step="x",
                           recipient_id=contact_id, channel="email", due_at=vn(2017, 12, 20, 8),
                           payload={"notify": "focal_point", "event": "extension_granted", "note": None, "actor": "An",
                                    "on": "2017-12-20", "until": "2017-12-29", "previous": "2017-12-14",
                                    "after_deadline": True})
    summary = Notification(dedup_key="s", kind="report", step="y", recipient_id=contact_id, channel="email",
                           due_at=vn(2018, 1, 2, 8),
                           payload={"plan_id": ids["plan"], "audience": "leadership", "month": "2017-12",
                                    "rows": [{"code": "STTTT", "agency": "Sở TTTT", "overdue": 1, "due_soon": 0,
                                              "submitted": 0, "done_on_time": 0, "done_late": 0, "blocked": 0,
                                              "more": 0, "late": [{"ref": "III.6.4", "title": "Báo cáo",
                                                                   "deadline": "2017-12-14", "overdue": 12,
                                                                   "occurrence_id": occurrence_id,
                                                                   "blocker": None}]}],
                                    "totals": {"overdue": 1, "due_soon": 0, "submitted": 0, "done_on_time": 0,
                                               "done_late": 0, "blocked": 0},
                                    "total_overdue": 1, "undeliverable": 0, "link": None,
                                    "blockers": [{"id": 1, "ref": "III.6.4", "agency": "Sở TTTT", "text": "x",
                                                  "raised_on": "2017-12-10"}]})
    with Session(engine) as session:
        lookup = Lookup(session, [decided, summary])
        decision = message_context(lookup, rt, decided, vn(2017, 12, 20, 9))["decision"]
        report = message_context(lookup, rt, summary, vn(2018, 1, 2, 9))
    assert (decision["on"], decision["until"], decision["previous"]) == (
        date(2017, 12, 20), date(2017, 12, 29), date(2017, 12, 14))
    assert report["month"] == date(2017, 12, 1)
    assert report["rows"][0]["late"][0]["deadline"] == date(2017, 12, 14)
    assert report["blockers"][0]["raised_on"] == date(2017, 12, 10)
    assert "tháng 12/2017" in render("report", "vi", report).subject


def test_vietnamese_weekdays():
    for day, text in ((date(2026, 2, 23), "Thứ Hai, 23/02/2026"), (date(2026, 2, 22), "Chủ nhật, 22/02/2026")):
        context = YEARLY | {"deadline": day, "today": day - timedelta(days=7), "deadline_change": None}
        assert f"Hạn hoàn thành: {text}" in render("reminder", "vi", context).text


# ---------------------------------------------------------------------------------- end to end


def test_a_blocker_reaches_the_coordinator(engine, rt, inbox):
    ids = build(engine)
    sweep(engine, rt, vn(2017, 12, 1, 7))
    with session_scope(engine) as session:
        occurrence = session.scalars(select(Occurrence).where(Occurrence.agency_id == ids["STTTT"])).one()
        actions.raise_blocker(session, rt, occurrence.id, as_of=vn(2017, 12, 5, 9), actor="Lê Văn Cường",
                              text="Chưa nhận được số liệu của các huyện")
    dispatch(engine, rt, vn(2017, 12, 5, 9))
    notices = [m for m in inbox() if str(m["Subject"]).startswith("[Vướng mắc]")]
    assert len(notices) == 1 and notices[0]["To"] == "user0@example.org"
    body = notices[0].get_body(preferencelist=("plain",)).get_content()
    assert "Chưa nhận được số liệu của các huyện" in body and "do Lê Văn Cường gửi ngày 05/12/2017" in body
    assert "obligations blocker resolve" in body  # the coordinator is shown how to resolve it
    html = notices[0].get_body(preferencelist=("html",)).get_content()
    assert "Chưa nhận được số liệu của các huyện" in html and "max-width:600px" in html


def test_the_weekly_digest_arrives_as_a_table(engine, rt, inbox):
    build(engine)
    sweep(engine, rt, vn(2017, 12, 18, 7))  # the 2017 report is overdue for both members
    assert digest(engine, rt, vn(2017, 12, 18, 7)) > 0
    dispatch(engine, rt, vn(2017, 12, 18, 8))
    digests = [m for m in inbox() if str(m["Subject"]).startswith("[Tổng hợp tuần] Kế hoạch thử nghiệm")]
    assert digests
    html = digests[0].get_body(preferencelist=("html",)).get_content()
    assert ">Quá hạn</th>" in html and ">Hoàn thành quá hạn</th>" in html
    assert ">Sở Thông tin và Truyền thông</td>" in html
