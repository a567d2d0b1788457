"""The outbox end to end with the in-process runner: a real database, a real SMTP sink."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from dataclasses import replace

import pytest
from mail_fixtures import enqueue_committed, eventually, outbox_row, wait_status

from service.db.tables import OutboxMessage
from service.db.tx import atomic
from service.outbox import service as outbox
from service.outbox.service import enqueue_mail
from tasks.jobs import Mailer, send_outbox_message, sweep
from tasks.queue import InProcessRunner, queue_lifespan, queue_status


def address(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.no"


async def test_a_committed_change_is_delivered_with_text_html_and_headers(
    smtp_sink, mail_settings, fast_policy
):
    settings = mail_settings(smtp_url=smtp_sink.url, mail_from="Samling <noreply@samling.test>")
    to = address("kari")
    async with queue_lifespan(settings, policy=fast_policy) as runner:
        assert runner.mode == "in-process"
        assert (await queue_status())["mode"] == "in-process"
        async with atomic():
            row_id = await enqueue_mail(
                "login_link",
                to,
                "en",
                {"name": "Kari Nordmann", "url": "https://samling.test/l/x", "minutes": 15},
            )
        row = await wait_status(row_id, "sent")
    assert row["attempts"] == 1 and row["sent_at"] is not None and row["last_error"] is None
    (received,) = smtp_sink.received(row["message_id"])
    assert received.mail_from == "noreply@samling.test"
    assert received.rcpt_tos == [to]
    msg = received.message
    assert msg["From"] == "Samling <noreply@samling.test>"
    assert msg["To"].addresses[0].addr_spec == to
    assert msg["Subject"] == "Your sign-in link for Samling"
    assert msg["Message-ID"] == row["message_id"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"] is not None
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and "https://samling.test/l/x" in text.get_content()
    assert html is not None and 'href="https://samling.test/l/x"' in html.get_content()


async def test_a_rolled_back_change_sends_nothing(smtp_sink, mail_settings, fast_policy):
    settings = mail_settings(smtp_url=smtp_sink.url)
    to = address("rollback")
    async with queue_lifespan(settings, policy=fast_policy):
        with pytest.raises(RuntimeError):
            async with atomic():
                await enqueue_mail("login_link", to, "nb", {"name": "X", "url": "u", "minutes": 1})
                raise RuntimeError("the change fails")
        # A later mail to someone else goes through: the queue is idle, not stuck.
        later = await enqueue_committed(address("after"))
        await wait_status(later, "sent")
    assert await OutboxMessage.count().where(OutboxMessage.recipient == to) == 0
    assert smtp_sink.to(to) == []


async def test_451_twice_then_accepted_is_delivered_exactly_once(
    smtp_sink, mail_settings, fast_policy
):
    to = address("grey")
    smtp_sink.answer(to, "451 4.7.1 Greylisted, please try again", times=2)
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=fast_policy):
        row_id = await enqueue_committed(to)
        row = await wait_status(row_id, "sent")
    assert row["attempts"] == 3
    assert len(smtp_sink.received(row["message_id"])) == 1


async def test_550_fails_at_once_and_keeps_the_reason(smtp_sink, mail_settings, fast_policy):
    to = address("nobody")
    smtp_sink.answer(to, "550 5.1.1 <nobody>: Recipient address rejected")
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=fast_policy):
        row_id = await enqueue_committed(to)
        row = await wait_status(row_id, "failed")
    assert row["attempts"] == 1
    assert "550 5.1.1" in row["last_error"] and "Recipient address rejected" in row["last_error"]
    assert smtp_sink.to(to) == []


async def test_temporary_failures_give_up_after_max_attempts(smtp_sink, mail_settings, fast_policy):
    to = address("always-busy")
    smtp_sink.answer(to, "421 4.3.2 System busy")
    policy = replace(fast_policy, max_attempts=3)
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=policy):
        row_id = await enqueue_committed(to)
        row = await wait_status(row_id, "failed")
    assert row["attempts"] == 3
    assert "421 4.3.2 System busy" in row["last_error"] and "gave up after 3" in row["last_error"]


async def test_smtp_down_during_the_change_then_back_is_delivered_after_the_sweep(
    make_sink, mail_settings, fast_policy
):
    sink = make_sink(start=False)  # nothing listens on its port yet
    settings = mail_settings(smtp_url=sink.url)
    to = address("later")
    slow_retry = replace(fast_policy, backoff_base_s=0.2, backoff_cap_s=0.2)
    async with queue_lifespan(settings, policy=slow_retry):
        row_id = await enqueue_committed(to)
        row = await wait_status(row_id, "retrying")
    # The process stopped while the server was down: the row waits in the database.
    assert row["last_error"] and "connect" in row["last_error"].lower()
    sink.start()
    row = await outbox_row(row_id)
    assert row["status"] == "retrying"
    await eventually(_due(row_id), what="the retry falling due")
    async with queue_lifespan(settings, policy=slow_retry):  # a new process: it sweeps
        row = await wait_status(row_id, "sent")
    assert len(sink.received(row["message_id"])) == 1


def _due(row_id: int):
    async def check() -> bool:
        return await outbox.due_in(row_id) == 0.0

    return check


async def test_eml_backend_without_smtp(mail_settings, fast_policy, tmp_path):
    settings = mail_settings(var_dir=tmp_path / "var")
    to = address("eml")
    async with queue_lifespan(settings, policy=fast_policy):
        row_id = await enqueue_committed(
            to, kind="account_approved", context={"name": "Ola", "url": "https://x/"}
        )
        row = await wait_status(row_id, "sent")
    files = sorted((tmp_path / "var" / "mail").glob("*.eml"))  # a leftover .tmp-*.eml shows too
    assert [f.name.endswith(f"-{row_id:08d}.eml") for f in files] == [True]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == row["message_id"]
    assert parsed["Subject"] == "Kontoen din i Samling er godkjent"


async def test_the_job_sends_a_row_once_however_often_it_runs(
    smtp_sink, mail_settings, fast_policy, held_dispatch
):
    """Five jobs for one row at once: the claim alone decides."""
    from emails.smtp import SmtpConfig, SmtpTransport

    settings = mail_settings(smtp_url=smtp_sink.url)
    row_id = await enqueue_committed(address("once"))
    assert held_dispatch.ids == [row_id]
    mailers = [
        Mailer(settings, SmtpTransport(SmtpConfig.from_url(smtp_sink.url)), fast_policy)
        for _ in range(5)
    ]
    outcomes = await asyncio.gather(*(send_outbox_message(row_id, m) for m in mailers))
    for m in mailers:
        await m.transport.aclose()
    assert sorted(o.status for o in outcomes) == ["sent"] + ["skipped"] * 4
    row = await outbox_row(row_id)
    assert len(smtp_sink.received(row["message_id"])) == 1
    again = await send_outbox_message(row_id, mailers[0])
    assert again.status == "skipped"


async def test_sweep_returns_stale_sending_rows_and_overdue_queued_rows(
    mail_settings, fast_policy, held_dispatch
):
    async with atomic():
        stale = await enqueue_mail("login_link", address("stale"), "nb", {})
        lost = await enqueue_mail("login_link", address("lost"), "nb", {})
        assert stale is not None and lost is not None
        await OutboxMessage.update(
            {OutboxMessage.status: "sending", OutboxMessage.attempts: 1}
        ).where(OutboxMessage.id == stale)
    # With a 5-minute lease, a row that just started sending is left alone.
    ids = await sweep(fast_policy)
    assert stale not in ids and lost in ids
    assert (await outbox_row(stale))["status"] == "sending"
    # Once the lease has run out (here: a zero lease), it goes back to retrying.
    ids = await sweep(replace(fast_policy, lease_s=0))
    assert stale in ids
    row = await outbox_row(stale)
    assert row["status"] == "retrying" and "lease" in row["last_error"]
    # A grace period keeps the sweep from re-dispatching rows it just dispatched.
    ids = await sweep(replace(fast_policy, grace_s=60))
    assert stale not in ids and lost not in ids
    # Out of attempts while stale: failed.
    await OutboxMessage.update(
        {OutboxMessage.status: "sending", OutboxMessage.attempts: fast_policy.max_attempts}
    ).where(OutboxMessage.id == stale)
    await sweep(replace(fast_policy, lease_s=0))
    assert (await outbox_row(stale))["status"] == "failed"
    for row_id in (stale, lost):
        await OutboxMessage.update({OutboxMessage.status: "failed"}).where(
            OutboxMessage.id == row_id
        )


async def test_dispatch_without_a_runner_sends_at_once(
    mail_settings, fast_policy, tmp_path, monkeypatch
):
    """A CLI command has no queue running: without Redis the mail is sent in place."""
    import tasks.queue as queue

    monkeypatch.setattr(queue, "_active", [])
    monkeypatch.setenv("SAMLING_VAR_DIR", str(tmp_path / "var"))
    row_id = await enqueue_committed(address("cli"))
    row = await outbox_row(row_id)
    assert row["status"] == "sent"
    assert list((tmp_path / "var" / "mail").glob(f"[0-9]*-{row_id:08d}.eml"))
    assert await queue_status() == {"mode": "none", "ok": False}


async def test_runner_skips_ids_already_waiting(mail_settings, fast_policy):
    runner = InProcessRunner(Mailer.from_settings(mail_settings(), policy=fast_policy))
    runner.submit(1)
    runner.submit(1)
    runner.submit(2)
    assert (await runner.status())["backlog"] == 2


async def test_admin_retry_service_puts_a_failed_row_back(smtp_sink, mail_settings, fast_policy):
    from service.lib.errors import Conflict, NotFound

    to = address("retry")
    smtp_sink.answer(to, "550 5.7.1 Policy rejection", times=1)
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=fast_policy):
        row_id = await enqueue_committed(to)
        await wait_status(row_id, "failed")
        failed = await outbox.list_messages("failed")
        assert row_id in {r["id"] for r in failed}
        item = await outbox.retry_failed(row_id, "admin@example.no")
        assert item["status"] == "queued" and item["attempts"] == 0
        row = await wait_status(row_id, "sent")
        with pytest.raises(Conflict):
            await outbox.retry_failed(row_id, "admin@example.no")
    with pytest.raises(NotFound):
        await outbox.retry_failed(10**9, "admin@example.no")
    assert len(smtp_sink.received(row["message_id"])) == 1
