"""Send the outbox through SMTP (``TRAQ_SMTP_URL``), outside any transaction.

``TRAQ_SMTP_URL`` is ``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://...``
(TLS from the start, port 465 by default); ``TRAQ_SMTP_FROM`` is the sender (default
``traqnext@localhost``). Unset: nothing is sent and the outbox is the DPO's to read. A
failure is recorded on the notice and tried again at the next delivery, up to five times;
it never reaches the change that queued the notice.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import Engine

from services.errors import SmtpConfigError
from storage.notices import Notice, mark_failed, mark_sent, recent, unsent

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps)
    starttls: bool
    username: str | None
    password: str | None
    sender: str


@dataclass
class DeliveryReport:
    """What one delivery did."""

    sent: int = 0
    failed: int = 0


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """The SMTP settings from ``env``; None when ``TRAQ_SMTP_URL`` is unset."""
    url = env.get("TRAQ_SMTP_URL", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SmtpConfigError("TRAQ_SMTP_URL must be smtp://[user:password@]host[:port]")
    tls = parts.scheme == "smtps"
    query = parse_qs(parts.query)
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        tls=tls,
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=env.get("TRAQ_SMTP_FROM", "traqnext@localhost"),
    )


def _message(notice: Notice, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, notice.recipient, notice.subject
    message.set_content(notice.body)
    return message


def _connect(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    if settings.tls:
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    if settings.starttls:
        server.starttls(context=context)
    return server


def deliver_pending(
    engine: Engine,
    settings: SmtpSettings | None,
    now: datetime,
    context: ssl.SSLContext | None = None,
) -> DeliveryReport:
    """Send every unsent notice (one connection for all); record each outcome."""
    report = DeliveryReport()
    if settings is None:
        return report
    with engine.connect() as connection:
        waiting = unsent(connection)
    if not waiting:
        return report
    outcomes: list[tuple[int, str | None]] = []
    try:
        with _connect(settings, context) as server:
            if settings.username:
                server.login(settings.username, settings.password or "")
            for notice in waiting:
                try:
                    server.send_message(_message(notice, settings.sender))
                    outcomes.append((notice.id, None))
                except smtplib.SMTPException as exc:  # this recipient only
                    outcomes.append((notice.id, str(exc)))
    except (OSError, smtplib.SMTPException) as exc:  # no server: every notice waits
        tried = {notice_id for notice_id, _ in outcomes}
        outcomes += [(n.id, f"{type(exc).__name__}: {exc}") for n in waiting if n.id not in tried]
    with engine.begin() as connection:
        for notice_id, error in outcomes:
            if error is None:
                mark_sent(connection, notice_id, now)
                report.sent += 1
            else:
                mark_failed(connection, notice_id, error)
                report.failed += 1
    return report


def outbox(engine: Engine, limit: int = 200) -> list[Notice]:
    """The newest notices, sent or waiting (the DPO's outbox page)."""
    with engine.connect() as connection:
        return recent(connection, limit)
