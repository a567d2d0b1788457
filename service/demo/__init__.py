"""`samling demo`: a programme a newcomer can explore, loaded through the domain
services so that every rule, audit event and mail is as in real use.

The networks, counties, municipalities and rate tables (service.networks.demo), then
people in every role (people.py), past and upcoming gatherings (gatherings.py) and
claims in every state with a paid payout batch (claims.py). Everything runs in one
transaction, and each piece is keyed (people by e-mail, gatherings by network and
title), so a second run changes nothing and a failed run leaves nothing behind.
"""

from __future__ import annotations


async def load_demo() -> dict[str, int]:
    """Load what is missing; returns how many of each thing are new (all 0 the second time)."""
    from service.db.tables import OutboxMessage
    from service.db.tx import atomic
    from service.demo.campaigns import ensure_campaigns
    from service.demo.claims import ensure_claims
    from service.demo.documents import ensure_documents
    from service.demo.gatherings import ensure_past, ensure_upcoming
    from service.demo.history import ensure_history
    from service.demo.news import ensure_news
    from service.demo.people import ensure_people
    from service.gatherings import service as gatherings
    from service.networks import demo as networks_demo
    from service.settings import current_settings

    base_url = current_settings().base_url
    programme: dict[str, int] = {}
    async with atomic():
        mails_before = await OutboxMessage.count()
        created = await networks_demo.load_demo()
        people, new_people = await ensure_people()
        past = await ensure_past(people, base_url)
        upcoming = await ensure_upcoming(people, base_url)
        counts = await ensure_claims(people, past, base_url)
        if past:
            await gatherings.complete_due()
        # the programme around the gatherings (issue 10): each returns its new counts
        for more in (
            await ensure_history(people, base_url),
            await ensure_campaigns(people, base_url),
            await ensure_news(people, base_url),
            await ensure_documents(people, base_url),
        ):
            programme.update(more)
        mails = await OutboxMessage.count() - mails_before
    return {
        **created,
        "users": new_people,
        "gatherings": len(past) + len(upcoming),
        "registrations": sum(m.registrations for m in past + upcoming),
        "claims": counts.claims,
        "receipts": counts.receipts,
        "payouts": counts.payouts,
        **programme,
        "mails": mails,
    }
