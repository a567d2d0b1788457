"""A claim's flags (service.claims.flags) as reviewers read them: a short tag for the
review queue, a sentence with links to the other claims for the claim's page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.claims.schemas import ClaimFlag, ClaimOut
from service.lib.i18n import N_, gettext
from service.lib.labels import LINE_KIND, label

TAGS = {
    "account_not_on_file": N_("Not the municipality's account on file"),
    "no_account_on_file": N_("No account on file"),
    "account_recently_changed": N_("Account changed recently"),
    "duplicate_line": N_("Possible duplicate"),
    "duplicate_receipt": N_("Same receipt on another claim"),
}


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class FlagText:
    code: str
    tag: str
    text: str
    links: list[Link]


def tags(flags: Sequence[ClaimFlag]) -> list[str]:
    return [gettext(TAGS[f.code]) if f.code in TAGS else f.code for f in flags]


def _sentence(f: ClaimFlag, c: ClaimOut) -> str:
    if f.code == "no_account_on_file":
        return gettext(
            "The municipality has no account on file: check that {account} is the "
            "municipality's own account."
        ).format(account=c.payee_account or "")
    if f.code == "account_not_on_file":
        return gettext(
            "The payee account {account} is not the municipality's account on file."
        ).format(account=c.payee_account or "")
    if f.code == "account_recently_changed":
        return gettext(
            "The municipality's account on file was changed within the last 30 days: "
            "check that the change was expected."
        )
    if f.code == "duplicate_line":
        kinds = ", ".join(label(LINE_KIND, k).lower() for k in f.kinds)
        return gettext(
            "Possible duplicate: {name} has another claim for this gathering with {kinds}."
        ).format(name=c.claimant_name, kinds=kinds)
    if f.code == "duplicate_receipt":
        return gettext("A receipt is the same file (the same SHA-256) as one on another claim.")
    return f.code


def texts(c: ClaimOut) -> list[FlagText]:
    return [
        FlagText(
            code=f.code,
            tag=tags([f])[0],
            text=_sentence(f, c),
            links=[
                Link(f"/claims/{other}", gettext("Claim {id}").format(id=other))
                for other in f.claims
            ],
        )
        for f in c.flags
    ]
