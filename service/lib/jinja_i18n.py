"""One Jinja set-up for the pages and the mails: gettext in the language of the moment
and filters that format dates, times and money for people (service.lib.i18n)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from jinja2 import Environment, Undefined

from service.lib.clock import parse_when
from service.lib.i18n import (
    date_text,
    datetime_text,
    gettext,
    money_text,
    ngettext,
    npgettext,
    number_text,
    pgettext,
    span_text,
    time_text,
)


def _when(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse_when(value, "value")


def _date_filter(value: str | date | datetime, weekday: bool = False) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else _when(value)
    return date_text(value, weekday=weekday)


def _money_filter(value: str | Decimal | None) -> str:
    return "" if value is None or value == "" else money_text(Decimal(value))


def install_jinja(env: Environment) -> Environment:
    """Give a Jinja environment gettext in the language of the moment (`_()`, `ngettext`,
    `pgettext`, `{% trans %}` trimmed) and the filters `date`, `time`, `datetime`, `span`,
    `money` and `number` (ISO strings or values in, text for people out)."""

    def counted(singular: str, plural: str, n: int) -> str:
        if isinstance(n, Undefined):  # name the missing count, not Babel's type error
            n._fail_with_undefined_error()
        return ngettext(singular, plural, n)

    def counted_in(context: str, singular: str, plural: str, n: int) -> str:
        if isinstance(n, Undefined):
            n._fail_with_undefined_error()
        return npgettext(context, singular, plural, n)

    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, counted, newstyle=True, pgettext=pgettext, npgettext=counted_in
    )
    env.filters.update(
        date=_date_filter,
        time=lambda v: time_text(_when(v)),
        datetime=lambda v, weekday=False: datetime_text(_when(v), weekday=weekday),
        span=lambda start, end: span_text(_when(start), _when(end)),
        money=_money_filter,
        number=number_text,
    )
    return env
