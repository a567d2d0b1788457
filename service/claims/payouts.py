"""Payouts: approved claims batched for the bank, one payment per municipality and
account, as CSV and as an ISO 20022 pain.001.001.03 credit transfer file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Annotated, Any

import msgspec
from stdnum.no import kontonr

from service.accounts.identity import CurrentUser
from service.claims import claims as claim_service
from service.db.tables import Claim, Payout
from service.db.tx import atomic, is_sqlite
from service.lib import csvfile
from service.lib.clock import OSLO, now, oslo_iso
from service.lib.errors import Conflict, Forbidden, Invalid, Label, NotFound
from service.lib.i18n import pgettext
from service.lib.ids import row_id
from service.lib.labels import CLAIM_STATUS
from service.lib.money import MAX_ORE, from_ore, text
from service.outbox.service import enqueue_mail
from service.settings import Settings

PAIN = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


class PayoutIn(msgspec.Struct, forbid_unknown_fields=True):
    claims: Annotated[list[str], msgspec.Meta(max_length=2000)]


class Payment(msgspec.Struct):
    municipality: str
    municipality_name: str
    org_number: str | None
    account: str
    amount: str
    claims: list[str]


class PayoutOut(msgspec.Struct):
    id: str
    status: str
    total: str
    payments: list[Payment]
    created_by: str
    created_at: str
    paid_by: str | None
    paid_at: str | None


def _finance(user: CurrentUser) -> None:
    if not user.is_finance:
        raise Forbidden("Only finance handles payouts")


PAYMENT_SQL = (
    "SELECT c.id, c.approved_total, c.payee_account, m.number, m.name, m.org_number "
    "FROM claim c JOIN municipality m ON m.id = c.municipality WHERE c.payout = {} "
    "ORDER BY m.number, c.payee_account, c.id"
)


async def _payments(payout_id: int) -> list[Payment]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in await Claim.raw(PAYMENT_SQL, payout_id):
        g = groups.setdefault(
            (r["number"], r["payee_account"]),
            {"row": r, "amount": 0, "claims": []},
        )
        g["amount"] += r["approved_total"] or 0
        g["claims"].append(str(r["id"]))
    return [
        Payment(
            municipality=g["row"]["number"],
            municipality_name=g["row"]["name"],
            org_number=g["row"]["org_number"],
            account=g["row"]["payee_account"],
            amount=text(from_ore(g["amount"])),
            claims=g["claims"],
        )
        for g in groups.values()
    ]


async def _out(row: dict[str, Any]) -> PayoutOut:
    return PayoutOut(
        id=str(row["id"]),
        status=row["status"],
        total=text(from_ore(row["total"])),
        payments=await _payments(row["id"]),
        created_by=row["created_by"],
        created_at=oslo_iso(row["created_at"]) or "",
        paid_by=row["paid_by"],
        paid_at=oslo_iso(row["paid_at"]),
    )


async def _row(payout_id: str, for_update: bool = False) -> dict[str, Any]:
    number = row_id(payout_id)
    if number is None:
        raise NotFound("No payout with that id")
    sql = "SELECT * FROM payout WHERE id = {}"
    if for_update and not is_sqlite():
        sql += " FOR UPDATE"
    rows = await Payout.raw(sql, number)
    if not rows:
        raise NotFound("No payout with that id")
    return rows[0]


CLAIM_FOR_PAYOUT = (
    "SELECT id, status, payout, payee_account, approved_total FROM claim WHERE id = {}"
)


async def create(user: CurrentUser, data: PayoutIn) -> PayoutOut:
    _finance(user)
    if not data.claims:
        raise Invalid("Name at least one approved claim", field="claims")
    ids: list[int] = []
    for i, given in enumerate(data.claims):
        number = row_id(given)
        if number is None:
            raise Invalid("No claim {claim!r}", field=f"claims[{i}]", params={"claim": given})
        if number in ids:  # compared as numbers: "7" and "07" are one claim
            raise Invalid("A claim is named twice", field=f"claims[{i}]")
        ids.append(number)
    async with atomic():
        sql = CLAIM_FOR_PAYOUT if is_sqlite() else CLAIM_FOR_PAYOUT + " FOR UPDATE"
        rows = {}
        for claim_id in sorted(ids):  # one at a time, in id order: no lock-order deadlock
            found = await Claim.raw(sql, claim_id)
            if found:
                rows[claim_id] = found[0]
        total = 0
        for i, claim_id in enumerate(ids):
            r = rows.get(claim_id)
            if r is None:
                raise Invalid("No claim {claim}", field=f"claims[{i}]", params={"claim": claim_id})
            if r["payout"] is not None:
                raise Conflict(
                    "Claim {claim} is in a payout already; only approved claims are paid out",
                    params={"claim": claim_id},
                )
            if r["status"] != "approved":
                raise Conflict(
                    "Claim {claim} is {status}; only approved claims are paid out",
                    params={"claim": claim_id, "status": Label(CLAIM_STATUS, r["status"])},
                )
            if not r["payee_account"]:
                raise Conflict("Claim {claim} has no account to pay to", params={"claim": claim_id})
            total += r["approved_total"]
        if total > MAX_ORE:
            raise Conflict("The batch is larger than one payout can hold; split it in two")
        inserted = await Payout.insert(Payout(total=total, created_by=user.email))
        payout_id = int(inserted[0]["id"])
        await Claim.update({Claim.payout: payout_id, Claim.updated_at: now()}).where(
            Claim.id.is_in(ids)
        )
        for claim_id in ids:
            await claim_service.record_event(
                claim_id, "payout", "approved", "approved", user.email, f"payout {payout_id}"
            )
    return await detail(user, str(payout_id))


async def detail(user: CurrentUser, payout_id: str) -> PayoutOut:
    _finance(user)
    return await _out(await _row(payout_id))


async def list_payouts(user: CurrentUser) -> list[PayoutOut]:
    _finance(user)
    rows = await Payout.select().order_by(Payout.id, ascending=False).limit(200)
    return [await _out(r) for r in rows]


async def mark_paid(user: CurrentUser, payout_id: str, base_url: str) -> PayoutOut:
    _finance(user)
    async with atomic():
        row = await _row(payout_id, for_update=True)
        if row["status"] == "paid":
            raise Conflict("The payout is marked as paid already")
        at = now()
        await Payout.update(
            {Payout.status: "paid", Payout.paid_by: user.email, Payout.paid_at: at}
        ).where(Payout.id == row["id"])
        members = await Claim.raw(claim_service.CLAIM_SQL + " WHERE c.payout = {}", row["id"])
        await Claim.update({Claim.status: "paid", Claim.paid_at: at, Claim.updated_at: at}).where(
            Claim.payout == row["id"]
        )
        for c in members:
            await claim_service.record_event(c["id"], "pay", "approved", "paid", user.email)
            lang = c["claimant_language"] or "nb"
            await enqueue_mail(
                "claim_paid",
                c["claimant_email"],
                lang,
                {
                    "name": c["claimant_name"],
                    "title": c["gathering_title"],
                    "amount": claim_service.mail_money(from_ore(c["approved_total"] or 0), lang),
                    "account": kontonr.format(c["payee_account"]),
                    "url": f"{base_url}/api/v1/claims/{c['id']}",
                },
                idempotency_key=f"claim_paid:{c['id']}",
            )
    return await detail(user, payout_id)


def csv_header() -> list[str]:
    """The columns, in the language of the moment (bokmål unless a page chose another)."""
    return [
        pgettext("CSV column", "municipality number"),
        pgettext("CSV column", "municipality"),
        pgettext("CSV column", "organisation number"),
        pgettext("CSV column", "account number"),
        pgettext("CSV column", "amount"),
        pgettext("CSV column", "number of claims"),
        pgettext("CSV column", "claims"),
        pgettext("CSV column", "message"),
    ]


def _message(payout_id: str, p: Payment) -> str:
    return f"Samling utbetaling {payout_id}: reiseregning {', '.join(p.claims)}"[:140]


async def as_csv(user: CurrentUser, payout_id: str) -> bytes:
    out = await detail(user, payout_id)
    return csvfile.as_csv(
        csv_header(),
        (
            [
                p.municipality,
                p.municipality_name,
                p.org_number or "",
                p.account,
                p.amount.replace(".", ","),
                len(p.claims),
                " ".join(p.claims),
                _message(out.id, p),
            ]
            for p in out.payments
        ),
    )


def _sub(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if value is not None:
        el.text = value
    return el


def _account_id(parent: ET.Element, tag: str, account: str) -> None:
    acct = _sub(parent, tag)
    _sub(_sub(acct, "Id"), "IBAN", str(kontonr.to_iban(account)).replace(" ", ""))


async def as_pain001(user: CurrentUser, payout_id: str, settings: Settings) -> bytes:
    out = await detail(user, payout_id)
    if not settings.payer_account:
        raise Conflict("SAMLING_PAYER_ACCOUNT is not set: the bank file needs the paying account")
    created = now().astimezone(OSLO).replace(microsecond=0)
    execution = (created + timedelta(days=1)).date().isoformat()
    count = str(len(out.payments))
    doc = ET.Element("Document", {"xmlns": PAIN})
    root = _sub(doc, "CstmrCdtTrfInitn")
    hdr = _sub(root, "GrpHdr")
    _sub(hdr, "MsgId", f"SAMLING-{out.id}-{created:%Y%m%d%H%M%S}")
    _sub(hdr, "CreDtTm", created.replace(tzinfo=None).isoformat())
    _sub(hdr, "NbOfTxs", count)
    _sub(hdr, "CtrlSum", out.total)
    party = _sub(hdr, "InitgPty")
    _sub(party, "Nm", settings.payer_name)
    other = _sub(_sub(_sub(party, "Id"), "OrgId"), "Othr")
    _sub(other, "Id", settings.payer_org_number)
    _sub(_sub(other, "SchmeNm"), "Cd", "CUST")
    info = _sub(root, "PmtInf")
    _sub(info, "PmtInfId", f"SAMLING-{out.id}")
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "NbOfTxs", count)
    _sub(info, "CtrlSum", out.total)
    _sub(_sub(info, "PmtTpInf"), "InstrPrty", "NORM")
    _sub(info, "ReqdExctnDt", execution)
    _sub(_sub(info, "Dbtr"), "Nm", settings.payer_name)
    _account_id(info, "DbtrAcct", settings.payer_account)
    _sub(_sub(_sub(info, "DbtrAgt"), "FinInstnId"), "Othr").append(_id_el("NOTPROVIDED"))
    for n, p in enumerate(out.payments, start=1):
        # One municipality may be paid to two accounts: the ids count payments.
        tx = _sub(info, "CdtTrfTxInf")
        pmt = _sub(tx, "PmtId")
        _sub(pmt, "InstrId", f"{out.id}-{n}")
        _sub(pmt, "EndToEndId", f"SAMLING-{out.id}-{n}-{p.municipality}")
        _sub(_sub(tx, "Amt"), "InstdAmt", p.amount, Ccy="NOK")
        _sub(_sub(tx, "Cdtr"), "Nm", p.municipality_name[:70])
        _account_id(tx, "CdtrAcct", p.account)
        _sub(_sub(tx, "RmtInf"), "Ustrd", _message(out.id, p))
    ET.indent(doc)
    return ET.tostring(doc, encoding="UTF-8", xml_declaration=True)


def _id_el(value: str) -> ET.Element:
    el = ET.Element("Id")
    el.text = value
    return el
