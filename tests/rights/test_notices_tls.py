"""Notices over TLS: STARTTLS with AUTH against a real SMTP server on loopback (aiosmtpd),
whose self-signed certificate the test trusts; and how ``TRAQ_SMTP_URL`` is read."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine

from services.errors import SmtpConfigError
from services.notices import deliver_pending, smtp_settings
from services.rights import file_request, load_actor
from tests.rights.conftest import Org
from tests.rights.test_notices import NOW, Inbox, _accept_traq, _free_port, _setup


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files in ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = datetime.now(UTC) - timedelta(hours=1)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[Inbox, int, ssl.SSLContext]]:
    """A loopback SMTP server that demands STARTTLS before AUTH, and a client context."""
    cert_file, key_file = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    inbox, port = Inbox(), _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=server_context,
        require_starttls=True, authenticator=_accept_traq, auth_required=True,
    )  # fmt: skip
    controller.start()
    yield inbox, port, ssl.create_default_context(cafile=str(cert_file))
    controller.stop()


def test_notices_go_through_starttls_with_a_login(
    engine: Engine, org: Org, tls_smtp: tuple[Inbox, int, ssl.SSLContext]
) -> None:
    inbox, port, client_context = tls_smtp
    _setup(engine, org)
    with engine.begin() as c:
        file_request(c, load_actor(c, "alice"), org.alice, "access", NOW)
    url = f"smtp://traq:s3cret@127.0.0.1:{port}?starttls=1"
    report = deliver_pending(engine, smtp_settings({"TRAQ_SMTP_URL": url}), NOW, client_context)
    assert (report.sent, report.failed) == (1, 0)
    assert [m["To"] for m in inbox.messages] == ["alice@example.org"]


def test_without_starttls_the_server_refuses_and_the_notice_waits(
    engine: Engine, org: Org, tls_smtp: tuple[Inbox, int, ssl.SSLContext]
) -> None:
    inbox, port, _ = tls_smtp
    _setup(engine, org)
    with engine.begin() as c:
        file_request(c, load_actor(c, "alice"), org.alice, "access", NOW)
    url = f"smtp://traq:s3cret@127.0.0.1:{port}"
    report = deliver_pending(engine, smtp_settings({"TRAQ_SMTP_URL": url}), NOW)
    assert (report.sent, report.failed) == (0, 1)
    assert inbox.messages == []


def test_the_smtp_url_is_read_with_its_defaults_and_encoded_credentials() -> None:
    smtps = smtp_settings({"TRAQ_SMTP_URL": "smtps://mail%40corp:p%3Ass@mail.example"})
    assert smtps is not None
    assert (smtps.host, smtps.port, smtps.tls, smtps.starttls) == ("mail.example", 465, True, False)
    assert (smtps.username, smtps.password) == ("mail@corp", "p:ss")
    plain = smtp_settings({"TRAQ_SMTP_URL": "smtp://relay?starttls=1", "TRAQ_SMTP_FROM": "d@x"})
    assert plain is not None
    assert (plain.port, plain.starttls, plain.username, plain.sender) == (25, True, None, "d@x")
    assert smtp_settings({"TRAQ_SMTP_URL": "  "}) is None


def test_notices_go_through_smtps_from_the_first_byte(
    engine: Engine, org: Org, tmp_path: Path
) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_context)
    _setup(engine, org)
    with engine.begin() as c:
        file_request(c, load_actor(c, "alice"), org.alice, "access", NOW)
    settings = smtp_settings({"TRAQ_SMTP_URL": f"smtps://127.0.0.1:{port}"})
    controller.start()
    try:
        report = deliver_pending(
            engine, settings, NOW, ssl.create_default_context(cafile=str(cert_file))
        )
    finally:
        controller.stop()
    assert (report.sent, report.failed) == (1, 0)
    assert [m["To"] for m in inbox.messages] == ["alice@example.org"]


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_a_malformed_smtp_url_is_refused_with_the_expected_form(url: str) -> None:
    with pytest.raises(SmtpConfigError, match=r"smtp://\[user:password@\]host"):
        smtp_settings({"TRAQ_SMTP_URL": url})
