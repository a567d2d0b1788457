"""Claims: draft → submitted → attested → approved → paid, with return and reject.

Who may do what:
- the claimant (the registration's person) writes drafts and returned claims, submits;
- the claimant submits only once the gathering has ended;
- the network's coordinator (for the network's member municipalities) or finance
  attests (never their own claim), once the registration is marked as attended;
- finance approves (neither the claimant nor the attester), rejects, pays;
- the network's coordinator or finance returns a claim for changes.
A claim is seen by its claimant, by finance, and (once submitted) by the network's
coordinators; to anyone else it does not exist (404).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.claims import service as pricing
from service.claims import snapshots
from service.claims.schemas import (
    ApproveIn,
    ClaimIn,
    ClaimOut,
    ClaimPatch,
    EventOut,
    LineIn,
)
from service.db.tables import (
    Claim,
    ClaimEvent,
    ClaimLine,
    Municipality,
    NetworkMembership,
    Receipt,
    Registration,
    User,
)
from service.db.tx import atomic, is_sqlite
from service.gatherings import service as gatherings
from service.lib import i18n
from service.lib.audit import record
from service.lib.clock import now, oslo_iso
from service.lib.errors import Conflict, Forbidden, Invalid, Label, NotFound
from service.lib.i18n import N_
from service.lib.ids import row_id
from service.lib.labels import CLAIM_STATUS, REGISTRATION_STATUS
from service.lib.money import MAX_ORE, bank_account, from_ore, parse_money, text, to_ore
from service.outbox.service import enqueue_mail

STATUSES = ("draft", "submitted", "attested", "approved", "paid", "returned", "rejected")
EDITABLE = ("draft", "returned")
UNDER_REVIEW = ("submitted", "attested")

CLAIM_SQL = (
    "SELECT c.*, g.title AS gathering_title, g.reimbursable, g.starts_at, g.ends_at, "
    "g.status AS gathering_status, n.slug AS network_slug, u.email AS claimant_email, "
    "u.name AS claimant_name, u.language AS claimant_language, m.number AS municipality_number, "
    "m.name AS municipality_name, m.bank_account AS municipality_account, "
    "m.bank_account_changed_at AS account_changed_at, r.attended AS attended "
    "FROM claim c JOIN gathering g ON g.id = c.gathering "
    "JOIN registration r ON r.id = c.registration "
    "JOIN network n ON n.id = g.network JOIN samling_user u ON u.id = c.claimant "
    "JOIN municipality m ON m.id = c.municipality"
)


NO_SUCH = {
    "claim": N_("No claim with that id"),
    "registration": N_("No registration with that id"),
    "receipt": N_("No receipt with that id"),
}


def _id(value: str, what: str) -> int:
    number = row_id(value)
    if number is None:
        raise NotFound(NO_SUCH[what])
    return number


async def _fetch(claim_id: int, for_update: bool = False) -> dict[str, Any] | None:
    sql = CLAIM_SQL + " WHERE c.id = {}"
    if for_update and not is_sqlite():
        sql += " FOR UPDATE OF c"
    rows = await Claim.raw(sql, claim_id)
    return rows[0] if rows else None


def may_see(user: CurrentUser, c: dict[str, Any]) -> bool:
    if c["claimant"] == user.id or user.is_finance:
        return True
    return c["status"] != "draft" and user.coordinates(c["network_slug"])


async def _visible(user: CurrentUser, claim_id: str, for_update: bool = False) -> dict[str, Any]:
    c = await _fetch(_id(claim_id, "claim"), for_update)
    if c is None or not may_see(user, c):
        raise NotFound("No claim with that id")
    return c


def _account(value: str | None) -> str | None:
    return None if value is None else bank_account(value, "payee_account")


async def _lines_of(claim_id: int) -> list[dict[str, Any]]:
    return await ClaimLine.select().where(ClaimLine.claim == claim_id).order_by(ClaimLine.position)


async def _price(user: CurrentUser, lines: list[LineIn], gathering_id: int) -> list[dict[str, Any]]:
    # A plain read: locking the gathering would queue claims behind its registrations.
    gathering = await gatherings.visible_row(user, gathering_id)
    priced, _ = await pricing.price_all(lines, gathering, user.language)
    return priced


async def _store_lines(claim_id: int, priced: list[dict[str, Any]]) -> int:
    await ClaimLine.delete().where(ClaimLine.claim == claim_id)
    total = 0
    for position, line in enumerate(priced):
        amount = to_ore(parse_money(line["amount"], "amount"))
        if amount > MAX_ORE:
            raise Invalid(
                "A line may be at most {most} NOK",
                field=f"lines[{position}].amount",
                params={"most": text(from_ore(MAX_ORE))},
            )
        data = {k: v for k, v in line.items() if k not in ("amount", "rule")}
        await ClaimLine.insert(
            ClaimLine(
                claim=claim_id,
                position=position,
                kind=line["kind"],
                data=data,
                amount=amount,
                rule=line["rule"],
            )
        )
        total += amount
    if total > MAX_ORE:
        raise Invalid(
            "A claim may be at most {most} NOK",
            field="lines",
            params={"most": text(from_ore(MAX_ORE))},
        )
    return total


async def record_event(
    claim_id: int, action: str, before: str | None, after: str, actor: str, comment: str = ""
) -> None:
    await ClaimEvent.insert(
        ClaimEvent(
            claim=claim_id,
            action=action,
            from_status=before,
            to_status=after,
            actor=actor,
            comment=comment,
            detail=await snapshots.taken_at(claim_id, action),
        )
    )
    await record(actor, f"claim.{action}", "claim", claim_id, {"status": before}, {"status": after})


async def create(user: CurrentUser, data: ClaimIn) -> ClaimOut:
    async with atomic():
        reg_id = _id(data.registration, "registration")
        rows = await Registration.select().where(Registration.id == reg_id)
        if not rows or rows[0]["user"] != user.id:
            raise NotFound("No registration of yours with that id")
        reg = rows[0]
        if reg["status"] != "confirmed":
            raise Conflict(
                "The registration is {status}; only a confirmed place is claimed",
                params={"status": Label(REGISTRATION_STATUS, reg["status"])},
            )
        if reg["attended"] is False:
            raise Conflict("The registration is marked as not attended")
        municipality = reg["municipality"] or user.municipality_id
        if municipality is None:
            raise Conflict("Your account has no municipality to pay the claim to")
        live = await Claim.exists().where(
            (Claim.registration == reg_id) & (Claim.status != "rejected")
        )
        if live:
            raise Conflict("This registration has a claim already; change that one")
        account = _account(data.payee_account)
        if account is None:
            found = await Municipality.select(Municipality.bank_account).where(
                Municipality.id == municipality
            )
            account = found[0]["bank_account"] if found else None
        priced = await _price(user, data.lines, reg["gathering"])
        inserted = await Claim.insert(
            Claim(
                registration=reg_id,
                gathering=reg["gathering"],
                claimant=user.id,
                municipality=municipality,
                payee_account=account,
                status="draft",
            )
        )
        claim_id = int(inserted[0]["id"])
        total = await _store_lines(claim_id, priced)
        await Claim.update({Claim.total: total}).where(Claim.id == claim_id)
        await record_event(claim_id, "create", None, "draft", user.email)
    return await detail(user, str(claim_id))


async def update(user: CurrentUser, claim_id: str, patch: ClaimPatch) -> ClaimOut:
    async with atomic():
        c = await _visible(user, claim_id, for_update=True)
        if c["claimant"] != user.id:
            raise Forbidden("Only the claimant changes a claim")
        if c["status"] not in EDITABLE:
            raise Conflict(
                "The claim is {status}; only a draft or returned claim changes",
                params={"status": Label(CLAIM_STATUS, c["status"])},
            )
        changes: dict[Any, Any] = {Claim.updated_at: now()}
        if patch.payee_account is not None:
            changes[Claim.payee_account] = _account(patch.payee_account)
        if patch.lines is not None:
            priced = await _price(user, patch.lines, c["gathering"])
            changes[Claim.total] = await _store_lines(c["id"], priced)
        if len(changes) > 1:  # an empty PATCH changes nothing and leaves no history
            await Claim.update(changes).where(Claim.id == c["id"])
            await record_event(c["id"], "update", c["status"], c["status"], user.email)
    return await detail(user, claim_id)


async def _coordinators(network_slug: str) -> list[dict[str, Any]]:
    return await User.raw(
        "SELECT u.email, u.name, u.language FROM samling_user u JOIN role_grant r "
        'ON r."user" = u.id JOIN network n ON n.id = r.network '
        "WHERE r.role = 'coordinator' AND n.slug = {} AND u.active",
        network_slug,
    )


def ended(c: dict[str, Any]) -> bool:
    """Whether the claim's gathering is over: only then is a claim submitted."""
    return bool(c["ends_at"] <= now())


def _url(base_url: str, claim_id: int) -> str:
    return f"{base_url}/claims/{claim_id}"  # the claim's page


async def submit(user: CurrentUser, claim_id: str, base_url: str) -> ClaimOut:
    async with atomic():
        c = await _visible(user, claim_id, for_update=True)
        if c["claimant"] != user.id:
            raise Forbidden("Only the claimant submits a claim")
        if c["status"] not in EDITABLE:
            raise Conflict(
                "The claim is {status}; only a draft or returned claim is submitted",
                params={"status": Label(CLAIM_STATUS, c["status"])},
            )
        if not c["reimbursable"] or c["gathering_status"] == "cancelled":
            raise Conflict("Travel costs for this gathering are not reimbursed")
        if not ended(c):
            raise Conflict(
                "A claim can be submitted once the gathering has ended ({ends})",
                params={"ends": c["ends_at"]},
            )
        reg = await Registration.select(Registration.status, Registration.attended).where(
            Registration.id == c["registration"]
        )
        if not reg or reg[0]["status"] != "confirmed":
            raise Conflict("The registration was cancelled; there is nothing to claim for")
        if reg[0]["attended"] is False:
            raise Conflict("The registration is marked as not attended")
        if not c["payee_account"]:
            raise Invalid(
                "No account to pay to: give payee_account (the municipality has none on file)",
                field="payee_account",
            )
        if not await ClaimLine.exists().where(ClaimLine.claim == c["id"]):
            raise Invalid("A claim needs at least one line", field="lines")
        at = now()
        await Claim.update(
            {
                Claim.status: "submitted",
                Claim.submitted_at: at,
                Claim.updated_at: at,
                Claim.attested_by: None,
            }
        ).where(Claim.id == c["id"])
        await record_event(c["id"], "submit", c["status"], "submitted", user.email)
        for person in await _coordinators(c["network_slug"]):
            if person["email"] == user.email:
                continue
            lang = person["language"] or "nb"
            await enqueue_mail(
                "claim_submitted",
                person["email"],
                lang,
                {
                    "name": person["name"],
                    "claimant": c["claimant_name"],
                    "municipality": c["municipality_name"],
                    "title": c["gathering_title"],
                    "total": mail_money(from_ore(c["total"]), lang),
                    "url": _url(base_url, c["id"]),
                },
                idempotency_key=f"claim_submitted:{c['id']}:{person['email']}:{at.isoformat()}",
            )
    return await detail(user, claim_id)


def mail_money(value: Decimal, lang: str) -> str:
    """An amount for a mail, in its reader's language."""
    with i18n.use(lang):
        return i18n.money_text(value)


NOT_OWN = {
    "attest": N_("Nobody may attest their own claim"),
    "approve": N_("Nobody may approve their own claim"),
    "return": N_("Nobody may return their own claim"),
    "reject": N_("Nobody may reject their own claim"),
}


def _not_own(user: CurrentUser, c: dict[str, Any], verb: str) -> None:
    if c["claimant"] == user.id:
        raise Forbidden(NOT_OWN[verb])


async def is_member(network_slug: str, municipality_number: str) -> bool:
    """Whether the municipality is a member (not merely interested) of the network."""
    return bool(
        await NetworkMembership.exists().where(
            (NetworkMembership.network.slug == network_slug)
            & (NetworkMembership.municipality.number == municipality_number)
            & (NetworkMembership.status == "member")
        )
    )


def _attended(c: dict[str, Any]) -> None:
    if not c["attended"]:  # None (not marked) or False
        raise Conflict(
            "The participant is not marked as attended: the network's coordinator marks "
            "attendance on the gathering's attendance list before the claim is attested"
        )


async def attest(user: CurrentUser, claim_id: str, comment: str) -> ClaimOut:
    async with atomic():
        c = await _visible(user, claim_id, for_update=True)
        if not (user.is_finance or user.coordinates(c["network_slug"])):
            raise Forbidden("Only the network's coordinator or finance attests a claim")
        _not_own(user, c, "attest")
        if not user.is_finance and not await is_member(c["network_slug"], c["municipality_number"]):
            raise Forbidden(
                "{municipality} is not a member of the network; finance attests its claims",
                params={"municipality": c["municipality_name"]},
            )
        if c["status"] != "submitted":
            raise Conflict(
                "The claim is {status}; only a submitted claim is attested",
                params={"status": Label(CLAIM_STATUS, c["status"])},
            )
        _attended(c)
        await Claim.update(
            {Claim.status: "attested", Claim.attested_by: user.email, Claim.updated_at: now()}
        ).where(Claim.id == c["id"])
        await record_event(c["id"], "attest", "submitted", "attested", user.email, comment)
    return await detail(user, claim_id)


async def approve(user: CurrentUser, claim_id: str, data: ApproveIn, base_url: str) -> ClaimOut:
    async with atomic():
        c = await _visible(user, claim_id, for_update=True)
        if not user.is_finance:
            raise Forbidden("Only finance approves a claim")
        _not_own(user, c, "approve")
        if c["attested_by"] == user.email:
            raise Forbidden("The attester cannot also approve the claim")
        if c["status"] != "attested":
            raise Conflict(
                "The claim is {status}; only an attested claim is approved",
                params={"status": Label(CLAIM_STATUS, c["status"])},
            )
        _attended(c)  # attendance taken back after the attestation
        lines = {str(line["id"]): line for line in await _lines_of(c["id"])}
        cuts: dict[str, tuple[int, str]] = {}
        for i, cut in enumerate(data.lines):
            line = lines.get(cut.line)
            if line is None:
                raise Invalid(
                    "The claim has no line {line!r}",
                    field=f"lines[{i}].line",
                    params={"line": cut.line},
                )
            amount = to_ore(parse_money(cut.approved_amount, f"lines[{i}].approved_amount"))
            if amount > line["amount"]:
                raise Invalid(
                    "An approved amount cannot exceed the amount claimed",
                    field=f"lines[{i}].approved_amount",
                )
            if cut.line in cuts:
                raise Invalid("A line is named twice", field=f"lines[{i}].line")
            if not cut.reason.strip():
                raise Invalid("Say why the line is cut", field=f"lines[{i}].reason")
            cuts[cut.line] = (amount, cut.reason.strip())
        approved_total = 0
        notes = []
        lang = c["claimant_language"] or "nb"
        for key, line in lines.items():
            amount, reason = cuts.get(key, (line["amount"], None))
            approved_total += amount
            await ClaimLine.update(
                {ClaimLine.approved_amount: amount, ClaimLine.cut_reason: reason}
            ).where(ClaimLine.id == line["id"])
            if amount != line["amount"]:
                what = _line_label(line)
                notes.append(
                    f"{what}: {mail_money(from_ore(line['amount']), lang)} → "
                    f"{mail_money(from_ore(amount), lang)} ({reason})"
                )
        if approved_total == 0:
            raise Conflict("Nothing would be paid: reject the claim instead, with a reason")
        at = now()
        await Claim.update(
            {
                Claim.status: "approved",
                Claim.approved_total: approved_total,
                Claim.decided_by: user.email,
                Claim.decided_at: at,
                Claim.updated_at: at,
            }
        ).where(Claim.id == c["id"])
        await record_event(c["id"], "approve", "attested", "approved", user.email, data.comment)
        await enqueue_mail(
            "claim_approved",
            c["claimant_email"],
            lang,
            {
                "name": c["claimant_name"],
                "title": c["gathering_title"],
                "claimed": mail_money(from_ore(c["total"]), lang),
                "approved": mail_money(from_ore(approved_total), lang),
                "cuts": notes,
                "url": _url(base_url, c["id"]),
            },
            idempotency_key=f"claim_approved:{c['id']}",
        )
    return await detail(user, claim_id)


NOT_UNDER_REVIEW = {
    "return": N_("The claim is {status}; only a submitted or attested claim can be returned"),
    "reject": N_("The claim is {status}; only a submitted or attested claim can be rejected"),
}


def _line_label(line: dict[str, Any]) -> str:
    data = line["data"] if isinstance(line["data"], dict) else msgspec.json.decode(line["data"])
    for key in ("description", "route", "hotel"):
        if data.get(key):
            return str(data[key])
    return str(line["kind"])


async def send_back(
    user: CurrentUser, claim_id: str, reason: str, action: str, base_url: str
) -> ClaimOut:
    """`return` (for changes) or `reject` (for good)."""
    async with atomic():
        c = await _visible(user, claim_id, for_update=True)
        if action == "reject" and not user.is_finance:
            raise Forbidden("Only finance rejects a claim")
        if not (user.is_finance or user.coordinates(c["network_slug"])):
            raise Forbidden("Only the network's coordinator or finance returns a claim")
        _not_own(user, c, action)
        if c["status"] not in UNDER_REVIEW:
            raise Conflict(
                NOT_UNDER_REVIEW[action],
                params={"status": Label(CLAIM_STATUS, c["status"])},
            )
        if not reason.strip():
            raise Invalid("Give the claimant a reason", field="reason")
        after = "returned" if action == "return" else "rejected"
        at = now()
        changes: dict[Any, Any] = {Claim.status: after, Claim.updated_at: at}
        if action == "reject":
            changes.update({Claim.decided_by: user.email, Claim.decided_at: at})
        else:
            changes[Claim.attested_by] = None
        await Claim.update(changes).where(Claim.id == c["id"])
        await record_event(c["id"], action, c["status"], after, user.email, reason.strip())
        lang = c["claimant_language"] or "nb"
        await enqueue_mail(
            f"claim_{after}",
            c["claimant_email"],
            lang,
            {
                "name": c["claimant_name"],
                "title": c["gathering_title"],
                "reason": reason.strip(),
                "url": _url(base_url, c["id"]),
            },
            idempotency_key=f"claim_{after}:{c['id']}:{at.isoformat()}",
        )
    return await detail(user, claim_id)


RECENT_ACCOUNT_CHANGE = timedelta(days=30)


def recently_changed(c: dict[str, Any]) -> bool:
    """The claim pays to the municipality's account on file, and that account was
    confirmed within the last 30 days."""
    changed = c["account_changed_at"]
    return bool(
        changed is not None
        and c["payee_account"]
        and c["payee_account"] == c["municipality_account"]
        and now() - changed <= RECENT_ACCOUNT_CHANGE
    )


def _iso(value: datetime | None) -> str | None:
    return oslo_iso(value)


async def render(c: dict[str, Any]) -> ClaimOut:
    lines = []
    for line in await _lines_of(c["id"]):
        data = line["data"] if isinstance(line["data"], dict) else msgspec.json.decode(line["data"])
        lines.append(
            {
                **data,
                "id": str(line["id"]),
                "amount": text(from_ore(line["amount"])),
                "rule": line["rule"],
                "approved_amount": (
                    text(from_ore(line["approved_amount"]))
                    if line["approved_amount"] is not None
                    else None
                ),
                "cut_reason": line["cut_reason"],
            }
        )
    receipts = await Receipt.select(
        Receipt.id, Receipt.filename, Receipt.content_type, Receipt.size, Receipt.uploaded_at
    ).where(Receipt.claim == c["id"])
    return ClaimOut(
        id=str(c["id"]),
        status=c["status"],
        registration=str(c["registration"]),
        gathering=str(c["gathering"]),
        gathering_title=c["gathering_title"],
        network=c["network_slug"],
        claimant=c["claimant_email"],
        claimant_name=c["claimant_name"],
        municipality=c["municipality_number"],
        municipality_name=c["municipality_name"],
        payee_account=c["payee_account"],
        payee_account_on_file=(
            None
            if not c["municipality_account"] or not c["payee_account"]
            else c["municipality_account"] == c["payee_account"]
        ),
        lines=lines,
        total=text(from_ore(c["total"])),
        approved_total=(
            text(from_ore(c["approved_total"])) if c["approved_total"] is not None else None
        ),
        receipts=[
            {
                "id": str(r["id"]),
                "filename": r["filename"],
                "content_type": r["content_type"],
                "size": r["size"],
                "uploaded_at": _iso(r["uploaded_at"]),
            }
            for r in receipts
        ],
        attested_by=c["attested_by"],
        decided_by=c["decided_by"],
        payout=str(c["payout"]) if c["payout"] is not None else None,
        created_at=_iso(c["created_at"]) or "",
        updated_at=_iso(c["updated_at"]) or "",
        submitted_at=_iso(c["submitted_at"]),
        decided_at=_iso(c["decided_at"]),
        paid_at=_iso(c["paid_at"]),
        gathering_ends_at=_iso(c["ends_at"]),
        gathering_ended=ended(c),
        attended=None if c["attended"] is None else bool(c["attended"]),
        payee_account_recently_changed=recently_changed(c),
    )


async def detail(user: CurrentUser, claim_id: str) -> ClaimOut:
    return await render(await _visible(user, claim_id))


async def history(user: CurrentUser, claim_id: str) -> list[EventOut]:
    c = await _visible(user, claim_id)
    rows = await ClaimEvent.select().where(ClaimEvent.claim == c["id"]).order_by(ClaimEvent.id)
    return [
        EventOut(
            action=r["action"],
            from_status=r["from_status"],
            to_status=r["to_status"],
            actor=r["actor"],
            comment=r["comment"],
            at=_iso(r["at"]) or "",
        )
        for r in rows
    ]


async def list_claims(
    user: CurrentUser,
    status: str | None,
    network: str | None,
    limit: int | None = 1000,
    *,
    mine: bool = False,
) -> list[ClaimOut]:
    """The claims the user may list; `mine`: only their own, whatever their role."""
    rows = await claim_rows(user, status, network, limit, mine=mine)
    return [await render(r) for r in rows]


async def claim_rows(
    user: CurrentUser,
    status: str | None,
    network: str | None,
    limit: int | None = 1000,
    *,
    mine: bool = False,
) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise Invalid(
            "Unknown status {status!r}; one of {statuses}",
            field="status",
            params={"status": status, "statuses": ", ".join(STATUSES)},
        )
    sql = CLAIM_SQL
    where: list[str] = []
    args: list[Any] = []
    if network is not None:
        if not (user.is_finance or user.coordinates(network)):
            raise Forbidden("Only the network's coordinators and finance list its claims")
        where.append("n.slug = {} AND c.status <> 'draft'")
        args.append(network)
    elif mine or not user.is_finance:
        where.append("c.claimant = {}")
        args.append(user.id)
    if status is not None:
        where.append("c.status = {}")
        args.append(status)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY c.id DESC" + (f" LIMIT {int(limit)}" if limit is not None else "")
    return list(await Claim.raw(sql, *args))
