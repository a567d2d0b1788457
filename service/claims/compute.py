"""What each claim line is worth under the rate table in force: amount and the rule.

Pure functions: no database, no HTTP. The rules follow the state's travel agreement
(særavtalen om reiser innenlands), as the programme reimburses by it:
- mileage: km x the km rate, plus km x passengers x the passenger rate;
- ticket, accommodation, other: the receipted amount;
- night allowance: nights x the night allowance (an overnight stay without a hotel bill);
- per diem: nothing under 15 km one way; a day trip pays the 6-12 h rate from 6 hours
  and the over-12 h rate beyond 12; a trip with an overnight stay pays the overnight
  rate for each full 24 hours, and for the time beyond the last full 24 hours the
  6-12 h rate (6 to 12 hours) or the over-12 h rate. Each meal the gathering served
  during the trip takes 20 % (breakfast), 30 % (lunch) or 50 % (dinner) of the
  applicable rate (the overnight rate on a trip with an overnight stay), never below
  zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from service.lib import i18n
from service.lib.clock import OSLO
from service.lib.i18n import N_, gettext, ngettext
from service.lib.money import money

MIN_DISTANCE_KM = 15
MEAL_SHARE = {"breakfast": Decimal("0.20"), "lunch": Decimal("0.30"), "dinner": Decimal("0.50")}
# A meal inside a rule text, lower case ("frokost 12.03.").
MEAL_NAMES = {"breakfast": N_("breakfast"), "lunch": N_("lunch"), "dinner": N_("dinner")}


@dataclass(frozen=True)
class Rates:
    valid_from: date
    km: Decimal
    passenger_km: Decimal
    day_6_12h: Decimal
    day_over_12h: Decimal
    overnight: Decimal
    night_allowance: Decimal
    source: str


@dataclass(frozen=True)
class Priced:
    amount: Decimal
    rule: str


RatesFor = Callable[[date], Rates]


def _km(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


def _n(value: Decimal) -> str:
    """A number in a rule text: no trailing zeros (120, 3.5)."""
    text = format(value.normalize(), "f")
    return text


# Each rule is written in the claimant's language (`lang`), from the catalogs; the
# numbers in it are the API's (a point, no grouping), as the rate tables are written.


def mileage(km: float, passengers: int, rates: Rates, lang: str) -> Priced:
    distance = _km(km)
    amount = distance * rates.km + distance * passengers * rates.passenger_km
    with i18n.use(lang):
        rule = gettext("{km} km × {rate}").format(km=_n(distance), rate=rates.km)
        if passengers:
            rule += ngettext(
                " + {km} km × {count} passenger × {rate}",
                " + {km} km × {count} passengers × {rate}",
                passengers,
            ).format(km=_n(distance), count=passengers, rate=rates.passenger_km)
        return Priced(money(amount), _with_source(rule, rates))


def receipted(amount: Decimal, lang: str) -> Priced:
    with i18n.use(lang):
        return Priced(money(amount), gettext("as receipted"))


def night_allowance(nights: int, rates: Rates, lang: str) -> Priced:
    with i18n.use(lang):
        rule = ngettext("{count} night × {rate}", "{count} nights × {rate}", nights).format(
            count=nights, rate=rates.night_allowance
        )
        return Priced(money(nights * rates.night_allowance), _with_source(rule, rates))


def per_diem(
    departure: datetime,
    back: datetime,
    distance_km: float,
    rates: Rates,
    meals: Iterable[tuple[date, str]],
    lang: str,
) -> Priced:
    with i18n.use(lang):
        return _per_diem(departure, back, distance_km, rates, meals)


def _per_diem(
    departure: datetime,
    back: datetime,
    distance_km: float,
    rates: Rates,
    meals: Iterable[tuple[date, str]],
) -> Priced:
    if _km(distance_km) < MIN_DISTANCE_KM:
        rule = gettext("under {km} km from the starting point: no per diem")
        return Priced(money(0), rule.format(km=MIN_DISTANCE_KM))
    length = back - departure
    hours = Decimal(length.total_seconds()) / 3600
    start_day, end_day = departure.astimezone(OSLO).date(), back.astimezone(OSLO).date()
    if end_day > start_day and length >= timedelta(hours=12):  # with an overnight stay
        days = max(int(length // timedelta(hours=24)), 1)
        rest = max(length - timedelta(hours=24) * days, timedelta(0))
        rate = rates.overnight
        gross = days * rate
        rule = ngettext(
            "{hours} h with an overnight stay: {count} × 24 h × {rate}",
            "{hours} h with an overnight stay: {count} × 24 h × {rate}",
            days,
        ).format(hours=_n(hours.quantize(Decimal("0.1"))), count=days, rate=rate)
        if rest >= timedelta(hours=6):  # the part beyond the last full 24 hours
            extra = rates.day_over_12h if rest > timedelta(hours=12) else rates.day_6_12h
            band = "over 12" if rest > timedelta(hours=12) else "6–12"
            gross += extra
            rule += gettext(" + {band} h beyond the last full 24 h: {rate}").format(
                band=band, rate=extra
            )
    else:
        if hours < 6:
            return Priced(money(0), gettext("day trip under 6 h: no per diem"))
        rate = rates.day_over_12h if hours > 12 else rates.day_6_12h
        gross = rate
        band = "over 12" if hours > 12 else "6–12"
        rule = gettext("day trip {band} h: {rate}").format(band=band, rate=rate)
    served = sorted((d, m) for d, m in set(meals) if start_day <= d <= end_day and m in MEAL_SHARE)
    deduction = sum((MEAL_SHARE[m] * rate for _, m in served), Decimal(0))
    if served:
        names = ", ".join(f"{gettext(MEAL_NAMES[m])} {d:%d.%m.}" for d, m in served)
        rule += gettext(" − meals served ({meals}): {amount}").format(
            meals=names, amount=money(deduction)
        )
    return Priced(money(max(gross - deduction, Decimal(0))), _with_source(rule, rates))


def _with_source(rule: str, rates: Rates) -> str:
    return gettext("{rule} (rates from {day})").format(rule=rule, day=rates.valid_from.isoformat())


def total(amounts: Iterable[Decimal]) -> Decimal:
    return money(sum(amounts, Decimal(0)))
