"""Transports against a real SMTP server (aiosmtpd) and the .eml directory."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from mail_fixtures import free_port

from emails.render import render
from emails.smtp import (
    EmlTransport,
    PermanentFailure,
    SmtpConfig,
    SmtpTransport,
    TemporaryFailure,
)


def message(to: str, message_id: str = "<t1@samling.local>") -> EmailMessage:
    return render(
        "login_link",
        "nb",
        {"name": "Kari", "url": "https://x/l", "minutes": 15},
        recipient=to,
        message_id=message_id,
        mail_from="Samling <noreply@samling.example>",
        base_url="https://x",
    )


async def send(transport, to: str, n: int = 1) -> None:
    await transport.send(
        message(to, f"<t{n}@samling.local>"),
        sender="noreply@samling.example",
        recipients=[to],
        outbox_id=n,
    )


def test_smtp_urls():
    plain = SmtpConfig.from_url("smtp://mail.example:2525")
    assert (plain.host, plain.port, plain.use_tls, plain.start_tls) == (
        "mail.example",
        2525,
        False,
        False,
    )
    assert plain.username is None and plain.password is None
    starttls = SmtpConfig.from_url("smtp+starttls://user%40kommune.no:p%C3%A5ss%3Aw@relay:587")
    assert (starttls.use_tls, starttls.start_tls, starttls.port) == (False, True, 587)
    assert starttls.username == "user@kommune.no"
    assert starttls.password == "påss:w"
    implicit = SmtpConfig.from_url("smtps://u:p@relay")
    assert (implicit.use_tls, implicit.start_tls, implicit.port) == (True, False, 465)
    assert SmtpConfig.from_url("smtp://relay").port == 25
    with pytest.raises(ValueError):
        SmtpConfig.from_url("http://relay")


async def test_one_connection_is_reused_for_many_messages(smtp_sink):
    transport = SmtpTransport(SmtpConfig.from_url(smtp_sink.url))
    try:
        for n in range(5):
            await send(transport, "a@example.no", n)
    finally:
        await transport.aclose()
    assert len(smtp_sink.to("a@example.no")) == 5
    assert smtp_sink.connections_opened == 1


async def test_4xx_is_temporary_5xx_permanent_and_the_next_message_reconnects(smtp_sink):
    smtp_sink.answer("grey@example.no", "451 4.7.1 Greylisted, try again later", times=1)
    smtp_sink.answer("nobody@example.no", "550 5.1.1 No such mailbox")
    smtp_sink.answer("full@example.no", "452 4.2.2 Mailbox full", stage="DATA", times=1)
    smtp_sink.answer("spam@example.no", "554 5.7.1 Rejected as spam", stage="DATA")
    transport = SmtpTransport(SmtpConfig.from_url(smtp_sink.url))
    try:
        with pytest.raises(TemporaryFailure, match=r"451 4\.7\.1 Greylisted"):
            await send(transport, "grey@example.no")
        with pytest.raises(PermanentFailure, match=r"550 5\.1\.1 No such mailbox"):
            await send(transport, "nobody@example.no")
        with pytest.raises(TemporaryFailure, match=r"452 4\.2\.2 Mailbox full"):
            await send(transport, "full@example.no")
        with pytest.raises(PermanentFailure, match=r"554 5\.7\.1"):
            await send(transport, "spam@example.no")
        await send(transport, "grey@example.no")
        await send(transport, "ok@example.no")
    finally:
        await transport.aclose()
    assert len(smtp_sink.to("grey@example.no")) == 1
    assert len(smtp_sink.to("ok@example.no")) == 1
    assert smtp_sink.to("nobody@example.no") == []
    # A failed connection is dropped; the next message opens a new one and keeps it.
    assert smtp_sink.connections_opened == 5


async def test_unreachable_server_is_temporary():
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{free_port()}"))
    with pytest.raises(TemporaryFailure):
        await send(transport, "a@example.no")
    await transport.aclose()


async def test_a_slow_server_hits_the_overall_timeout(smtp_sink):
    smtp_sink.delay_s = 2.0
    transport = SmtpTransport(SmtpConfig.from_url(smtp_sink.url), send_timeout_s=0.3)
    with pytest.raises(TemporaryFailure, match="timed out"):
        await send(transport, "slow@example.no")
    await transport.aclose()


async def test_server_restart_between_messages(make_sink):
    sink = make_sink()
    transport = SmtpTransport(SmtpConfig.from_url(sink.url))
    await send(transport, "a@example.no", 1)
    sink.stop()
    sink.start()
    # The kept connection is dead: the message fails temporarily or goes out on a new
    # connection; either way the one after it is delivered.
    try:
        await send(transport, "a@example.no", 2)
    except TemporaryFailure:
        pass
    await send(transport, "a@example.no", 3)
    await transport.aclose()
    assert "<t3@samling.local>" in {m.message_id for m in sink.messages}


async def test_eml_files_are_written_whole_and_named_by_time_and_id(tmp_path):
    transport = EmlTransport(tmp_path / "mail")
    for n in (7, 8):
        await send(transport, "a@example.no", n)
    files = sorted((tmp_path / "mail").iterdir())
    assert [f.name[-12:] for f in files] == ["00000007.eml", "00000008.eml"]
    assert all(not f.name.startswith(".tmp") for f in files)
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == "<t7@samling.local>"
    assert parsed["To"].addresses[0].addr_spec == "a@example.no"
    assert files[0].name < files[1].name
