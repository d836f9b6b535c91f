"""``zns://`` — a Zalo Notification Service (ZNS) template message to a phone number.

URL (the whole configuration; the tokens live in the database, never in the URL)::

    zns://APP_ID:SECRET_KEY@oa/PHONE?template=TEMPLATE_ID&:name=Nguyễn%20An&:due=15/12/2026
        &api=https://business.openapi.zalo.me&oauth=https://oauth.zaloapp.com[&tracking=ID][&mode=development]

- ``APP_ID:SECRET_KEY``, ``oa``, ``store=``, ``api=``, ``oauth=``, ``channel=``: as for ``zalo://``.
- ``PHONE``: a Vietnamese mobile number, ``0912345678``, ``+84912345678`` or ``84 912 345 678``
  (spaces quoted as ``%20``), sent as ``84912345678``; or leave the path empty and pass
  ``?to=PHONE``. Anything else is refused when the URL is parsed.
- ``template=``: the id of a template Zalo has approved. Required.
- ``:key=value``: the template's parameters (apprise's ``qsd:`` convention, as ``json://`` uses it),
  sent as strings in ``template_data``. Keys keep their case.
- ``tracking=``: our id for the message (at most 48 characters); default a short hash of phone,
  template and data, so the same message gets the same id on every attempt.
- ``mode=development``: send in Zalo's development mode (to the app's test numbers).

A ZNS message is the template filled with its data: apprise's title and body are not sent.
``POST {api}/message/template`` with header ``access_token``. Failures: see ``ZaloBase``;
``self.last_message_id`` keeps Zalo's ``data.msg_id`` on success.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from obligations.notifications.outcome import Action
from obligations.notifications.zalo_base import ZaloBase

TRACKING_MAX = 48
# 84 + a 9-digit mobile number (Vietnamese mobile numbers start 3, 5, 7, 8 or 9 after the 0).
PHONE = re.compile(r"(?:\+84|84|0)([35789]\d{8})")
PHONE_NOISE = re.compile(r"[\s.\-()]")
MODES = ("development", "production")


def normalise_phone(phone: str) -> str | None:
    """``0912...``, ``+84912...`` or ``84 912 ...`` as ``84912...``; None for anything else."""
    match = PHONE.fullmatch(PHONE_NOISE.sub("", phone or ""))
    return f"84{match.group(1)}" if match else None


def default_tracking_id(phone: str, template: str, data: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps([phone, template, data], sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:32]


class NotifyZNS(ZaloBase):
    service_name = "Zalo ZNS"
    service_url = "https://zalo.cloud/zns"
    protocol = "zns"
    secure_protocol = "zns"

    api_url = "https://business.openapi.zalo.me"
    api_path = "/message/template"
    message_id_field = "msg_id"
    # -124 is ZNS's (unverified) code; -216/-220 are the OA token errors, taken the same way here.
    token_errors = frozenset({-124, -216, -220})
    error_actions = {
        -108: (Action.DEAD, "the phone number is invalid"),
        -109: (Action.DEAD, "the template id is invalid"),
        -111: (Action.DEAD, "the template data is invalid"),
        # A parameter (the template data, most often) that Zalo refuses: sent again, refused again.
        -201: (Action.DEAD, "the template data or another parameter is invalid"),
        -144: (Action.LATER, "the daily ZNS quota is used up"),
        -32: (Action.RETRY, "rate limit reached"),
        -133: (Action.HOLD, "no sending at night"),
    }

    def __init__(self, template: str | None = None, template_data: dict[str, Any] | None = None,
                 tracking: str | None = None, mode: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.template = (template or "").strip()
        if not self.template:
            raise TypeError(f"{self.service_name}: the URL needs ?template=TEMPLATE_ID")
        self.template_data = {str(k): str(v) for k, v in (template_data or {}).items()}
        self.tracking = (tracking or "").strip() or None
        if self.tracking and len(self.tracking) > TRACKING_MAX:
            raise TypeError(f"{self.service_name}: tracking= is longer than {TRACKING_MAX} characters")
        self.mode = (mode or "").strip().lower() or None
        if self.mode not in (None, *MODES):
            raise TypeError(f"{self.service_name}: mode= must be development or production")

    @property
    def tracking_id(self) -> str:
        return self.tracking or default_tracking_id(self.target, self.template, self.template_data)

    @classmethod
    def normalise_target(cls, target: str) -> str | None:
        return normalise_phone(target)

    def payload(self, body: str, title: str) -> dict[str, Any]:
        payload = {"phone": self.target, "template_id": self.template, "template_data": dict(self.template_data),
                   "tracking_id": self.tracking_id}
        if self.mode == "development":
            payload["mode"] = "development"
        return payload

    def extra_url_params(self) -> dict[str, str]:
        params = {"template": self.template}
        if self.tracking:
            params["tracking"] = self.tracking
        if self.mode:
            params["mode"] = self.mode
        params.update({f":{key}": value for key, value in self.template_data.items()})
        return params

    @classmethod
    def parse_extra(cls, results: dict[str, Any]) -> dict[str, Any] | None:
        qsd = results["qsd"]
        results["template"] = qsd.get("template")
        if not results["template"]:
            cls.logger.warning("%s: the URL needs ?template=TEMPLATE_ID", cls.service_name)
            return None
        results["template_data"] = dict(results["qsd:"])
        results["tracking"] = qsd.get("tracking") or None
        if results["tracking"] and len(results["tracking"]) > TRACKING_MAX:
            cls.logger.warning("%s: tracking= is longer than %d characters", cls.service_name, TRACKING_MAX)
            return None
        results["mode"] = qsd.get("mode") or None
        if results["mode"] and results["mode"].lower() not in MODES:
            cls.logger.warning("%s: mode= must be development or production", cls.service_name)
            return None
        return results
