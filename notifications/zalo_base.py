"""What the Zalo OA (``zalo://``) and ZNS (``zns://``) plugins share: the URL, tokens, POST, error mapping.

A subclass says where it posts (``api_path``), what it posts (``payload``), how its recipient is
written (``normalise_target``) and what Zalo's error codes mean for it (``token_errors``,
``error_actions``). This class does the rest:

- reads the access token from the app's row in the database (``notifications.zalo_tokens``; never
  from the URL);
- refreshes it when the row says it has expired, or when Zalo says it is invalid or expired — at
  most once a send, with the row locked, re-reading it first (another worker, on this machine or
  another, may have refreshed meanwhile), saving the new pair before using it — and retries the
  request once;
- turns Zalo's answer into ``self.failure`` (``None`` on success, else a ``Failure`` whose action
  tells the dispatcher to retry, fall back, wait or give up) and ``self.last_message_id``.

``store`` is also apprise's name for its persistent-storage switch (``?store=yes|no``); these
plugins take it as the token store instead, ``?store=db`` (the default, and the only value): the
database of the settings in force. apprise's persistent storage stays at its default. Logs carry
``self.url(privacy=True)`` only: never a token, the secret key or the full URL.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from apprise import NotifyType
from apprise.plugins.base import NotifyBase
from apprise.url import PrivacyMode

from obligations.notifications import http_sessions
from obligations.notifications.outcome import Action, Failure
from obligations.notifications.zalo_tokens import (
    DB,
    TokenPair,
    TokenStoreError,
    TokenStoreUnavailable,
    store_for,
    who,
)

OAUTH_URL = "https://oauth.zaloapp.com"
REFRESH_PATH = "/v4/oa/access_token"
REAUTHORISE = ("re-authorise the Official Account, then run "
               "`obligations zalo authorize --access-token ... --refresh-token ...`")


@dataclass(frozen=True)
class Answer:
    """A JSON answer from a Zalo API that carries an ``error`` code."""

    status: int
    code: int
    message: str
    data: dict[str, Any]


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (UTF-16 units, the stricter count), ending in "…" if cut.

    The cut falls on a space or line break when one is near the end, so no word is split.
    """
    if utf16_length(text) <= limit:
        return text
    room = limit - 1  # for the ellipsis
    used = 0
    end = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            end = index
            break
    cut = text[:end]
    boundary = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    if boundary >= room * 0.9:
        cut = cut[:boundary]
    return cut.rstrip() + "…"


def compose(title: str, body: str) -> str:
    """Title, a blank line, body (either may be empty), in NFC so Vietnamese counts as few characters."""
    parts = [part.strip() for part in (title or "", body or "") if part and part.strip()]
    return unicodedata.normalize("NFC", "\n\n".join(parts))


def _http_base(value: str | None, default: str) -> str | None:
    """An ``http(s)://host[:port][/prefix]`` base without a trailing slash, or None if malformed."""
    value = (value or default).strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    return value


class ZaloBase(NotifyBase):
    """Shared by the Zalo plugins; not registered itself."""

    setup_url = "https://developers.zalo.me/docs/official-account"
    # Zalo allows 4,000 requests a minute per app; the dispatcher paces sends, apprise need not sleep.
    request_rate_per_sec = 0
    # requests' timeout is (connect, read): ?cto= and ?rto= change them.
    socket_connect_timeout = 4.0
    socket_read_timeout = 10.0
    # Refresh a little before the stored expiry rather than waste a request on a dying token.
    refresh_margin_seconds = 300
    # How long a worker waits for another one's refresh before giving up (and retrying later).
    lock_timeout_seconds = 30.0

    # Set by subclasses.
    api_url: ClassVar[str]
    api_path: ClassVar[str]
    message_id_field: ClassVar[str]
    token_errors: ClassVar[frozenset[int]]
    error_actions: ClassVar[dict[int, tuple[Action, str]]]

    def __init__(self, target: str | None = None, token_store: str | None = None, api: str | None = None,
                 oauth: str | None = None, channel: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.failure: Failure | None = None
        self.last_message_id: str | None = None
        self.zalo_app_id = (self.user or "").strip()
        self.secret_key = self.password or ""
        if not self.zalo_app_id or not self.secret_key:
            raise TypeError(f"{self.service_name}: the URL needs APP_ID:SECRET_KEY@")
        normalised = self.normalise_target(target or "")
        if normalised is None:
            raise TypeError(f"{self.service_name}: invalid recipient {target!r}")
        self.target = normalised
        try:
            self.token_store = store_for(token_store, self.zalo_app_id)
        except ValueError as exc:
            raise TypeError(f"{self.service_name}: {exc}") from None
        self.api = _http_base(api, self.api_url)
        self.oauth = _http_base(oauth, OAUTH_URL)
        if self.api is None or self.oauth is None:
            raise TypeError(f"{self.service_name}: api= and oauth= must be http(s) URLs")
        self.channel = channel
        self.host = self.host or "oa"  # a label for the OA; the endpoints are api= and oauth=

    # --- what subclasses provide ---------------------------------------------------------------

    @classmethod
    def normalise_target(cls, target: str) -> str | None:
        raise NotImplementedError

    def payload(self, body: str, title: str) -> dict[str, Any]:
        raise NotImplementedError

    def extra_url_params(self) -> dict[str, str]:
        return {}

    @classmethod
    def parse_extra(cls, results: dict[str, Any]) -> dict[str, Any] | None:
        return results

    # --- sending -------------------------------------------------------------------------------

    def send(self, body, title="", notify_type=NotifyType.INFO, **kwargs) -> bool:
        # Should anything below raise, the dispatcher still reads a retryable failure.
        self.failure = Failure(Action.RETRY, f"{self.service_name}: the send did not complete")
        self.last_message_id = None
        failure = self._deliver(self.payload(body, title))
        self.failure = failure
        if failure is None:
            self.logger.info("%s: sent through %s (message id %s)", self.service_name,
                             self.url(privacy=True), self.last_message_id)
            return True
        self.logger.warning("%s: not sent through %s: %s -> %s", self.service_name,
                            self.url(privacy=True), failure, failure.action.value)
        return False

    def _deliver(self, payload: dict[str, Any]) -> Failure | None:
        try:
            pair = self.token_store.load()
        except TokenStoreUnavailable as exc:
            return Failure(Action.RETRY, f"{self.service_name}: {exc}")
        except TokenStoreError as exc:
            return Failure(Action.FALLBACK, f"{self.service_name}: {exc}; {REAUTHORISE}")
        if pair is None:
            return Failure(Action.FALLBACK, f"{self.service_name}: no tokens for app {self.zalo_app_id} in the "
                           f"database; {REAUTHORISE}")
        refreshed = False
        if pair.expired(self._now(), self.refresh_margin_seconds):
            pair, failure = self._refresh(pair)
            if failure is not None:
                return failure
            refreshed = True
        answer = self._post(pair.access_token, payload)
        if isinstance(answer, Answer) and answer.code in self.token_errors and not refreshed:
            pair, failure = self._refresh(pair)
            if failure is not None:
                return failure
            refreshed = True
            answer = self._post(pair.access_token, payload)
        if isinstance(answer, Failure):
            return answer
        if answer.code == 0:
            data = answer.data
            message_id = data.get(self.message_id_field)
            self.last_message_id = str(message_id) if message_id is not None else None
            return None
        if answer.code in self.token_errors:
            return Failure(Action.FALLBACK, f"{self.service_name}: the access token was refused again after a refresh "
                           f"(token refresh did not help: {answer.message}); {REAUTHORISE}", answer.code)
        action, meaning = self.error_actions.get(answer.code, (Action.RETRY, "Zalo refused the message"))
        return Failure(action, f"{self.service_name}: {meaning}: {answer.message}", answer.code)

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def _post(self, access_token: str, payload: dict[str, Any]) -> Answer | Failure:
        try:
            response = http_sessions.post(
                self.api + self.api_path,
                data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                headers={"access_token": access_token, "Content-Type": "application/json"},
                timeout=self.request_timeout,
                verify=self.verify_certificate,
                allow_redirects=False,
            )
        except requests.Timeout:
            return Failure(Action.RETRY, f"{self.service_name}: no answer within {self.socket_read_timeout:g} s")
        except requests.RequestException as exc:
            return Failure(Action.RETRY, f"{self.service_name}: cannot reach the API ({exc.__class__.__name__})")
        if response.status_code >= 500:
            return Failure(Action.RETRY, f"{self.service_name}: HTTP {response.status_code} from the API")
        answer = self._answer(response)
        if answer is None:
            if 400 <= response.status_code < 500:
                return Failure(Action.DEAD, f"{self.service_name}: HTTP {response.status_code} without a Zalo error")
            return Failure(Action.RETRY, f"{self.service_name}: HTTP {response.status_code} with no Zalo answer")
        return answer

    @staticmethod
    def _answer(response: requests.Response) -> Answer | None:
        try:
            data = response.json()
        except ValueError:
            return None
        if not isinstance(data, dict) or "error" not in data:
            return None
        try:
            code = int(data["error"])
        except (TypeError, ValueError):
            return None
        extra = data.get("data")
        return Answer(response.status_code, code, str(data.get("message") or "").strip() or "(no message)",
                      extra if isinstance(extra, dict) else {})

    # --- tokens --------------------------------------------------------------------------------

    def _refresh(self, stale: TokenPair) -> tuple[TokenPair, None] | tuple[None, Failure]:
        """A working pair: another worker's fresh one, or one from OAuth saved before it is returned."""
        fresh = None
        try:
            with self.token_store.locked(timeout=self.lock_timeout_seconds) as held:
                current = held.pair
                if current is None:
                    return None, Failure(Action.FALLBACK, f"{self.service_name}: no tokens for app "
                                         f"{self.zalo_app_id} in the database; {REAUTHORISE}")
                if current.access_token != stale.access_token:
                    self.logger.debug("%s: another worker refreshed the token; using it", self.service_name)
                    return current, None
                fresh, failure = self._request_tokens(current.refresh_token)
                if failure is not None:
                    return None, failure
                held.save(fresh, who("refresh"), self._now())
            # Committed: only now may the new pair be used.
            self.logger.info("%s: access token refreshed through %s", self.service_name, self.url(privacy=True))
            return fresh, None
        except TimeoutError:
            return None, Failure(Action.RETRY, f"{self.service_name}: the token row stayed locked by another worker")
        except TokenStoreError as exc:
            if fresh is not None:
                # The old refresh token is spent and the new one is lost with this process.
                self.logger.error("%s: refreshed tokens could not be saved (%s); %s", self.service_name, exc,
                                  REAUTHORISE)
                return None, Failure(Action.FALLBACK, f"{self.service_name}: refreshed tokens could not be saved "
                                     f"({exc}); {REAUTHORISE}")
            if isinstance(exc, TokenStoreUnavailable):
                return None, Failure(Action.RETRY, f"{self.service_name}: {exc}")
            return None, Failure(Action.FALLBACK, f"{self.service_name}: {exc}; {REAUTHORISE}")

    def _request_tokens(self, refresh_token: str) -> tuple[TokenPair, None] | tuple[None, Failure]:
        try:
            response = http_sessions.post(
                self.oauth + REFRESH_PATH,
                data={"app_id": self.zalo_app_id, "refresh_token": refresh_token, "grant_type": "refresh_token"},
                headers={"secret_key": self.secret_key, "Content-Type": "application/x-www-form-urlencoded"},
                timeout=self.request_timeout,
                verify=self.verify_certificate,
                allow_redirects=False,
            )
        except requests.Timeout:
            return None, Failure(Action.RETRY, f"{self.service_name}: token refresh: no answer within "
                                 f"{self.socket_read_timeout:g} s")
        except requests.RequestException as exc:
            return None, Failure(Action.RETRY, f"{self.service_name}: token refresh: cannot reach OAuth "
                                 f"({exc.__class__.__name__})")
        if response.status_code >= 500:
            return None, Failure(Action.RETRY, f"{self.service_name}: token refresh: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            access, refresh = data.get("access_token"), data.get("refresh_token")
            if isinstance(access, str) and access and isinstance(refresh, str) and refresh:
                return TokenPair(access, refresh, self._expiry(data.get("expires_in"))), None
        if not isinstance(data, dict) and response.status_code < 400:
            return None, Failure(Action.RETRY, f"{self.service_name}: token refresh: HTTP {response.status_code} "
                                 "with no OAuth answer")
        data = data if isinstance(data, dict) else {}
        code = data.get("error")
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        reason = " ".join(str(data.get(key) or "") for key in ("error_name", "error_description")).strip()
        reason = reason or f"HTTP {response.status_code}"
        self.logger.error("%s: token refresh refused through %s (error %s: %s); %s", self.service_name,
                          self.url(privacy=True), code, reason, REAUTHORISE)
        return None, Failure(Action.FALLBACK, f"{self.service_name}: token refresh refused ({reason}); {REAUTHORISE}",
                             code)

    def _expiry(self, expires_in: Any) -> datetime | None:
        try:
            seconds = int(str(expires_in).strip())
        except (TypeError, ValueError):
            return None
        return self._now() + timedelta(seconds=seconds) if seconds > 0 else None

    # --- URL -----------------------------------------------------------------------------------

    def url(self, privacy=False, *args, **kwargs) -> str:
        params = {"store": DB, "api": self.api, "oauth": self.oauth}
        params.update(self.extra_url_params())
        if self.channel:
            params["channel"] = self.channel
        params.update(self.url_parameters(*args, privacy=privacy, **kwargs))
        params["store"] = DB  # ours, not apprise's persistent-storage switch
        return "{schema}://{app}:{secret}@{host}/{target}?{query}".format(
            schema=self.protocol,
            app=self.quote(self.zalo_app_id, safe=""),
            secret=self.pprint(self.secret_key, privacy, mode=PrivacyMode.Secret, safe=""),
            host=self.host,
            target=self.quote(self.target, safe=""),
            query=self.urlencode(params, safe="/:"),
        )

    @property
    def url_identifier(self):
        return (self.protocol, self.zalo_app_id, self.secret_key, self.api)

    @classmethod
    def parse_url(cls, url):
        results = NotifyBase.parse_url(url)
        if not results:
            return results
        qsd = results["qsd"]
        # One recipient: a path segment, or ?to= (what the dispatcher appends to the channel's URL).
        candidates = [cls.unquote(s) for s in re.split(r"/+", results.get("fullpath") or "") if s]
        if qsd.get("to"):
            candidates.append(qsd["to"])
        targets = {cls.normalise_target(candidate) for candidate in candidates}
        if len(targets) != 1:
            cls.logger.warning("%s: the URL needs exactly one recipient (a path segment or ?to=)", cls.service_name)
            return None
        target = targets.pop()
        if target is None:
            cls.logger.warning("%s: %r is not a valid recipient", cls.service_name, candidates[0])
            return None
        results["target"] = target
        # ?store= is the token store here, not apprise's persistent-storage switch.
        results.pop("store", None)
        results["token_store"] = qsd.get("store") or DB
        if results["token_store"].strip().lower() != DB:
            cls.logger.warning("%s: store= takes only 'db' (the tokens are kept in the database; "
                               "`obligations zalo authorize` puts them there)", cls.service_name)
            return None
        for key in ("api", "oauth"):
            if qsd.get(key):
                results[key] = qsd[key]
        results["channel"] = qsd.get("channel") or None
        return cls.parse_extra(results)
