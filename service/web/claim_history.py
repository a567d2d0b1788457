"""The claim page's history as reviewers read it: under a resubmission after a return,
what changed since the return (service.claims.snapshots), one sentence per change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.claims.snapshots import Changes, LineChange
from service.lib.i18n import gettext, money_text
from service.lib.labels import LINE_KIND, label
from service.lib.money import from_ore


@dataclass(frozen=True)
class ChangeList:
    """What a resubmission changed: sentences, or `unchanged`."""

    rows: list[str]

    @property
    def unchanged(self) -> bool:
        return not self.rows


def _money(ore: int | None) -> str:
    return "" if ore is None else money_text(from_ore(ore))


Describe = Callable[[Mapping[str, Any]], str]  # claim_view.what: what a line is for


def _line(change: LineChange, describe: Describe) -> str:
    def _what(data: Mapping[str, Any] | None) -> str:
        return describe(data) if data else ""

    kind = label(LINE_KIND, change.kind)
    if change.change == "added":
        return gettext("Added: {line}, {amount}").format(
            line=" – ".join(x for x in (kind, _what(change.after)) if x),
            amount=_money(change.amount_after),
        )
    if change.change == "removed":
        return gettext("Removed: {line}, {amount}").format(
            line=" – ".join(x for x in (kind, _what(change.before)) if x),
            amount=_money(change.amount_before),
        )
    before, after = _what(change.before), _what(change.after)
    line = " – ".join(x for x in (kind, before) if x)
    if before != after:
        line = gettext("{before} (now: {after})").format(before=line, after=after or kind)
    if change.amount_before == change.amount_after:
        return gettext("Changed: {line}, the amount is the same ({amount})").format(
            line=line, amount=_money(change.amount_after)
        )
    return gettext("Changed: {line}, {before} → {after}").format(
        line=line, before=_money(change.amount_before), after=_money(change.amount_after)
    )


def change_list(changes: Changes, describe: Describe) -> ChangeList:
    rows = [_line(c, describe) for c in changes.lines]
    if changes.account_changed:
        rows.append(
            gettext("Payee account: {before} → {after}").format(
                before=changes.account_before or "–", after=changes.account_after or "–"
            )
        )
    return ChangeList(rows)


def change_lists(found: Mapping[int, Changes], describe: Describe) -> dict[int, ChangeList]:
    return {position: change_list(c, describe) for position, c in found.items()}
