"""A real SMTP server on loopback (aiosmtpd) that requires a login, and can be stopped and started again."""

from __future__ import annotations

import socket
import warnings
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "nhacviec", "s3cret-Pa55-smtp"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackSMTP:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"mailto://{USER}:{PASSWORD}@127.0.0.1:{self.port}?from=nhacviec@example.org&name=Sở Ngoại vụ Khánh Hòa"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    @staticmethod
    def _authenticate(server, session, envelope, mechanism, data) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok)

    def start(self) -> LoopbackSMTP:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # login without TLS is fine on loopback
            self.controller = Controller(
                self, hostname="127.0.0.1", port=self.port, authenticator=self._authenticate,
                auth_required=True, auth_require_tls=False,
            )
            self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
