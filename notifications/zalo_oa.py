"""``zalo://`` — a Zalo Official Account customer-service message to a follower's user id.

URL (the whole configuration; the tokens live in the database, never in the URL)::

    zalo://APP_ID:SECRET_KEY@oa/USER_ID?api=https://openapi.zalo.me&oauth=https://oauth.zaloapp.com

- ``APP_ID:SECRET_KEY``: the Zalo app that owns the OA (the secret key signs token refreshes);
  quote the secret if it holds ``/ @ : ? # %``.
- ``oa``: a label (any host name); the endpoints come from ``api=`` and ``oauth=``.
- ``USER_ID``: the follower's user id (digits); or leave the path empty and pass ``?to=USER_ID``, as
  the dispatcher does when it adds the recipient to the channel's URL.
- ``store=db``: the token store, the ``zalo_token`` row of this app in the database of the settings
  in force (``notifications.zalo_tokens.DbTokenStore``); the default, and the only value. Operators
  put a pair there with ``obligations zalo authorize``; the first may come from settings
  (``notifications.zalo_tokens.seed``).
- ``api=``, ``oauth=``: the OA API and OAuth bases; default the real Zalo hosts, so a proxy or a
  test server can stand in. Optional ``channel=`` is kept for the dispatcher and not sent.

The text sent is the title, a blank line, the body, cut to 2,000 characters with "…".
``POST {api}/v3.0/oa/message/cs`` with header ``access_token``. Failures: see ``ZaloBase``;
``self.failure`` (a ``notifications.outcome.Failure``) says what the dispatcher should do,
``self.last_message_id`` keeps Zalo's ``data.message_id`` on success.
"""

from __future__ import annotations

import re
from typing import Any

from obligations.notifications.outcome import Action
from obligations.notifications.zalo_base import ZaloBase, compose, fit

TEXT_MAX = 2000
USER_ID = re.compile(r"\d{1,32}")


class NotifyZaloOA(ZaloBase):
    service_name = "Zalo OA"
    service_url = "https://oa.zalo.me"
    protocol = "zalo"
    secure_protocol = "zalo"
    title_maxlen = 250
    body_maxlen = TEXT_MAX  # what apprise splits at, should a URL ask for ?overflow=split

    api_url = "https://openapi.zalo.me"
    api_path = "/v3.0/oa/message/cs"
    message_id_field = "message_id"
    token_errors = frozenset({-216, -220})
    error_actions = {
        -213: (Action.FALLBACK, "the user does not follow the OA"),
        -230: (Action.FALLBACK, "the user has not interacted with the OA within the allowed window"),
        -232: (Action.FALLBACK, "the user has not interacted with the OA within the allowed window"),
        -201: (Action.DEAD, "a parameter is invalid"),
        -211: (Action.LATER, "the OA is out of quota"),
        -218: (Action.LATER, "the OA is out of quota"),
        -32: (Action.RETRY, "rate limit reached"),
        -234: (Action.HOLD, "no sending at night"),
    }

    @classmethod
    def normalise_target(cls, target: str) -> str | None:
        target = (target or "").strip()
        return target if USER_ID.fullmatch(target) else None

    def payload(self, body: str, title: str) -> dict[str, Any]:
        return {"recipient": {"user_id": self.target}, "message": {"text": fit(compose(title, body), TEXT_MAX)}}
