"""Outbound mail in tests: aiosmtpd on 127.0.0.1 receives what the outbox sends.

Import ``smtp_server_fixture`` and ``smtp_fixture`` into a test module (``# noqa: F401 --
fixtures``): they provide ``smtp_server`` and ``smtp``. Switch mail on in its app with
:func:`mail_on`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

import pytest
from flask import Flask

from tests.fakes.mail_servers import FakeSmtpServer

PUBLIC_BASE = "https://aduan.bonebolangokab.go.id"


@pytest.fixture(scope="session", name="smtp_server")
def smtp_server_fixture() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(name="smtp")
def smtp_fixture(smtp_server: FakeSmtpServer) -> Iterator[FakeSmtpServer]:
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def mail_on(app: Flask, smtp: FakeSmtpServer) -> Flask:
    """``app`` sending its mail to the fake SMTP server, its links under PUBLIC_BASE."""
    from channels import email

    app.config.update(smtp.config())
    app.config["PUBLIC_BASE_URL"] = PUBLIC_BASE
    email.init_app(app)
    return app


def parts(mail: Message) -> dict[str, str]:
    """The text parts of a mail by content type ("text/plain", "text/html")."""
    found = {}
    for part in mail.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found


def link_in(mail: Message, path: str) -> str:
    """The path of the one link to ``path…`` in the mail's text, also linked in its HTML."""
    texts = parts(mail)
    found = re.findall(
        re.escape(PUBLIC_BASE) + r"(" + re.escape(path) + r"[\w-]+)", texts["text/plain"]
    )
    assert len(found) == 1, texts["text/plain"]
    assert f'href="{PUBLIC_BASE}{found[0]}"' in texts["text/html"]
    return str(found[0])
