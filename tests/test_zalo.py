"""The Zalo plugins (``zalo://``, ``zns://``) against a real HTTP server on 127.0.0.1.

One loopback server stands in for the OA API, the ZNS API and OAuth v4 at once (passed as both
``api=`` and ``oauth=``). Like Zalo, it checks each request — method, path, the ``access_token``
header, Content-Type, the exact JSON body or form — answers a wrong one with an error JSON, and
rotates the single-use refresh token. Every test calls the plugins through apprise, so
registration and URL parsing are covered too, and no log line or output may carry a token or the
secret key.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import apprise
import pytest

from obligations import notifications
from obligations.models.tables import ZaloToken
from obligations.notifications.outcome import Action
from obligations.notifications.zalo_base import compose, fit
from obligations.notifications.zalo_oa import NotifyZaloOA
from obligations.notifications.zalo_tokens import DbTokenStore, TokenPair
from obligations.notifications.zns import NotifyZNS, normalise_phone
from tests.zalo_fake import (
    APP_ID,
    PHONE,
    SECRET,
    TEMPLATE,
    USER_ID,
    FakeZalo,
)


@pytest.fixture
def store(zalo_store) -> DbTokenStore:
    """The token row the ``zalo`` fixture's stand-in API was seeded into (tests/conftest.py)."""
    return zalo_store


def send(url: str, body: str = "Báo cáo tổng hợp quý IV đến hạn.", title: str = "Nhắc việc"):
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None, "apprise did not accept the URL"
    ok = plugin.notify(body=body, title=title)
    return ok, plugin


# --- registration and URLs ---------------------------------------------------------------------


def test_registration_is_idempotent():
    notifications.register_plugins()
    notifications.register_plugins()
    manager = apprise.manager_plugins.NotificationManager()
    assert manager["zalo"] is NotifyZaloOA
    assert manager["zns"] is NotifyZNS


def test_privacy_url_masks_the_secret(zalo):
    for url in (zalo.oa_url(), zalo.zns_url(**{":name": "An"})):
        plugin = apprise.Apprise.instantiate(url)
        private = plugin.url(privacy=True)
        assert "****" in private
        assert SECRET not in private and quote(SECRET, safe="") not in private
        full = plugin.url()
        assert quote(SECRET, safe="") in full
        again = apprise.Apprise.instantiate(full)
        assert again.url() == full and again.payload("b", "t") == plugin.payload("b", "t")


def test_url_parsing(zalo, store):
    oa = apprise.Apprise.instantiate(zalo.oa_url())
    assert (oa.zalo_app_id, oa.secret_key, oa.target, oa.api, oa.oauth) == (APP_ID, SECRET, USER_ID, zalo.base,
                                                                          zalo.base)
    # store=db (the default): the database of the settings in force, which the zalo fixture chose.
    assert (oa.token_store.app_id, oa.token_store.url) == (APP_ID, store.url)
    assert "store=db" in oa.url() and apprise.Apprise.instantiate(zalo.oa_url(store="db")) is not None
    # The dispatcher adds the recipient as ?to= to the channel's URL.
    assert apprise.Apprise.instantiate(zalo.oa_url("", to=USER_ID, channel="zalo")).target == USER_ID
    # Defaults are the real Zalo hosts.
    bare = apprise.Apprise.instantiate(f"zalo://{APP_ID}:abc@oa/{USER_ID}")
    assert (bare.api, bare.oauth) == ("https://openapi.zalo.me", "https://oauth.zaloapp.com")
    assert apprise.Apprise.instantiate(f"zns://{APP_ID}:abc@oa/{PHONE}?template=1").api == (
        "https://business.openapi.zalo.me")
    refused = [
        f"zalo://{APP_ID}:abc@oa/{USER_ID}?store=t.json",  # a token file: the tokens are in the database
        f"zalo://{APP_ID}:abc@oa/12ab",  # not a user id
        f"zalo://{APP_ID}:abc@oa/1/2",  # two recipients
        f"zalo://{APP_ID}:abc@oa",  # none
        f"zalo://{APP_ID}@oa/{USER_ID}",  # no secret key
        f"zalo://{APP_ID}:abc@oa/{USER_ID}?api=ftp://x",
        f"zns://{APP_ID}:abc@oa/{PHONE}",  # no template
        f"zns://{APP_ID}:abc@oa/{PHONE}?template=1&tracking={'x' * 49}",
        f"zns://{APP_ID}:abc@oa/{PHONE}?template=1&mode=staging",
        f"zns://{APP_ID}:abc@oa/12345?template=1",
    ]
    for url in refused:
        assert apprise.Apprise.instantiate(url) is None, url
    assert zalo.requests == []


@pytest.mark.parametrize("raw", ["0914372608", "+84914372608", "84914372608", "84 914 372 608", "+84 914-372.608",
                                 "(+84) 914 372 608"])
def test_phone_normalisation(raw):
    assert normalise_phone(raw) == PHONE


@pytest.mark.parametrize("raw", ["", "914372608", "014372608", "0914 372 60", "849143726081", "+1 914 372 6080",
                                 "84214372608", "0914372608x", "00914372608"])
def test_phone_refused(raw):
    assert normalise_phone(raw) is None
    assert apprise.Apprise.instantiate(f"zns://{APP_ID}:abc@oa?to={quote(raw)}&template=1") is None


# --- OA messages -------------------------------------------------------------------------------


def test_oa_success(zalo):
    ok, plugin = send(zalo.oa_url(), body="Hạn nộp: 15/12/2026.", title="Nhắc việc")
    assert ok and plugin.failure is None
    assert plugin.last_message_id == "mid-1"
    (request,) = zalo.requests
    assert request["token"] == zalo._access(0)
    text = "Nhắc việc\n\nHạn nộp: 15/12/2026."
    assert request["body"] == {"recipient": {"user_id": USER_ID}, "message": {"text": text}}
    assert zalo.refreshes == []


def test_oa_long_text_is_cut_to_2000_characters(zalo):
    body = " ".join(["Nội dung báo cáo"] * 300)  # about 5,000 characters
    ok, _ = send(zalo.oa_url(), body=body, title="Đôn đốc")
    assert ok
    text = zalo.requests[0]["body"]["message"]["text"]
    assert len(text) <= 2000 and text.endswith("…")
    assert text.startswith("Đôn đốc\n\nNội dung")
    assert text[:-1].rstrip().split(" ")[-1] in {"Nội", "dung", "báo", "cáo"}  # no word cut in half


def test_fit_and_compose():
    assert fit("short", 2000) == "short"
    assert fit("x" * 2000, 2000) == "x" * 2000
    assert fit("x" * 2001, 2000) == "x" * 1999 + "…"
    cut = fit("word " * 500, 2000)
    assert len(cut) <= 2000 and cut.endswith("word…")
    emoji = fit("😀" * 1500, 2000)  # counted as Zalo's (UTF-16) units, the stricter way
    assert len(emoji.encode("utf-16-le")) // 2 <= 2000 and emoji.endswith("…")
    assert compose("Tiêu đề", "Nội dung") == "Tiêu đề\n\nNội dung"
    assert compose("", "Nội dung") == "Nội dung"
    # Decomposed Vietnamese (NFD) is sent composed: fewer characters.
    assert compose("", "Nguye\u0302\u0303n") == "Nguyễn"


@pytest.mark.parametrize("kind, code", [("oa", -216), ("oa", -220), ("zns", -124)])
def test_expired_token_is_refreshed_once_then_the_request_retried(zalo, store, kind, code):
    zalo.TOKEN_ERROR = {**FakeZalo.TOKEN_ERROR, kind: code}
    zalo.expire_access()
    before = datetime.now(UTC)
    url = zalo.oa_url() if kind == "oa" else zalo.zns_url(**{":name": "An"})
    ok, plugin = send(url)
    assert ok and plugin.failure is None, plugin.failure
    assert plugin.last_message_id == ("mid-2" if kind == "oa" else "zns-2")
    first, retried = zalo.requests
    assert first["token"] == zalo._access(0)
    assert retried["token"] == zalo._access(1)
    assert first["body"] == retried["body"]
    # One refresh, with the stored refresh token, which is never used again.
    (refresh,) = zalo.refreshes
    assert refresh["refresh_token"] == zalo._refresh(0)
    assert zalo.refresh_used == [zalo._refresh(0)]
    # The new pair was in the store before the retried request went out.
    assert (retried["store"].access_token, retried["store"].refresh_token) == (zalo._access(1), zalo._refresh(1))
    saved = store.load()
    assert (saved.access_token, saved.refresh_token) == (zalo._access(1), zalo._refresh(1))
    assert before + timedelta(seconds=89_990) <= saved.expires_at <= datetime.now(UTC) + timedelta(seconds=90_000)
    # The next send uses the new token straight away.
    ok, _ = send(url)
    assert ok and zalo.requests[-1]["token"] == zalo._access(1) and len(zalo.refreshes) == 1


def test_token_known_to_be_expired_is_refreshed_before_sending(zalo, store):
    store.replace(TokenPair(zalo._access(0), zalo._refresh(0), datetime.now(UTC) - timedelta(minutes=1)), "test")
    ok, _ = send(zalo.oa_url())
    assert ok
    assert [r["token"] for r in zalo.requests] == [zalo._access(1)]
    assert len(zalo.refreshes) == 1


def test_refresh_that_does_not_help_falls_back(zalo):
    zalo.expire_access()
    zalo.refresh_helps = False
    ok, plugin = send(zalo.oa_url())
    assert not ok
    assert plugin.failure.action is Action.FALLBACK and plugin.failure.code == -216
    assert "token refresh did not help" in plugin.failure.message
    assert len(zalo.requests) == 2 and len(zalo.refreshes) == 1


def test_refused_refresh_falls_back_and_asks_to_reauthorise(zalo, store, caplog):
    zalo.expire_access()
    zalo.refresh_error = {"error": -14014, "error_name": "Invalid refresh token",
                          "error_description": "Refresh token is expired"}
    ok, plugin = send(zalo.zns_url())
    assert not ok
    assert plugin.failure.action is Action.FALLBACK and plugin.failure.code == -14014
    assert "re-authorise" in plugin.failure.message and "Refresh token is expired" in plugin.failure.message
    assert "`obligations zalo authorize --access-token ... --refresh-token ...`" in plugin.failure.message
    assert len(zalo.requests) == 1  # not retried without a token
    assert store.load().refresh_token == zalo._refresh(0)  # store untouched
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "re-authorise" in r.getMessage()]
    assert errors and "****" in errors[0].getMessage()


def test_two_workers_refresh_exactly_once(zalo, store):
    zalo.expire_access()
    zalo.refresh_gate = zalo.stale_seen  # OAuth answers once both workers have been told the token is invalid
    results = []

    def worker():
        results.append(send(zalo.oa_url()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert zalo.stale_seen.is_set()
    assert [ok for ok, _ in results] == [True, True], [p.failure for _, p in results]
    assert len(zalo.refreshes) == 1
    assert zalo.refresh_used == [zalo._refresh(0)]
    assert sorted(r["token"] for r in zalo.requests) == [zalo._access(0)] * 2 + [zalo._access(1)] * 2
    assert store.load().refresh_token == zalo._refresh(1)


OA_ERRORS = [
    (-213, "User has not followed OA", Action.FALLBACK),
    (-230, "User has not interacted with the OA in the last 7 days", Action.FALLBACK),
    (-232, "User has not interacted with the OA", Action.FALLBACK),
    (-201, "Parameters are invalid", Action.DEAD),
    (-211, "Out of quota", Action.LATER),
    (-218, "Out of quota for this type of message", Action.LATER),
    (-32, "Exceeded request limit", Action.RETRY),
    (-234, "Messages cannot be sent at night", Action.HOLD),
    (-999, "Something new went wrong", Action.RETRY),
]
ZNS_ERRORS = [
    (-108, "Phone number is invalid", Action.DEAD),
    (-109, "Template ID is invalid", Action.DEAD),
    (-111, "Template data is invalid", Action.DEAD),
    (-201, "Parameters are invalid", Action.DEAD),
    (-144, "Out of daily quota", Action.LATER),
    (-133, "Sending at night is not allowed", Action.HOLD),
    (-32, "Exceeded request limit", Action.RETRY),
]


@pytest.mark.parametrize("kind, code, message, action",
                         [("oa", *e) for e in OA_ERRORS] + [("zns", *e) for e in ZNS_ERRORS])
def test_error_codes(zalo, kind, code, message, action):
    zalo.answers[kind].append((200, {"error": code, "message": message}))
    ok, plugin = send(zalo.oa_url() if kind == "oa" else zalo.zns_url())
    assert not ok
    assert plugin.failure.action is action
    assert plugin.failure.code == code
    assert message in plugin.failure.message
    assert plugin.last_message_id is None
    assert len(zalo.requests) == 1 and zalo.refreshes == []  # none of these is retried in the plugin


@pytest.mark.parametrize("status, payload, action", [
    (500, {"error": -1, "message": "Internal error"}, Action.RETRY),
    (502, "<html>Bad gateway</html>", Action.RETRY),
    (404, "<html>Not found</html>", Action.DEAD),
    (400, {"error": -201, "message": "Parameters are invalid"}, Action.DEAD),
    (200, "<html>a captive portal</html>", Action.RETRY),
])
def test_http_failures(zalo, status, payload, action):
    zalo.answers["oa"].append((status, payload))
    ok, plugin = send(zalo.oa_url())
    assert not ok and plugin.failure.action is action


def test_timeout_and_connection_errors_are_retried(zalo):
    zalo.sleep = 0.5
    ok, plugin = send(zalo.oa_url(rto="0.2"))
    assert not ok and plugin.failure.action is Action.RETRY and "no answer" in plugin.failure.message
    zalo.sleep = 0
    closed = zalo.oa_url(api="http://127.0.0.1:9")
    ok, plugin = send(closed)
    assert not ok and plugin.failure.action is Action.RETRY and "cannot reach" in plugin.failure.message
    time.sleep(0.4)  # let the slow handler finish before the server is cleared


def test_empty_token_store_falls_back(zalo, store):
    with store.engine.begin() as connection:
        connection.execute(ZaloToken.__table__.delete())
    ok, plugin = send(zalo.oa_url())
    assert not ok and plugin.failure.action is Action.FALLBACK and "re-authorise" in plugin.failure.message
    assert zalo.requests == []


def test_failure_is_cleared_after_a_success(zalo):
    zalo.answers["oa"].append((200, {"error": -32, "message": "Exceeded request limit"}))
    plugin = apprise.Apprise.instantiate(zalo.oa_url())
    assert not plugin.notify(body="a") and plugin.failure.action is Action.RETRY
    assert plugin.notify(body="a") and plugin.failure is None and plugin.last_message_id == "mid-2"


# --- ZNS ---------------------------------------------------------------------------------------


def test_zns_success(zalo):
    url = zalo.zns_url("", to="0914 372 608", mode="development",
                       **{":ten": "Nguyễn Hoàng Anh Thư", ":han": "15/12/2026", ":MaBaoCao": "III.6.4"})
    ok, plugin = send(url)
    assert ok and plugin.failure is None and plugin.last_message_id == "zns-1"
    (request,) = zalo.requests
    body = request["body"]
    assert body == {"phone": PHONE, "template_id": TEMPLATE, "mode": "development", "tracking_id": body["tracking_id"],
                    "template_data": {"ten": "Nguyễn Hoàng Anh Thư", "han": "15/12/2026", "MaBaoCao": "III.6.4"}}
    assert 0 < len(body["tracking_id"]) <= 48
    # The default tracking id is stable for the same message, and differs for other data.
    send(url)
    assert zalo.requests[1]["body"]["tracking_id"] == body["tracking_id"]
    send(zalo.zns_url(**{":ten": "Lê Quốc Bảo"}))
    assert zalo.requests[2]["body"]["tracking_id"] != body["tracking_id"]
    assert "mode" not in zalo.requests[2]["body"]


def test_zns_tracking_id_from_the_url(zalo):
    ok, _ = send(zalo.zns_url(tracking="notification-812"))
    assert ok and zalo.requests[0]["body"]["tracking_id"] == "notification-812"
