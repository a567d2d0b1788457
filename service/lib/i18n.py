"""Languages: the gettext catalogs, the language of the moment, and formatting for people.

One mechanism for pages, mails, rule texts, problem details and feed texts. Source
strings (msgids) are English; the catalogs under `service/locale/{nb,nn,en}/LC_MESSAGES/`
translate them (`make messages` extracts and updates, `make install` compiles). The
language of the moment lives in a context variable: a page request sets it from the user,
the `lang` cookie or `Accept-Language`; a mail or feed sets it with `use(language)`.
Dates, times and money are formatted with Babel for nb_NO, nn_NO and en_GB, with the
patterns themselves in the catalogs ("3. mars 2027 kl. 10.00", "1 234,50 kr").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

Language = Literal["nb", "nn", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "nn", "en")
DEFAULT: Language = "nb"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
BABEL_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}
# Each language named in itself, for the language switch.
NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
OSLO = ZoneInfo("Europe/Oslo")

_current: ContextVar[Language] = ContextVar("language", default=DEFAULT)


def normalize(value: str | None) -> Language | None:
    """'nb', 'nb-NO', 'no', 'nn_NO', 'en-GB' → a language we have; None otherwise."""
    if not value:
        return None
    tag = value.strip().lower().replace("_", "-")
    primary = tag.split("-")[0]
    if primary in ("nb", "no"):
        return "nb"
    if primary == "nn":
        return "nn"
    if primary == "en":
        return "en"
    return None


def negotiate(accept_language: str | None) -> Language | None:
    """The best of our languages in an Accept-Language header, or None."""
    best: tuple[float, int, Language] | None = None
    for i, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.partition(";")
        lang = normalize(tag)
        if lang is None:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, val = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, lang)
    return best[2] if best else None


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of a language (empty when `make install` has not compiled it)."""
    lang = normalize(language) or DEFAULT
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def current() -> Language:
    return _current.get()


@contextmanager
def use(language: str | None) -> Iterator[Language]:
    """Run a block in a language (unknown or empty: bokmål)."""
    lang = normalize(language) or DEFAULT
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def set_current(language: str | None) -> Language:
    """Set the language for the rest of this task (a request's middleware uses it)."""
    lang = normalize(language) or DEFAULT
    _current.set(lang)
    return lang


def gettext(message: str) -> str:
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).upgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).unpgettext(context, singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `_()`."""
    return message


def _locale() -> str:
    return BABEL_LOCALES[_current.get()]


def date_text(value: date | datetime, *, weekday: bool = False) -> str:
    """'3. mars 2027' / '3 March 2027'; with weekday 'onsdag 3. mars 2027'."""
    if isinstance(value, datetime):
        value = value.astimezone(OSLO).date()
    pattern = pgettext("date format", "EEEE d MMMM y") if weekday else None
    return _babel_date(value, pattern or "long", locale=_locale())


def time_text(value: time | datetime) -> str:
    """'10.00' in Norwegian, '10:00' in English."""
    if isinstance(value, datetime):
        value = value.astimezone(OSLO).time()
    return _babel_time(value, pgettext("time format", "HH:mm"), locale=_locale())


def datetime_text(value: datetime, *, weekday: bool = False) -> str:
    """'3. mars 2027 kl. 10.00' / '3 March 2027 at 10:00', in Oslo time."""
    return gettext("{date} at {time}").format(
        date=date_text(value, weekday=weekday), time=time_text(value)
    )


def span_text(start: datetime, end: datetime) -> str:
    """A gathering's time: one day '3. mars 2027 kl. 10.00–15.00', else both ends in full."""
    if start.astimezone(OSLO).date() == end.astimezone(OSLO).date():
        return f"{datetime_text(start)}–{time_text(end)}"
    return f"{datetime_text(start)} – {datetime_text(end)}"


def money_text(value: Decimal) -> str:
    """'1 234,50 kr' / 'NOK 1,234.50' (exact: Decimal in, grouped digits out)."""
    amount = format_decimal(value, "#,##0.00", locale=_locale())
    return gettext("{amount} kr").format(amount=amount)


def number_text(value: int | Decimal) -> str:
    return format_decimal(value, locale=_locale())
