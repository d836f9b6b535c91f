"""The Zalo token pair in the database, on SQLite and PostgreSQL: one refresh among workers in separate
processes, the row lock and the compare-and-set, ``obligations zalo authorize`` and ``obligations channels``.

The processes are spawned (nothing inherited but the arguments), and send through the real plugins to
the stand-in Zalo of tests/zalo_fake.py, which runs in this process and counts the refresh requests.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import apprise
import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from typer.testing import CliRunner

from obligations.config.settings import Settings, get_settings, settings_in_force
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.models.db import create_db_engine, upgrade
from obligations.models.tables import Notification, ZaloToken
from obligations.notifications.outcome import Action
from obligations.notifications.zalo_tokens import DbTokenStore, TokenPair, TokenStoreError, dispose_engines
from tests.conftest import url_of
from tests.world import build, vn
from tests.zalo_fake import APP_ID, SECRET, TEMPLATE, FakeZalo

ZALO_URL = f"zalo://{APP_ID}:{quote(SECRET, safe='')}@oa"
ZNS_URL = f"zns://{APP_ID}:{quote(SECRET, safe='')}@oa?template={TEMPLATE}"
NEW_ACCESS, NEW_REFRESH = "AT-operator-Q7wE9rT2yU4iO6pA", "RT-operator-S1dF3gH5jK7lZ9xC"
AS_OF = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


@pytest.fixture
def db_url(engine) -> str:
    return url_of(engine)


@pytest.fixture
def store(db_url) -> DbTokenStore:
    return DbTokenStore(db_url, APP_ID)


@pytest.fixture
def fake(httpserver, store, caplog, capfd):
    """The stand-in Zalo with its pair in the test database; afterwards, as the ``zalo`` fixture checks: no
    unexpected request, no refresh token spent twice, no secret in the logs or on any process's output."""
    caplog.set_level(logging.DEBUG)
    zalo = FakeZalo(httpserver, store)
    with settings_in_force(get_settings().model_copy(update={"database_url": store.url})):
        yield zalo
    dispose_engines()
    httpserver.check_assertions()
    assert zalo.violations == []
    assert len(zalo.refresh_used) == len(set(zalo.refresh_used)), "a refresh token was used twice"
    captured = capfd.readouterr()
    for secret in [*zalo.secrets, NEW_ACCESS, NEW_REFRESH]:
        assert secret not in caplog.text, "a secret in the logs"
        assert secret not in captured.out + captured.err, "a secret in the output"


def send(url: str):
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None
    return plugin.notify(body="Báo cáo tổng hợp quý IV đến hạn.", title="Nhắc việc"), plugin


# --- two processes, one refresh -------------------------------------------------------------------------


def _send_in_a_process(db_url: str, url: str, start, results) -> None:
    """A worker of its own: the settings' database is the test's, the send goes through apprise."""
    import obligations.notifications  # noqa: F401  (registers the plugins)

    with settings_in_force(get_settings().model_copy(update={"database_url": db_url})):
        plugin = apprise.Apprise.instantiate(url)
        start.wait(timeout=30)  # both processes are ready: they send at once
        ok = plugin.notify(body="Báo cáo tổng hợp quý IV đến hạn.", title="Nhắc việc")
        failure = plugin.failure
        results.put((ok, None if failure is None else f"{failure.action.value}: {failure.message}"))


def _race(db_url: str, url: str) -> list:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(3), context.Queue()
    workers = [context.Process(target=_send_in_a_process, args=(db_url, url, start, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        start.wait(timeout=60)
        outcomes = [results.get(timeout=60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    assert [worker.exitcode for worker in workers] == [0, 0]
    return outcomes


@pytest.mark.parametrize("how", ["refused", "known_expired"])
def test_two_processes_refresh_once_and_both_send_with_the_new_token(fake, store, db_url, how):
    if how == "refused":
        # Zalo refuses the old token to both; OAuth answers only once both have been refused, so the second
        # process reaches the locked row while the first holds it across the refresh request.
        fake.expire_access()
        fake.refresh_gate = fake.stale_seen
    else:
        store.replace(TokenPair(fake._access(0), fake._refresh(0), datetime.now(UTC) - timedelta(minutes=1)), "test")
        fake.refresh_gate = threading.Event()
        threading.Timer(1.0, fake.refresh_gate.set).start()  # the refresh takes a second
    before = store.record().version
    outcomes = _race(db_url, fake.oa_url())
    assert outcomes == [(True, None), (True, None)]
    assert len(fake.refreshes) == 1 and fake.refresh_used == [fake._refresh(0)]
    delivered = [request["token"] for request in fake.requests if request["token"] == fake._access(1)]
    assert len(delivered) == 2  # both messages went with the new token
    if how == "refused":
        assert fake.stale_seen.is_set()
        assert sorted(request["token"] for request in fake.requests) == [fake._access(0)] * 2 + [fake._access(1)] * 2
    else:
        assert fake.stale_requests == 0
    after = store.record()
    assert after.version == before + 1 and after.updated_by.startswith("refresh@")
    assert (after.pair.access_token, after.pair.refresh_token) == (fake._access(1), fake._refresh(1))
    assert after.pair.expires_at > datetime.now(UTC) + timedelta(hours=24)


# --- the row lock and the compare-and-set ----------------------------------------------------------------


def test_the_lock_excludes_other_writers_not_readers(store):
    first = store.replace(TokenPair("AT-a", "RT-a"), "test")
    assert first.version == 1
    held, release = threading.Event(), threading.Event()

    def holder():
        with store.locked() as row:
            held.set()
            release.wait(timeout=10)
            row.save(TokenPair("AT-b", "RT-b"), "refresh@holder")

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(timeout=10)
        assert store.load() == TokenPair("AT-a", "RT-a")  # a send reads without waiting
        with pytest.raises(TimeoutError):
            with store.locked(timeout=0.3):
                pass
    finally:
        release.set()
        thread.join(timeout=10)
    latest = store.record()
    assert (latest.pair, latest.version, latest.updated_by) == (TokenPair("AT-b", "RT-b"), 2, "refresh@holder")


def test_a_save_is_refused_when_the_version_moved_and_nothing_is_kept_after_an_error(store):
    store.replace(TokenPair("AT-a", "RT-a"), "test")
    with pytest.raises(TokenStoreError, match="changed while it was locked"):
        with store.locked() as row:
            # What the compare-and-set guards against: the row written behind the holder's back.
            row._connection.execute(update(ZaloToken.__table__).values(version=7))
            row.save(TokenPair("AT-b", "RT-b"), "refresh@test")
    with pytest.raises(RuntimeError):
        with store.locked() as row:
            row.save(TokenPair("AT-c", "RT-c"), "refresh@test")
            raise RuntimeError("the process fails before the block ends")
    assert store.record().pair == TokenPair("AT-a", "RT-a") and store.record().version == 1


# --- obligations zalo authorize ---------------------------------------------------------------------------


def cli(monkeypatch, db_url: str, *args: str, **env: str):
    from obligations.cli import app

    monkeypatch.setenv("OBLIGATIONS_DATABASE_URL", db_url)
    for key, value in env.items():
        monkeypatch.setenv(f"OBLIGATIONS_{key.upper()}", value)
    with settings_in_force(Settings()):  # read from the environment just set
        return CliRunner().invoke(app, list(args))


def test_authorize_replaces_a_pair_whose_refresh_was_refused(fake, store, db_url, monkeypatch):
    fake.expire_access()
    fake.refresh_error = {"error": -14014, "error_name": "Invalid refresh token",
                          "error_description": "Refresh token is expired"}
    ok, plugin = send(fake.oa_url())
    assert not ok and plugin.failure.action is Action.FALLBACK
    assert "obligations zalo authorize --access-token ... --refresh-token ..." in plugin.failure.message
    before = store.record().version
    # The operator authorises the OA again in Zalo's console and gets a new pair.
    fake.access_ok, fake.refresh_ok, fake.refresh_error = {NEW_ACCESS}, NEW_REFRESH, None
    result = cli(monkeypatch, db_url, "zalo", "authorize", "--access-token", NEW_ACCESS,
                 "--refresh-token", NEW_REFRESH, "--expires-in", "90000", zalo_url=ZALO_URL)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        f"Đã lưu cặp token mới của ứng dụng Zalo {APP_ID} (phiên bản {before + 1}); các tiến trình gửi dùng nó "
        "từ lần gửi tới."]
    saved = store.record()
    assert saved.pair.access_token == NEW_ACCESS and saved.updated_by.startswith("authorize:")
    assert saved.pair.expires_at > datetime.now(UTC) + timedelta(hours=24)
    ok, plugin = send(fake.oa_url())
    assert ok and plugin.failure is None, plugin.failure
    assert fake.requests[-1]["token"] == NEW_ACCESS and len(fake.refreshes) == 1  # the refused one only


def test_authorize_needs_an_app(store, db_url, monkeypatch):
    result = cli(monkeypatch, db_url, "zalo", "authorize", "--access-token", NEW_ACCESS, "--refresh-token",
                 NEW_REFRESH)
    assert result.exit_code == 2
    assert "chưa cấu hình kênh Zalo nào" in result.output and "--app-id" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert store.load() is None
    result = cli(monkeypatch, db_url, "zalo", "authorize", "--access-token", NEW_ACCESS, "--refresh-token",
                 NEW_REFRESH, "--app-id", "5550001")
    assert result.exit_code == 0 and DbTokenStore(db_url, "5550001").record().version == 1
    assert NEW_ACCESS not in result.output and NEW_REFRESH not in result.output


def test_authorize_on_a_database_not_upgraded_says_so(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_db_engine(url)
    upgrade(engine, "0005")
    engine.dispose()
    result = cli(monkeypatch, url, "zalo", "authorize", "--access-token", NEW_ACCESS, "--refresh-token",
                 NEW_REFRESH, zalo_url=ZALO_URL)
    assert result.exit_code == 2 and "chưa có bảng zalo_token" in result.output
    assert "obligations db upgrade" in result.output and NEW_ACCESS not in result.output


def test_authorize_help_describes_every_option():
    from obligations.cli import app

    result = CliRunner().invoke(app, ["zalo", "authorize", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--access-token", "--refresh-token", "--app-id", "--expires-in", "--as-of"):
        assert option in result.output
    assert "Lưu cặp token mới" in result.output


# --- obligations channels ---------------------------------------------------------------------------------


def test_channels_masks_the_documented_urls_and_shows_the_token_age(store, db_url, monkeypatch):
    env = {"zalo_url": ZALO_URL, "zns_url": ZNS_URL,
           "email_url": "mailtos://nhacviec:Very-S3cret@smtp.example.org?from=a@example.org"}
    result = cli(monkeypatch, db_url, "channels", "--as-of", "2026-12-14T08:00+07:00", **env)
    assert result.exit_code == 0, result.output
    assert f"zalo: zalo://{APP_ID}:****@oa" in result.stdout
    assert f"zns: zns://{APP_ID}:****@oa?template={TEMPLATE}" in result.stdout
    assert "<invalid URL>" not in result.stdout
    assert f"Token Zalo của ứng dụng {APP_ID}: chưa có token — chạy `obligations zalo authorize" in result.stdout
    store.replace(TokenPair(NEW_ACCESS, NEW_REFRESH, AS_OF + timedelta(hours=22)), "refresh@worker-2",
                  at=AS_OF - timedelta(hours=3))
    result = cli(monkeypatch, db_url, "channels", "--as-of", "2026-12-14T08:00+07:00", **env)
    assert result.exit_code == 0, result.output
    assert (f"Token Zalo của ứng dụng {APP_ID}: phiên bản 1, làm mới tự động 3 giờ trước (14/12/2026 05:00), "
            "bởi refresh@worker-2; hết hạn lúc 15/12/2026 06:00") in result.stdout
    for secret in (SECRET, quote(SECRET, safe=""), "Very-S3cret", NEW_ACCESS, NEW_REFRESH):
        assert secret not in result.output


# --- ZNS error -201 ---------------------------------------------------------------------------------------


def test_zns_invalid_parameter_is_dead_after_one_attempt(sqlite_engine, zalo):
    build(sqlite_engine, channels=["zns"])
    rt = Runtime(Settings(zns_url=ZNS_URL.partition("?")[0], zns_api_url=zalo.base, zalo_oauth_url=zalo.base,
                          zns_templates={"reminder": TEMPLATE, "escalation": TEMPLATE}, dispatch_concurrency=1,
                          dispatch_max_attempts=5, retry_base_seconds=60))
    zalo.answers["zns"].append((200, {"error": -201, "message": "Template data is invalid"}))
    morning = vn(2017, 11, 30, 8)
    sweep(sqlite_engine, rt, morning)
    dispatch(sqlite_engine, rt, morning)
    dispatch(sqlite_engine, rt, morning + timedelta(hours=2))  # a retry would go out now
    with Session(sqlite_engine) as session:
        dead = list(session.scalars(select(Notification).where(Notification.status == "dead",
                                                               Notification.channel == "zns")))
    assert len(dead) == 1 and dead[0].attempts == 1
    assert "-201" in dead[0].last_error and "Template data is invalid" in dead[0].last_error
    tracking = f"obligations-{dead[0].id}"
    assert [r["body"]["tracking_id"] for r in zalo.requests].count(tracking) == 1
