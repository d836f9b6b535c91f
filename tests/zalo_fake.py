"""A stand-in for Zalo on loopback: the OA API, the ZNS API and OAuth v4, checking requests like Zalo does.

Shared by the plugin tests and the dispatch tests. One server answers all three (passed as both
``api=`` and ``oauth=``); it rotates the single-use refresh token and records every request.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from urllib.parse import quote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from werkzeug.serving import WSGIRequestHandler

from obligations.notifications.zalo_tokens import DbTokenStore, TokenPair

APP_ID = "2748371956125409813"
SECRET = "Zq8s3cr3t/K+y@odd:Xw"
USER_ID = "4127730915862047315"
PHONE = "84914372608"
TEMPLATE = "231875"
OA_PATH = "/v3.0/oa/message/cs"
ZNS_PATH = "/message/template"
OAUTH_PATH = "/v4/oa/access_token"


class KeepUnderscoreHeaders(WSGIRequestHandler):
    """Zalo's headers have underscores (``access_token``, ``secret_key``) and Zalo's servers read them.

    werkzeug's development server drops such headers (as nginx does by default), so this handler
    puts them back into the WSGI environ, where ``request.headers`` finds them.
    """

    def make_environ(self):
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ["HTTP_" + key.upper().replace("-", "_")] = value
        return environ


def _json(payload: dict, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class FakeZalo:
    """Zalo as far as our plugins meet it: OA API, ZNS API and OAuth v4, on one loopback server."""

    TOKEN_ERROR = {"oa": -216, "zns": -124}

    def __init__(self, server: HTTPServer, store: DbTokenStore) -> None:
        self.server = server
        self.base = server.url_for("/").rstrip("/")
        self.store = store
        self.lock = threading.Lock()
        self.issued = 0
        self.access_ok = {self._access(0)}
        self.refresh_ok = self._refresh(0)
        self.refresh_used: list[str] = []
        self.refresh_helps = True
        self.refresh_error: dict | None = None
        self.refresh_gate: threading.Event | None = None
        self.answers = {"oa": deque(), "zns": deque()}
        self.requests: list[dict] = []  # accepted-shape requests to the message APIs
        self.refreshes: list[dict] = []
        self.violations: list[str] = []
        self.stale_requests = 0
        self.stale_seen = threading.Event()
        self.sleep = 0.0
        server.expect_request(OA_PATH).respond_with_handler(lambda r: self._message("oa", r))
        server.expect_request(ZNS_PATH).respond_with_handler(lambda r: self._message("zns", r))
        server.expect_request(OAUTH_PATH).respond_with_handler(self._oauth)
        store.replace(TokenPair(self._access(0), self._refresh(0), None), "authorize:test")

    @staticmethod
    def _access(n: int) -> str:
        return f"AT{n}-kH7pQ2xVbN4mZr8tLw"

    @staticmethod
    def _refresh(n: int) -> str:
        return f"RT{n}-Yc5jUe9sFa3gDp6vKo"

    @property
    def secrets(self) -> list[str]:
        tokens = [self._access(n) for n in range(self.issued + 1)] + [self._refresh(n) for n in range(self.issued + 1)]
        return [SECRET, quote(SECRET, safe=""), *tokens]

    def expire_access(self) -> None:
        self.access_ok.clear()

    def oa_url(self, target: str = USER_ID, **params: str) -> str:
        return self._url("zalo", f"/{target}" if target else "", params)

    def zns_url(self, target: str = PHONE, **params: str) -> str:
        params = {"template": TEMPLATE, **params}
        return self._url("zns", f"/{quote(target, safe='')}" if target else "", params)

    def _url(self, scheme: str, path: str, params: dict[str, str]) -> str:
        # No store=: the plugins' default, the database of the settings in force (the token row's).
        query = {"api": self.base, "oauth": self.base, **params}
        encoded = "&".join(f"{k}={quote(v, safe='/:')}" for k, v in query.items())
        return f"{scheme}://{APP_ID}:{quote(SECRET, safe='')}@oa{path}?{encoded}"

    # --- handlers ---------------------------------------------------------------------------

    def _violation(self, kind: str, problem: str) -> Response:
        self.violations.append(f"{kind}: {problem}")
        code = {"oa": -201, "zns": -111, "oauth": -14002}[kind]
        if kind == "oauth":
            return _json({"error": code, "error_name": "Invalid parameter", "error_description": problem})
        return _json({"error": code, "message": f"Invalid parameter: {problem}"})

    def _message(self, kind: str, request: Request) -> Response:
        if self.sleep:
            time.sleep(self.sleep)
        if request.method != "POST":
            return self._violation(kind, f"method {request.method}")
        if request.headers.get("Content-Type") != "application/json":
            return self._violation(kind, f"Content-Type {request.headers.get('Content-Type')}")
        if "Authorization" in request.headers:
            return self._violation(kind, "an Authorization header")
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError:
            return self._violation(kind, "body is not JSON")
        problem = self._check_oa(body) if kind == "oa" else self._check_zns(body)
        if problem:
            return self._violation(kind, problem)
        token = request.headers.get("access_token")
        with self.lock:
            self.requests.append({"kind": kind, "token": token, "body": body, "store": self.store.load()})
            if token not in self.access_ok:
                self.stale_requests += 1
                if self.stale_requests >= 2:
                    self.stale_seen.set()
                return _json({"error": self.TOKEN_ERROR[kind], "message": "Access token is invalid"})
            answer = self.answers[kind].popleft() if self.answers[kind] else None
        if answer is not None:
            status, payload = answer
            if isinstance(payload, dict):
                return _json(payload, status)
            return Response(payload, status=status, content_type="text/html")
        n = len(self.requests)
        if kind == "oa":
            data = {"message_id": f"mid-{n}", "user_id": body["recipient"]["user_id"], "sent_time": "1765780000000"}
        else:
            data = {"msg_id": f"zns-{n}", "sent_time": "1765780000000", "sending_mode": "1",
                    "quota": {"dailyQuota": "500", "remainingQuota": "499"}}
        return _json({"error": 0, "message": "Success", "data": data})

    @staticmethod
    def _check_oa(body) -> str | None:
        if not isinstance(body, dict) or set(body) != {"recipient", "message"}:
            return f"keys {sorted(body) if isinstance(body, dict) else body!r}"
        recipient, message = body["recipient"], body["message"]
        if not isinstance(recipient, dict) or set(recipient) != {"user_id"}:
            return "recipient"
        if not isinstance(recipient["user_id"], str) or not recipient["user_id"].isdigit():
            return "user_id"
        if not isinstance(message, dict) or set(message) != {"text"}:
            return "message"
        if not isinstance(message["text"], str) or not 0 < len(message["text"]) <= 2000:
            return "text length"
        return None

    @staticmethod
    def _check_zns(body) -> str | None:
        if not isinstance(body, dict):
            return "body"
        required = {"phone", "template_id", "template_data", "tracking_id"}
        if not required <= set(body) <= required | {"mode"}:
            return f"keys {sorted(body)}"
        if not isinstance(body["phone"], str) or not re.fullmatch(r"84\d{9}", body["phone"]):
            return "phone"
        if not isinstance(body["template_id"], str) or not body["template_id"]:
            return "template_id"
        data = body["template_data"]
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            return "template_data"
        if not isinstance(body["tracking_id"], str) or not 0 < len(body["tracking_id"]) <= 48:
            return "tracking_id"
        if "mode" in body and body["mode"] != "development":
            return "mode"
        return None

    def _oauth(self, request: Request) -> Response:
        if request.method != "POST":
            return self._violation("oauth", f"method {request.method}")
        if request.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self._violation("oauth", f"Content-Type {request.headers.get('Content-Type')}")
        if request.headers.get("secret_key") != SECRET:
            return self._violation("oauth", "secret_key header")
        if "access_token" in request.headers:
            return self._violation("oauth", "an access_token header")
        form = request.form.to_dict()
        if set(form) != {"app_id", "refresh_token", "grant_type"}:
            return self._violation("oauth", f"form keys {sorted(form)}")
        if form["app_id"] != APP_ID or form["grant_type"] != "refresh_token":
            return self._violation("oauth", "app_id or grant_type")
        if self.refresh_gate is not None:
            self.refresh_gate.wait(timeout=3)
        with self.lock:
            token = form["refresh_token"]
            self.refreshes.append({"refresh_token": token, "store": self.store.load()})
            if self.refresh_error is not None:
                return _json(self.refresh_error)
            if token in self.refresh_used or token != self.refresh_ok:
                self.refresh_used.append(token)
                return _json({"error": -14014, "error_name": "Invalid refresh token",
                              "error_description": "The refresh token is invalid or has been used"})
            self.refresh_used.append(token)
            self.issued += 1
            self.refresh_ok = self._refresh(self.issued)
            if self.refresh_helps:
                self.access_ok = {self._access(self.issued)}
            return _json({"access_token": self._access(self.issued), "refresh_token": self._refresh(self.issued),
                          "expires_in": "90000"})
