"""The engine with Zalo: what the outbox records when the (stand-in) API succeeds, refreshes, refuses."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session

from obligations.config.settings import Settings
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.tables import Notification
from tests.smtp import LoopbackSMTP
from tests.world import build, vn
from tests.zalo_fake import APP_ID, SECRET, TEMPLATE, FakeZalo

MORNING = vn(2017, 11, 30, 8)  # reminder-10 of the 2017 report (two members) and an escalation of SNGV's task


def runtime(zalo: FakeZalo, smtp: LoopbackSMTP, **overrides) -> Runtime:
    return Runtime(
        Settings(
            email_url=smtp.url,
            zalo_url=f"zalo://{APP_ID}:{quote(SECRET, safe='')}@oa",
            zalo_api_url=zalo.base,
            zalo_oauth_url=zalo.base,
            dispatch_max_attempts=2,
            retry_base_seconds=60,
            **overrides,
        )
    )


def rows(engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.scalars(select(Notification).where(Notification.status != "skipped")
                                    .order_by(Notification.id)))


def test_zalo_first_contacts_get_an_oa_message(sqlite_engine, zalo, smtp):
    build(sqlite_engine, channels=["zalo", "email"])
    rt = runtime(zalo, smtp)
    sweep(sqlite_engine, rt, MORNING)
    assert dispatch(sqlite_engine, rt, MORNING)["sent"] == 3
    assert {r.channel for r in rows(sqlite_engine)} == {"zalo"}
    texts = {req["body"]["recipient"]["user_id"]: req["body"]["message"]["text"] for req in zalo.requests}
    # The SNGV task's escalation reaches the coordinator (user 0), never the Committee's manager (user 5).
    assert set(texts) == {"100000000", "100000002", "100000004"}
    assert texts["100000002"].startswith("[Nhắc việc] Báo cáo kết quả hằng năm (năm 2017) — hạn 14/12/2017")
    assert "Kính gửi Lê Văn Cường" in texts["100000002"] and len(texts["100000002"]) <= 2000


def test_an_expired_token_is_refreshed_and_the_message_sent(sqlite_engine, zalo, smtp):
    build(sqlite_engine, channels=["zalo"])
    rt = runtime(zalo, smtp)
    zalo.expire_access()
    sweep(sqlite_engine, rt, MORNING)
    assert dispatch(sqlite_engine, rt, MORNING)["sent"] == 3
    assert len(zalo.refreshes) == 1  # one worker refreshed; the others used the new pair
    assert zalo.store.load().access_token == zalo._access(1)


def test_not_a_follower_falls_back_to_email(sqlite_engine, zalo, smtp):
    smtp.start()
    build(sqlite_engine, channels=["zalo", "email"])
    rt = runtime(zalo, smtp, dispatch_concurrency=1)
    for _ in range(3):
        zalo.answers["oa"].append((200, {"error": -213, "message": "User has not followed OA"}))
    sweep(sqlite_engine, rt, MORNING)
    outcome = dispatch(sqlite_engine, rt, MORNING)
    assert outcome["fallback"] == 3 and outcome["sent"] == 3
    by_channel = {(r.channel, r.status) for r in rows(sqlite_engine)}
    assert by_channel == {("zalo", "failed"), ("email", "sent")}
    failed = [r for r in rows(sqlite_engine) if r.status == "failed"]
    assert all("-213" in r.last_error and r.attempts == 1 for r in failed)
    fallbacks = [r for r in rows(sqlite_engine) if r.channel == "email"]
    assert sorted(r.fallback_of for r in fallbacks) == sorted(r.id for r in failed)
    assert len(smtp.received) == 3


def test_out_of_quota_with_no_other_channel_waits_for_the_next_working_day(sqlite_engine, zalo, smtp):
    build(sqlite_engine, channels=["zalo"])
    rt = runtime(zalo, smtp, dispatch_concurrency=1)
    for _ in range(3):
        zalo.answers["oa"].append((200, {"error": -211, "message": "Out of quota"}))
    sweep(sqlite_engine, rt, MORNING)
    assert dispatch(sqlite_engine, rt, MORNING)["retry_next_day"] == 3
    pending = rows(sqlite_engine)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in pending} == {("pending", 1, vn(2017, 12, 1, 8))}
    assert all("-211" in r.last_error for r in pending)
    assert dispatch(sqlite_engine, rt, vn(2017, 12, 1, 8))["sent"] == 3  # quota renewed


def test_an_invalid_parameter_is_dead_at_once_and_the_coordinator_told(sqlite_engine, zalo, smtp):
    smtp.start()
    build(sqlite_engine, channels=["zalo", "email"])
    rt = runtime(zalo, smtp, dispatch_concurrency=1)
    zalo.answers["oa"].append((200, {"error": -201, "message": "Parameter is invalid"}))
    sweep(sqlite_engine, rt, MORNING)
    dispatch(sqlite_engine, rt, MORNING)
    dead = [r for r in rows(sqlite_engine) if r.status == "dead"]
    assert len(dead) == 1 and "Parameter is invalid" in dead[0].last_error and dead[0].attempts == 1
    notices = [r for r in rows(sqlite_engine) if r.kind == "undeliverable"]
    assert len(notices) == 1 and notices[0].payload["notification_id"] == dead[0].id


def test_email_down_for_good_falls_back_to_zalo(sqlite_engine, zalo, smtp):
    build(sqlite_engine, channels=["email", "zalo"])
    rt = runtime(zalo, smtp)
    sweep(sqlite_engine, rt, MORNING)
    first = dispatch(sqlite_engine, rt, MORNING)  # SMTP is down: attempt 1 of 2
    assert first["retry"] == 3
    second = dispatch(sqlite_engine, rt, MORNING + timedelta(hours=1))  # attempt 2: retries spent -> Zalo
    assert second["fallback"] == 3 and second["sent"] == 3
    email = [r for r in rows(sqlite_engine) if r.channel == "email"]
    assert {(r.status, r.attempts) for r in email} == {("failed", 2)}
    assert all("Connection error" in r.last_error for r in email)
    assert len(zalo.requests) == 3


def test_zns_contacts_get_the_approved_template_with_its_parameters(sqlite_engine, zalo, smtp):
    build(sqlite_engine, channels=["zns"])
    rt = runtime(zalo, smtp, zns_url=f"zns://{APP_ID}:{quote(SECRET, safe='')}@oa", zns_api_url=zalo.base,
                 zns_templates={"reminder": TEMPLATE, "escalation": "231876"})
    sweep(sqlite_engine, rt, MORNING)
    assert dispatch(sqlite_engine, rt, MORNING)["sent"] == 3
    by_phone = {req["body"]["phone"]: req["body"] for req in zalo.requests}
    sent = {r.recipient_id: r for r in rows(sqlite_engine)}
    assert by_phone["84912345672"] == {  # Lê Văn Cường, STTTT's focal point
        "phone": "84912345672",
        "template_id": TEMPLATE,
        "template_data": {"name": "Lê Văn Cường", "task": "III.6.4", "deadline": "14/12/2017",
                          "agency": "Sở Thông tin và Truyền thông", "days": "10"},
        "tracking_id": f"obligations-{sent[3].id}",
    }
    escalation = by_phone["84912345670"]  # Nguyễn Văn An, the coordinator, for SNGV's task overdue since October
    assert escalation["template_id"] == "231876" and escalation["template_data"]["agency"] == "Sở Ngoại vụ"


def test_a_kind_without_a_zns_template_goes_on_the_next_channel_without_a_request(sqlite_engine, zalo, smtp):
    smtp.start()
    build(sqlite_engine, channels=["zns", "email"])
    rt = runtime(zalo, smtp, zns_url=f"zns://{APP_ID}:{quote(SECRET, safe='')}@oa", zns_api_url=zalo.base,
                 zns_templates={"reminder": TEMPLATE})  # no template approved for escalations
    sweep(sqlite_engine, rt, MORNING)
    outcome = dispatch(sqlite_engine, rt, MORNING)
    assert outcome["sent"] == 3 and outcome["fallback"] == 1 and "dead" not in outcome
    assert {req["body"]["template_id"] for req in zalo.requests} == {TEMPLATE}  # the two reminders only
    escalation = [r for r in rows(sqlite_engine) if r.kind == "escalation"]
    assert {(r.channel, r.status, r.attempts) for r in escalation} == {("zns", "failed", 0), ("email", "sent", 1)}
    assert "mẫu ZNS" in next(r.last_error for r in escalation if r.channel == "zns")
    assert len(smtp.received) == 1
