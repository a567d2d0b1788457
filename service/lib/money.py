"""Money: NOK as Decimal with two places (ROUND_HALF_UP), stored as integer øre."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from service.lib.errors import Invalid

CENT = Decimal("0.01")
MONEY_TEXT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str, field: str) -> Decimal:
    """A decimal string such as "1234.50" (at most two places, not negative)."""
    if not isinstance(text, str) or not MONEY_TEXT.match(text.strip()):
        raise Invalid(
            '{text!r} is not an amount in NOK such as "1234.50"', field=field, params={"text": text}
        )
    return money(text.strip())


MAX_ORE = 2**31 - 1  # money columns are 32-bit integers of øre (21 474 836.47 kr)


def stored_ore(text_value: str, field: str) -> int:
    """A money string as øre that fits the database, else 422 naming the field."""
    ore = to_ore(parse_money(text_value, field))
    if ore > MAX_ORE:
        raise Invalid("The amount is larger than Samling can store", field=field)
    return ore


def to_ore(value: Decimal) -> int:
    return int(money(value) * 100)


def from_ore(ore: int) -> Decimal:
    return money(Decimal(ore) / 100)


def text(value: Decimal) -> str:
    """The API's form: two places, no grouping."""
    return f"{money(value):.2f}"


def bank_account(value: str, field: str) -> str:
    """A Norwegian account number (11 digits, check digit), given with or without
    spaces and dots; returned as the 11 digits."""
    from stdnum.no import kontonr

    compact = str(kontonr.compact(value))
    if not kontonr.is_valid(compact):
        raise Invalid(
            "{value!r} is not a valid Norwegian bank account number",
            field=field,
            params={"value": value},
        )
    return compact
