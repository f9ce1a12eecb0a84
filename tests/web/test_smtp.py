"""Password-reset e-mail goes out through a real SMTP conversation when an SMTP server is set."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest
from django.test import Client

from accord.apps.accounts.models import User


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept messages and keep them."""

    received: list[str]

    def handle(self) -> None:
        self.wfile.write(b"220 sink ready\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 sink\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                self.server.received.append("".join(body))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink() -> Iterator[tuple[int, list[str]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_password_reset_is_sent_by_smtp(
    settings: pytest.FixtureRequest, smtp_sink: tuple[int, list[str]], ig_officer: User
) -> None:
    port, received = smtp_sink
    settings.MAILERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    response = Client().post("/account/password/reset/", {"email": ig_officer.email})
    assert response.status_code == 302
    assert len(received) == 1
    assert f"To: {ig_officer.email}" in received[0]
    assert "/account/password/reset/" in received[0]
