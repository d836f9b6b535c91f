"""``maildir://`` — the embedded default channel: every message becomes an .eml file in a maildir.

Nothing needs a mail server to try the engine; any mail client (mutt -f, Thunderbird's "import")
reads the folder. URL forms: ``maildir://var/maildir`` (relative to the working directory) or
``maildir:///srv/obligations/maildir`` (absolute), with ``?to=addr&from=addr&channel=name``.
"""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email import base64mime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from apprise import NotifyFormat, NotifyType
from apprise.conversion import convert_between
from apprise.plugins.base import NotifyBase

from obligations.notifications.message_id import current as current_message_id
from obligations.notifications.message_id import current_date, current_kind, current_text

# An encoded word holds at most 75 characters (RFC 2047): 45 bytes of UTF-8 are 60 in base64, 72 in all.
_WORD_BYTES = 45


def encoded_words(value: str) -> str:
    """``value`` as RFC 2047 encoded words (UTF-8, base64), whole characters in each, on one line."""
    words, chunk, size = [], [], 0
    for character in value:
        width = len(character.encode())
        if size + width > _WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(character)
        size += width
    words.append("".join(chunk))
    return " ".join(base64mime.header_encode(word, "utf-8") for word in words)


class EncodedHeader(str):
    """A header's value encoded once (:func:`encoded_words`): a value with a ``name`` is a header object to
    ``email.policy.EmailPolicy``, stored as it is and asked to ``fold`` itself. The package's own folding
    re-parsed every encoded word of a Vietnamese subject: 2 ms of a message's 3, which the sending
    threads spent holding the interpreter."""

    def __new__(cls, name: str, value: str) -> EncodedHeader:
        encoded = super().__new__(cls, encoded_words(value))
        encoded.name = name
        return encoded

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


class NotifyMaildir(NotifyBase):
    service_name = "Maildir"
    protocol = "maildir"
    secure_protocol = "maildir"
    setup_url = "https://en.wikipedia.org/wiki/Maildir"
    title_maxlen = 998
    body_maxlen = 1_000_000
    # Like apprise's email plugin: HTML becomes multipart/alternative, text stays text.
    notify_format = (NotifyFormat.HTML, NotifyFormat.TEXT)

    def __init__(self, directory: str, to: str | None = None, sender: str | None = None,
                 channel: str | None = None, reply_to: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.directory = directory
        self.to = to
        self.sender = sender or "nhacviec@example.org"
        self.channel = channel
        self.reply_to = reply_to

    def send(self, body, title="", notify_type=NotifyType.INFO, body_format=None, **kwargs) -> bool:
        message = EmailMessage()
        subject = title or "(không tiêu đề)"
        message["Subject"] = subject if subject.isascii() else EncodedHeader("Subject", subject)
        message["From"] = self.sender
        if self.to:
            message["To"] = self.to
        # The dispatch's moment when it gave one (a replay's simulated time), as email does.
        sent_at = current_date()
        message["Date"] = format_datetime(sent_at if sent_at is not None else datetime.now(UTC))
        message["Message-ID"] = current_message_id() or make_msgid(domain="obligations.local")
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        if self.channel:
            message["X-Obligations-Channel"] = self.channel
        if current_kind():
            message["X-Obligations-Kind"] = current_kind()
        # 8bit keeps the Vietnamese readable in the file itself; a maildir never crosses SMTP.
        if self.resolve_format(body_format) == NotifyFormat.HTML:
            # The text written for the plain part, as apprise's email plugin sends it (message_id.install).
            text = current_text() or convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, body)
            message.set_content(text, cte="8bit")
            message.add_alternative(body, subtype="html", cte="8bit")
        else:
            message.set_content(body, cte="8bit")
        try:
            for sub in ("tmp", "new", "cur"):
                (Path(self.directory) / sub).mkdir(parents=True, exist_ok=True)
            box = mailbox.Maildir(Path(self.directory), create=False)
            box.add(message)
            box.close()
        except OSError as exc:
            self.logger.warning("Maildir %s: cannot write the message: %s", self.directory, exc)
            return False
        return True

    def url(self, privacy=False, *args, **kwargs) -> str:
        params = {}
        if self.to:
            params["to"] = self.to
        if self.channel:
            params["channel"] = self.channel
        query = "&".join(f"{k}={NotifyMaildir.quote(v, safe='@')}" for k, v in params.items())
        return f"maildir://{self.directory}" + (f"?{query}" if query else "")

    @property
    def url_identifier(self):
        return (self.protocol, self.directory)

    @staticmethod
    def parse_url(url):
        results = NotifyBase.parse_url(url, verify_host=False)
        if not results:
            return results
        # apprise reads the first path segment as a host; the folder is everything before the query.
        directory = url.split("://", 1)[1].split("?", 1)[0]
        if not directory:
            return None
        results["directory"] = NotifyMaildir.unquote(directory)
        qsd = results["qsd"]
        results["to"] = NotifyMaildir.unquote(qsd["to"]) if qsd.get("to") else None
        results["sender"] = NotifyMaildir.unquote(qsd["from"]) if qsd.get("from") else None
        results["channel"] = qsd.get("channel")
        results["reply_to"] = NotifyMaildir.unquote(qsd["reply"]) if qsd.get("reply") else None
        return results
