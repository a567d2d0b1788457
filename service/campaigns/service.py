"""Invitation campaigns: an admin writes a letter (Markdown, bokmål required, nynorsk and
English optional) inviting municipalities to networks; sending it mails each recipient
municipality's official address the letter in its written standard with a personal
reply link (only its SHA-256 is kept); the reply (no account needed) records `interested`
with a contact person and mails the network's coordinators; a coordinator or admin then
selects (member, and a sign-up link to the contact) or declines (a polite mail).

Every change is one transaction with its audit event; every mail goes through the outbox
with an idempotency key, so sending or selecting twice mails nobody twice.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from service.accounts.identity import CurrentUser
from service.accounts.secrets import hash_secret, new_secret
from service.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    CountyFigures,
    LetterIn,
    LetterOut,
    RecipientOut,
    ReplyIn,
    ReplyOut,
    SkippedOut,
)
from service.db.tables import (
    Campaign,
    CampaignLetter,
    CampaignRecipient,
    County,
    Municipality,
    Network,
    NetworkCounty,
    OutboxMessage,
    RoleGrant,
)
from service.db.tx import atomic, is_sqlite
from service.lib import clock, i18n
from service.lib.audit import record
from service.lib.clock import oslo_iso
from service.lib.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from service.networks import membership
from service.outbox.service import enqueue_mail

LANGUAGES = ("nb", "nn", "en")
TITLE_MAX = 200
REASON_MAX = 1000


class Expired(DomainError):
    """A reply link that worked once but no longer does (closed, or past reply-by)."""

    status_code = 410


# --- reading rows ------------------------------------------------------------------------


def _ids(value: Any) -> list[int]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [int(v) for v in value or []]


def _json(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        loaded = json.loads(value) if value else None
        return loaded if isinstance(loaded, dict) else None
    return dict(value)


def today() -> date:
    return clock.now().astimezone(clock.OSLO).date()


async def _row(campaign_id: int | str) -> dict[str, Any]:
    cid = int(campaign_id) if str(campaign_id).isdigit() else -1
    row = await Campaign.select().where(Campaign.id == cid).first()
    if row is None:
        raise NotFound("No campaign with id {id}", params={"id": campaign_id})
    return row


async def _networks_by_id() -> dict[int, dict[str, Any]]:
    return {n["id"]: n for n in await Network.select(Network.id, Network.slug, Network.name)}


async def _counties_by_id() -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in await County.select(County.id, County.number, County.name)}


async def _network_counties() -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for r in await NetworkCounty.select(NetworkCounty.network, NetworkCounty.county):
        out[r["network"]].add(r["county"])
    return out


@dataclass(frozen=True)
class Scope:
    """What one caller sees of a campaign: all of it (admin) or their networks' part."""

    all: bool
    network_ids: frozenset[int]  # the caller's networks among the campaign's
    county_ids: frozenset[int]  # the counties those networks cover

    def sees(
        self, reply: dict[str, Any] | None, county_id: int | None, net_ids: dict[str, int]
    ) -> bool:
        if self.all:
            return True
        network = (reply or {}).get("network") if (reply or {}).get("wants") else None
        if network:
            return net_ids.get(network, -1) in self.network_ids
        return county_id is not None and county_id in self.county_ids


async def scope_of(user: CurrentUser, row: dict[str, Any]) -> Scope:
    """Admins see everything; a coordinator of one of the campaign's networks sees that
    network's part; anyone else is refused (404 for a coordinator: not theirs)."""
    if user.is_admin:
        return Scope(True, frozenset(), frozenset())
    if not user.coordinated_networks:
        raise Forbidden("Only administrators and coordinators may do this")
    nets = await _networks_by_id()
    mine = frozenset(
        i
        for i in _ids(row["network_ids"])
        if i in nets and nets[i]["slug"] in user.coordinated_networks
    )
    if not mine:
        raise NotFound("No campaign with id {id}", params={"id": row["id"]})
    covers = await _network_counties()
    counties = frozenset(c for n in mine for c in covers.get(n, set()))
    return Scope(False, mine, counties)


def _admin(user: CurrentUser) -> None:
    if not user.is_admin:
        raise Forbidden("Only administrators may do this")


# --- validating what an admin writes --------------------------------------------------


def _reply_by(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            "{value!r} is not a date (YYYY-MM-DD)", field="reply_by", params={"value": value}
        ) from None
    if day < today():
        raise Invalid("The reply-by date has passed", field="reply_by")
    return day


def _letters(letters: list[LetterIn]) -> list[LetterIn]:
    """The letters worth keeping: bokmål required, the others only when written."""
    seen: dict[str, LetterIn] = {}
    for letter in letters:
        if letter.language in seen:
            raise Invalid(
                "Two letters in {language}",
                field=f"body_{letter.language}",
                params={"language": letter.language},
            )
        subject, body = letter.subject.strip(), letter.body.strip().replace("\r\n", "\n")
        if not subject and not body and letter.language != "nb":
            continue
        if not subject:
            raise Invalid("Write the letter's subject", field=f"subject_{letter.language}")
        if not body:
            raise Invalid("Write the letter", field=f"body_{letter.language}")
        seen[letter.language] = LetterIn(letter.language, subject, body)
    if "nb" not in seen:
        raise Invalid("The main letter, in Norwegian (nb), is required", field="body_nb")
    return [seen[lang] for lang in LANGUAGES if lang in seen]


async def _network_ids(slugs: list[str]) -> list[int]:
    if not slugs:
        raise Invalid("Choose at least one network", field="networks")
    by_slug = {n["slug"]: n["id"] for n in (await _networks_by_id()).values()}
    unknown = [s for s in slugs if s not in by_slug]
    if unknown:
        raise Invalid("No network {slug!r}", field="networks", params={"slug": unknown[0]})
    return sorted({by_slug[s] for s in slugs})


async def _county_ids(numbers: list[str]) -> list[int]:
    by_number = {c["number"]: c["id"] for c in (await _counties_by_id()).values()}
    unknown = [n for n in numbers if n not in by_number]
    if unknown:
        raise Invalid("No county {county!r}", field="counties", params={"county": unknown[0]})
    return sorted({by_number[n] for n in numbers})


def _title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise Invalid("Give the campaign a title", field="title")
    if len(title) > TITLE_MAX:
        raise Invalid(
            "The title is longer than {limit} characters",
            field="title",
            params={"limit": TITLE_MAX},
        )
    return title


# --- campaigns ----------------------------------------------------------------------------


async def _letters_of(campaign_id: int) -> list[LetterOut]:
    rows = await CampaignLetter.select().where(CampaignLetter.campaign == campaign_id)
    by_lang = {r["language"]: r for r in rows}
    return [
        LetterOut(language=lang, subject=by_lang[lang]["subject"], body=by_lang[lang]["body"])
        for lang in LANGUAGES
        if lang in by_lang
    ]


async def _out(row: dict[str, Any], scope: Scope | None = None) -> CampaignOut:
    nets, counties = await _networks_by_id(), await _counties_by_id()
    network_ids = _ids(row["network_ids"])
    if scope is not None and not scope.all:
        network_ids = [i for i in network_ids if i in scope.network_ids]
    reply_by = row["reply_by"]
    return CampaignOut(
        id=row["id"],
        title=row["title"],
        status=row["status"],
        networks=[nets[i]["slug"] for i in network_ids if i in nets],
        counties=[counties[i]["number"] for i in _ids(row["county_ids"]) if i in counties],
        reply_by=reply_by.isoformat() if reply_by else None,
        letters=await _letters_of(row["id"]),
        created_by=row["created_by"],
        created_at=oslo_iso(row["created_at"]),
        sent_at=oslo_iso(row["sent_at"]),
        closed_at=oslo_iso(row["closed_at"]),
    )


async def _save_letters(campaign_id: int, letters: list[LetterIn]) -> None:
    await CampaignLetter.delete().where(CampaignLetter.campaign == campaign_id)
    for letter in letters:
        await CampaignLetter.insert(
            CampaignLetter(
                campaign=campaign_id,
                language=letter.language,
                subject=letter.subject,
                body=letter.body,
            )
        )


async def create_campaign(user: CurrentUser, data: CampaignIn) -> CampaignOut:
    _admin(user)
    title = _title(data.title)
    network_ids = await _network_ids(data.networks)
    county_ids = await _county_ids(data.counties)
    reply_by = _reply_by(data.reply_by)
    letters = _letters(data.letters)
    async with atomic():
        rows = await Campaign.insert(
            Campaign(
                title=title,
                status="draft",
                network_ids=network_ids,
                county_ids=county_ids,
                reply_by=reply_by,
                created_by=user.email,
            )
        )
        cid = int(rows[0]["id"])
        await _save_letters(cid, letters)
        await record(
            user.email,
            "campaign.create",
            "campaign",
            cid,
            after={"title": title, "networks": data.networks, "counties": data.counties},
        )
    return await get_campaign(user, cid)


async def update_campaign(
    user: CurrentUser, campaign_id: int | str, patch: CampaignPatch
) -> CampaignOut:
    _admin(user)
    row = await _row(campaign_id)
    values: dict[Any, Any] = {}
    if patch.title is not None:
        values[Campaign.title] = _title(patch.title)
    if patch.networks is not None:
        values[Campaign.network_ids] = await _network_ids(patch.networks)
    if patch.counties is not None:
        values[Campaign.county_ids] = await _county_ids(patch.counties)
    if patch.reply_by is not None:
        values[Campaign.reply_by] = _reply_by(patch.reply_by)
    letters = _letters(patch.letters) if patch.letters is not None else None
    async with atomic():
        row = await _locked(row["id"])
        if row["status"] != "draft":
            raise Conflict(
                "Only a draft campaign can be changed; this one is {status}",
                params={"status": row["status"]},
            )
        if values:
            await Campaign.update({**values, Campaign.updated_at: clock.now()}).where(
                Campaign.id == row["id"]
            )
        if letters is not None:
            await _save_letters(row["id"], letters)
        await record(
            user.email,
            "campaign.update",
            "campaign",
            row["id"],
            before={"title": row["title"]},
            after={
                c._meta.name: (v.isoformat() if isinstance(v, date) else v)
                for c, v in values.items()
            }
            | ({"letters": [lt.language for lt in letters]} if letters is not None else {}),
        )
    return await get_campaign(user, row["id"])


async def _locked(campaign_id: int) -> dict[str, Any]:
    query = Campaign.select().where(Campaign.id == campaign_id)
    row = await (query if is_sqlite() else query.lock_rows()).first()
    if row is None:
        raise NotFound("No campaign with id {id}", params={"id": campaign_id})
    return row


async def list_campaigns(user: CurrentUser) -> list[CampaignOut]:
    if not (user.is_admin or user.coordinated_networks):
        raise Forbidden("Only administrators and coordinators may do this")
    out = []
    for row in await Campaign.select().order_by(Campaign.id, ascending=False):
        try:
            scope = await scope_of(user, row)
        except NotFound:
            continue
        if row["status"] == "draft" and not scope.all:
            continue  # a draft is the admins' until it is sent
        out.append(await _out(row, scope))
    return out


async def get_campaign(user: CurrentUser, campaign_id: int | str) -> CampaignOut:
    """The campaign with its figures per county (a draft: who would get it, and who is
    skipped for want of an official address)."""
    row = await _row(campaign_id)
    scope = await scope_of(user, row)
    if row["status"] == "draft" and not scope.all:
        raise NotFound("No campaign with id {id}", params={"id": campaign_id})
    out = await _out(row, scope)
    if row["status"] == "draft":
        out.figures, out.skipped = await preview(row)
    else:
        out.figures = figures(await recipients(user, campaign_id))
    return out


async def _targets(row: dict[str, Any]) -> list[dict[str, Any]]:
    county_ids = _ids(row["county_ids"])
    query = Municipality.select(
        Municipality.id,
        Municipality.number,
        Municipality.name,
        Municipality.official_email,
        Municipality.language,
        Municipality.county,
        Municipality.county.number,
        Municipality.county.name,
    ).order_by(Municipality.name)
    if county_ids:
        query = query.where(Municipality.county.is_in(county_ids))
    return list(await query)


async def preview(row: dict[str, Any]) -> tuple[list[CountyFigures], list[SkippedOut]]:
    per: dict[str, CountyFigures] = {}
    skipped = []
    for m in await _targets(row):
        key = m["county.number"] or ""
        fig = per.setdefault(key, CountyFigures(county=m["county.name"] or "", county_number=key))
        if m["official_email"]:
            fig.recipients += 1
        else:
            fig.skipped += 1
            skipped.append(SkippedOut(number=m["number"], name=m["name"], county=m["county.name"]))
    return [per[k] for k in sorted(per)], skipped


def figures(rows: list[RecipientOut]) -> list[CountyFigures]:
    per: dict[str, CountyFigures] = {}
    for r in rows:
        key = r.county_number or ""
        fig = per.setdefault(key, CountyFigures(county=r.county or "", county_number=key))
        fig.recipients += 1
        fig.sent += 1
        fig.delivered += int(r.delivered)
        fig.replied += int(r.reply is not None)
        fig.selected += int(r.status == "selected")
        fig.declined += int(r.status == "declined")
    return [per[k] for k in sorted(per)]


def _reply_out(reply: dict[str, Any] | None) -> ReplyOut | None:
    if not reply:
        return None
    return ReplyOut(
        wants=bool(reply.get("wants")),
        network=reply.get("network"),
        contact_name=str(reply.get("contact_name") or ""),
        contact_email=str(reply.get("contact_email") or ""),
        contact_role=str(reply.get("contact_role") or ""),
        comment=str(reply.get("comment") or ""),
    )


async def recipients(user: CurrentUser, campaign_id: int | str) -> list[RecipientOut]:
    row = await _row(campaign_id)
    scope = await scope_of(user, row)
    if row["status"] == "draft" and not scope.all:
        raise NotFound("No campaign with id {id}", params={"id": campaign_id})
    rows = (
        await CampaignRecipient.select(
            *CampaignRecipient.all_columns(),
            CampaignRecipient.municipality.number,
            CampaignRecipient.municipality.name,
            CampaignRecipient.municipality.county,
            CampaignRecipient.municipality.county.number,  # type: ignore[union-attr]
            CampaignRecipient.municipality.county.name,  # type: ignore[union-attr]
        )
        .where(CampaignRecipient.campaign == row["id"])
        .order_by(CampaignRecipient.municipality.name)
    )
    keys = [r["outbox_key"] for r in rows if r["outbox_key"]]
    delivered = {
        m["idempotency_key"]
        for m in await OutboxMessage.select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.is_in(keys or ["-"]) & (OutboxMessage.status == "sent")
        )
    }
    net_ids = {n["slug"]: i for i, n in (await _networks_by_id()).items()}
    out = []
    for r in rows:
        reply = _json(r["reply"])
        if not scope.sees(reply, r["municipality.county"], net_ids):
            continue
        out.append(
            RecipientOut(
                id=r["id"],
                municipality=r["municipality.number"],
                name=r["municipality.name"],
                county=r["municipality.county.name"],
                county_number=r["municipality.county.number"],
                email=r["email"],
                language=r["language"],
                status=r["status"],
                delivered=r["outbox_key"] in delivered,
                reply=_reply_out(reply),
                sent_at=oslo_iso(r["sent_at"]),
                replied_at=oslo_iso(r["replied_at"]),
                decided_at=oslo_iso(r["decided_at"]),
                decided_by=r["decided_by"],
            )
        )
    return out


async def _fresh(recipient_id: int) -> dict[str, Any]:
    row = await CampaignRecipient.select().where(CampaignRecipient.id == recipient_id).first()
    assert row is not None
    return row


def reply_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/reply/{token}"


async def send(user: CurrentUser, campaign_id: int | str, base_url: str) -> CampaignOut:
    """draft → sent: one recipient (with its reply link) and one letter per municipality
    with an official address, all in one transaction. Sending again does nothing."""
    _admin(user)
    row = await _row(campaign_id)
    async with atomic():
        row = await _locked(row["id"])
        if row["status"] == "closed":
            raise Conflict("The campaign is closed")
        if row["status"] == "sent":
            return await get_campaign(user, row["id"])
        letters = {lt.language: lt for lt in await _letters_of(row["id"])}
        if "nb" not in letters:
            raise Invalid("The main letter, in Norwegian (nb), is required", field="body_nb")
        targets = [m for m in await _targets(row) if m["official_email"]]
        if not targets:
            raise Conflict("No municipality among the recipients has an official address")
        stamp = clock.now()
        reply_by = row["reply_by"]
        for m in targets:
            language = m["language"] if m["language"] in letters else "nb"
            letter = letters[language]
            token = new_secret()
            key = f"campaign_letter:{row['id']}:{m['number']}"
            await CampaignRecipient.insert(
                CampaignRecipient(
                    campaign=row["id"],
                    municipality=m["id"],
                    email=m["official_email"],
                    language=language,
                    token_hash=hash_secret(token),
                    outbox_key=key,
                    status="sent",
                    sent_at=stamp,
                )
            )
            with i18n.use(language):
                by = i18n.date_text(reply_by) if reply_by else ""
            await enqueue_mail(
                "campaign_letter",
                m["official_email"],
                language,
                {
                    "name": m["name"],
                    "subject": letter.subject,
                    "letter": letter.body,
                    "url": reply_url(base_url, token),
                    "reply_by": by,
                },
                idempotency_key=key,
            )
        await Campaign.update(
            {Campaign.status: "sent", Campaign.sent_at: stamp, Campaign.updated_at: stamp}
        ).where(Campaign.id == row["id"])
        await record(
            user.email,
            "campaign.send",
            "campaign",
            row["id"],
            before={"status": "draft"},
            after={"status": "sent", "recipients": len(targets)},
        )
    return await get_campaign(user, row["id"])


async def close(user: CurrentUser, campaign_id: int | str) -> CampaignOut:
    """sent → closed: the reply links stop working. Closing again does nothing."""
    _admin(user)
    row = await _row(campaign_id)
    async with atomic():
        row = await _locked(row["id"])
        if row["status"] == "draft":
            raise Conflict("A draft cannot be closed; send it first")
        if row["status"] == "sent":
            stamp = clock.now()
            await Campaign.update(
                {Campaign.status: "closed", Campaign.closed_at: stamp, Campaign.updated_at: stamp}
            ).where(Campaign.id == row["id"])
            await record(
                user.email,
                "campaign.close",
                "campaign",
                row["id"],
                before={"status": "sent"},
                after={"status": "closed"},
            )
    return await get_campaign(user, row["id"])


# --- the reply link ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyView:
    """What the reply page shows: only this recipient's municipality and letter."""

    recipient_id: int
    campaign_id: int
    campaign_title: str
    municipality: str  # number
    municipality_name: str
    language: str
    subject: str
    letter: str  # Markdown
    reply_by: date | None
    networks: list[tuple[str, str]]  # (slug, name) of the campaign's networks
    default_network: str | None  # the network covering the municipality's county
    status: str
    reply: ReplyOut | None


async def _by_token(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The recipient and campaign of a reply link; unknown 404, expired/closed 410."""
    if not token or len(token) > 200:
        raise NotFound("This reply link is not known")
    rec = (
        await CampaignRecipient.select()
        .where(CampaignRecipient.token_hash == hash_secret(token))
        .first()
    )
    if rec is None:
        raise NotFound("This reply link is not known")
    camp = await _row(rec["campaign"])
    if camp["status"] == "closed":
        raise Expired(i18n.N_("The campaign is closed, so this reply link no longer works"))
    if camp["reply_by"] is not None and today() > camp["reply_by"]:
        raise Expired(
            i18n.N_("The reply date, {date}, has passed, so this reply link no longer works"),
            params={"date": camp["reply_by"].isoformat()},
        )
    return rec, camp


async def reply_view(token: str) -> ReplyView:
    rec, camp = await _by_token(token)
    muni = await Municipality.select().where(Municipality.id == rec["municipality"]).first()
    assert muni is not None
    letters = {lt.language: lt for lt in await _letters_of(camp["id"])}
    letter = letters.get(rec["language"]) or letters["nb"]
    nets = await _networks_by_id()
    ids = [i for i in _ids(camp["network_ids"]) if i in nets]
    covers = await _network_counties()
    default = next(
        (nets[i]["slug"] for i in ids if muni["county"] in covers.get(i, set())),
        nets[ids[0]]["slug"] if len(ids) == 1 else None,
    )
    return ReplyView(
        recipient_id=rec["id"],
        campaign_id=camp["id"],
        campaign_title=camp["title"],
        municipality=muni["number"],
        municipality_name=muni["name"],
        language=rec["language"],
        subject=letter.subject,
        letter=letter.body,
        reply_by=camp["reply_by"],
        networks=[(nets[i]["slug"], nets[i]["name"]) for i in ids],
        default_network=default,
        status=rec["status"],
        reply=_reply_out(_json(rec["reply"])),
    )


def _check_reply(data: ReplyIn, networks: list[str]) -> dict[str, Any]:
    """The reply as stored; every wrong field at once (Invalid with `errors`)."""
    from service.accounts.service import normalize_email

    errors: dict[str, str] = {}
    reply: dict[str, Any] = {
        "wants": data.wants,
        "network": None,
        "contact_name": " ".join(data.contact_name.split()),
        "contact_email": data.contact_email.strip().lower(),
        "contact_role": " ".join(data.contact_role.split()),
        "comment": data.comment.strip().replace("\r\n", "\n"),
    }
    if data.wants:
        if not data.network or data.network not in networks:
            errors["network"] = i18n.N_("Choose the network you want to take part in")
        else:
            reply["network"] = data.network
        if not reply["contact_name"]:
            errors["contact_name"] = i18n.N_("Give the contact person's name")
        if not reply["contact_role"]:
            errors["contact_role"] = i18n.N_("Give the contact person's role")
        try:
            reply["contact_email"] = normalize_email(reply["contact_email"])
        except Invalid:
            errors["contact_email"] = i18n.N_("Give the contact person's e-mail address")
    elif reply["contact_email"]:
        try:
            reply["contact_email"] = normalize_email(reply["contact_email"])
        except Invalid:
            errors["contact_email"] = i18n.N_("Give the contact person's e-mail address")
    if errors:
        first = next(iter(errors))
        raise Invalid(errors[first], field=first, errors=errors)
    return reply


def _fingerprint(reply: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(reply, sort_keys=True).encode()).hexdigest()[:16]


async def submit_reply(token: str, data: ReplyIn, base_url: str) -> tuple[ReplyView, bool]:
    """Record the municipality's answer; a second one replaces the first. A yes records
    `interested` with the contact (a member stays a member) and mails the network's
    coordinators, once per distinct answer. Returns (view, changed)."""
    rec, camp = await _by_token(token)
    changed = await _apply_reply(rec, camp, data, base_url)
    return await reply_view(token), changed


async def reply_for(recipient_id: int, data: ReplyIn, base_url: str) -> bool:
    """The same reply without the link (the demo answers for its municipalities)."""
    rec = await _fresh(recipient_id)
    camp = await _row(rec["campaign"])
    if camp["status"] != "sent":
        raise Expired(i18n.N_("The campaign is closed, so this reply link no longer works"))
    return await _apply_reply(rec, camp, data, base_url)


async def _apply_reply(
    rec: dict[str, Any], camp: dict[str, Any], data: ReplyIn, base_url: str
) -> bool:
    nets = await _networks_by_id()
    slugs = {nets[i]["slug"]: i for i in _ids(camp["network_ids"]) if i in nets}
    reply = _check_reply(data, list(slugs))
    muni = await Municipality.select().where(Municipality.id == rec["municipality"]).first()
    assert muni is not None
    actor = f"reply:{muni['number']}"
    async with atomic():
        rec = await _fresh(rec["id"])
        if rec["status"] in ("selected", "declined"):
            raise Conflict(
                "The network has already answered this reply; contact its coordinators to change it"
            )
        before = _json(rec["reply"])
        changed = before != reply
        if changed:
            old_net = (before or {}).get("network") if (before or {}).get("wants") else None
            if old_net and old_net in slugs and old_net != reply["network"]:
                await membership.withdraw_interest(actor, slugs[old_net], muni["id"])
            if reply["wants"]:
                await membership.record_interest(
                    actor,
                    slugs[reply["network"]],
                    muni["id"],
                    {
                        "name": reply["contact_name"],
                        "email": reply["contact_email"],
                        "role": reply["contact_role"],
                    },
                )
            await CampaignRecipient.update(
                {
                    CampaignRecipient.status: "replied",
                    CampaignRecipient.reply: reply,
                    CampaignRecipient.replied_at: clock.now(),
                }
            ).where(CampaignRecipient.id == rec["id"])
            await record(
                actor,
                "campaign.reply",
                "campaign_recipient",
                rec["id"],
                before=before,
                after=reply,
            )
            if reply["wants"]:
                await _mail_coordinators(
                    camp, muni, reply, slugs[reply["network"]], rec["id"], base_url
                )
    return changed


async def _mail_coordinators(
    camp: dict[str, Any],
    muni: dict[str, Any],
    reply: dict[str, Any],
    network_id: int,
    recipient_id: int,
    base_url: str,
) -> None:
    network = (await _networks_by_id())[network_id]
    coordinators = await RoleGrant.select(
        RoleGrant.user.name, RoleGrant.user.email, RoleGrant.user.language
    ).where(
        (RoleGrant.role == "coordinator")
        & (RoleGrant.network == network_id)
        & (RoleGrant.user.active == True)  # noqa: E712
    )
    contact = f"{reply['contact_name']}, {reply['contact_email']}, {reply['contact_role']}"
    url = f"{base_url.rstrip('/')}/coordinator/campaigns/{camp['id']}"
    fingerprint = _fingerprint(reply)
    for c in coordinators:
        await enqueue_mail(
            "campaign_reply",
            c["user.email"],
            c["user.language"] or "nb",
            {
                "name": c["user.name"],
                "municipality": muni["name"],
                "network": network["name"],
                "contact": contact,
                "url": url,
            },
            idempotency_key=f"campaign_reply:{recipient_id}:{fingerprint}:{c['user.email']}",
        )


# --- selecting and declining -------------------------------------------------------------


async def _decidable(
    user: CurrentUser, campaign_id: int | str, recipient_id: int | str, network: str | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    camp = await _row(campaign_id)
    scope = await scope_of(user, camp)
    rid = int(recipient_id) if str(recipient_id).isdigit() else -1
    rec = (
        await CampaignRecipient.select()
        .where((CampaignRecipient.id == rid) & (CampaignRecipient.campaign == camp["id"]))
        .first()
    )
    if rec is None:
        raise NotFound("No recipient {id} in this campaign", params={"id": recipient_id})
    reply = _json(rec["reply"]) or {}
    nets = await _networks_by_id()
    net_ids = {n["slug"]: i for i, n in nets.items()}
    muni = await Municipality.select().where(Municipality.id == rec["municipality"]).first()
    assert muni is not None
    if not scope.sees(reply, muni["county"], net_ids):
        raise NotFound("No recipient {id} in this campaign", params={"id": recipient_id})
    if not reply.get("wants"):
        raise Conflict(
            "{municipality} has not asked to take part", params={"municipality": muni["name"]}
        )
    slug = network or reply.get("network")
    campaign_slugs = {nets[i]["slug"] for i in _ids(camp["network_ids"]) if i in nets}
    if slug not in campaign_slugs:
        raise Invalid(
            "The campaign does not invite to {network!r}", field="network", params={"network": slug}
        )
    if not (user.is_admin or user.coordinates(str(slug))):
        raise Forbidden(
            "Only coordinators of {network} and administrators may do this",
            params={"network": nets[net_ids[str(slug)]]["name"]},
        )
    return camp, rec, reply, muni, nets[net_ids[str(slug)]]


def signup_url(base_url: str, municipality: str, name: str, email: str) -> str:
    query = urlencode({"municipality": municipality, "name": name, "email": email})
    return f"{base_url.rstrip('/')}/signup?{query}"


async def select(
    user: CurrentUser,
    campaign_id: int | str,
    recipient_id: int | str,
    network: str | None,
    base_url: str,
) -> RecipientOut:
    """interested → member, and the contact gets a sign-up link for the municipality.
    Selecting again does nothing."""
    camp, rec, reply, muni, net = await _decidable(user, campaign_id, recipient_id, network)
    async with atomic():
        rec = await _fresh(rec["id"])
        if rec["status"] == "declined":
            raise Conflict("{municipality} was declined", params={"municipality": muni["name"]})
        if rec["status"] != "selected":
            await membership.make_member(user.email, net["id"], muni["id"])
            stamp = clock.now()
            reply = {**reply, "network": net["slug"]}
            await CampaignRecipient.update(
                {
                    CampaignRecipient.status: "selected",
                    CampaignRecipient.reply: reply,
                    CampaignRecipient.decided_at: stamp,
                    CampaignRecipient.decided_by: user.email,
                }
            ).where(CampaignRecipient.id == rec["id"])
            await record(
                user.email,
                "campaign.select",
                "campaign_recipient",
                rec["id"],
                before={"status": rec["status"]},
                after={"status": "selected", "network": net["slug"]},
            )
            await enqueue_mail(
                "campaign_selected",
                reply["contact_email"],
                rec["language"],
                {
                    "name": reply["contact_name"],
                    "municipality": muni["name"],
                    "network": net["name"],
                    "url": signup_url(
                        base_url, muni["number"], reply["contact_name"], reply["contact_email"]
                    ),
                },
                idempotency_key=f"campaign_selected:{rec['id']}",
            )
    return await _one(user, camp["id"], rec["id"])


async def decline(
    user: CurrentUser, campaign_id: int | str, recipient_id: int | str, reason: str | None
) -> RecipientOut:
    """The network cannot take the municipality this time: a polite mail with the optional
    reason; an `interested` membership is withdrawn (a member is never downgraded)."""
    text = (reason or "").strip().replace("\r\n", "\n")
    if len(text) > REASON_MAX:
        raise Invalid(
            "The reason is longer than {limit} characters",
            field="reason",
            params={"limit": REASON_MAX},
        )
    camp, rec, reply, muni, net = await _decidable(user, campaign_id, recipient_id, None)
    async with atomic():
        rec = await _fresh(rec["id"])
        if rec["status"] == "selected":
            raise Conflict(
                "{municipality} is already selected", params={"municipality": muni["name"]}
            )
        if rec["status"] != "declined":
            await membership.withdraw_interest(user.email, net["id"], muni["id"])
            stamp = clock.now()
            await CampaignRecipient.update(
                {
                    CampaignRecipient.status: "declined",
                    CampaignRecipient.decided_at: stamp,
                    CampaignRecipient.decided_by: user.email,
                }
            ).where(CampaignRecipient.id == rec["id"])
            await record(
                user.email,
                "campaign.decline",
                "campaign_recipient",
                rec["id"],
                before={"status": rec["status"]},
                after={"status": "declined", "reason": text},
            )
            await enqueue_mail(
                "campaign_declined",
                reply["contact_email"],
                rec["language"],
                {
                    "name": reply["contact_name"],
                    "municipality": muni["name"],
                    "network": net["name"],
                    "reason": text,
                },
                idempotency_key=f"campaign_declined:{rec['id']}",
            )
    return await _one(user, camp["id"], rec["id"])


async def _one(user: CurrentUser, campaign_id: int, recipient_id: int) -> RecipientOut:
    for r in await recipients(user, campaign_id):
        if r.id == recipient_id:
            return r
    raise NotFound("No recipient {id} in this campaign", params={"id": recipient_id})
