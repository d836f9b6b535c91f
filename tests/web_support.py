"""The web app on the test world (tests.world): a client, a clock the test moves, links from real
messages written by dispatch, and signing in as one of the world's contacts."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from fastapi.testclient import TestClient

from obligations.config.settings import Settings
from obligations.flows.dispatch import dispatch
from obligations.flows.runtime import Runtime
from obligations.flows.sweep import sweep
from obligations.notifications.links import SIGN_IN_SALT
from obligations.notifications.send import Message, SendResult
from obligations.web.app import create_app

SECRET = "test-secret-key-that-is-long-enough-for-hmac"
BASE = "http://testserver"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(re.escape(BASE) + r"/l/[A-Za-z0-9_.\-]+")


class Clock:
    """The app's wall clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Outbox:
    """Stands in for apprise where the app sends at once (sign-in links): keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def __call__(self, message: Message) -> SendResult:
        self.sent.append(message)
        return SendResult(True)


def web_settings(maildir: Path, **overrides) -> Settings:
    return Settings(secret_key=SECRET, public_base_url=BASE, email_url=f"maildir://{maildir}",
                    zalo_url=f"maildir://{maildir}", **overrides)


def make_client(engine, settings: Settings, clock: Clock, outbox: Outbox | None = None) -> TestClient:
    app = create_app(settings, engine=engine, clock=clock, sender=outbox or Outbox())
    return TestClient(app, base_url=BASE, follow_redirects=False)


def remind(engine, settings: Settings, moment: datetime) -> None:
    """The morning's sweep and dispatch, as the scheduled flow runs them, writing the messages to the maildir."""
    rt = Runtime(settings)
    sweep(engine, rt, moment)
    dispatch(engine, rt, moment)


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return LINK.findall(body(message))


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in_as(client: TestClient, contact_id: int, at: datetime) -> None:
    """Sign in through the one-time link, as a contact would after opening it."""
    web = client.app.state.web
    token = web.signer.sign({"c": contact_id, "n": f"t{contact_id}"}, salt=SIGN_IN_SALT, at=at)
    confirm = client.get(f"/sign-in/{token}")
    assert confirm.status_code == 200, confirm.text
    done = client.post(f"/sign-in/{token}", data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303, done.text


def contact_id(engine, given_name: str) -> int:
    """The id of the world's contact whose name ends with ``given_name`` (An, Bình, Cường, Dung, Em, Phượng)."""
    from sqlalchemy import select
    from sqlmodel import Session

    from obligations.models.tables import Contact

    with Session(engine) as session:
        names = dict(session.execute(select(Contact.name, Contact.id)).all())
    return next(i for name, i in names.items() if name.endswith(" " + given_name))

