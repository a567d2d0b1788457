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

from service.lib.clock import OSLO
from service.lib.money import money, nok

MIN_DISTANCE_KM = 15
MEAL_SHARE = {"breakfast": Decimal("0.20"), "lunch": Decimal("0.30"), "dinner": Decimal("0.50")}
MEAL_NAMES = {
    "nb": {"breakfast": "frokost", "lunch": "lunsj", "dinner": "middag"},
    "en": {"breakfast": "breakfast", "lunch": "lunch", "dinner": "dinner"},
}


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


def mileage(km: float, passengers: int, rates: Rates, lang: str) -> Priced:
    distance = _km(km)
    amount = distance * rates.km + distance * passengers * rates.passenger_km
    rule = f"{_n(distance)} km × {rates.km}"
    if passengers:
        label = "passasjer" if lang == "nb" else "passenger"
        if passengers > 1:
            label += "er" if lang == "nb" else "s"
        rule += f" + {_n(distance)} km × {passengers} {label} × {rates.passenger_km}"
    return Priced(money(amount), _with_source(rule, rates, lang))


def receipted(amount: Decimal, lang: str) -> Priced:
    return Priced(money(amount), "etter kvittering" if lang == "nb" else "as receipted")


def night_allowance(nights: int, rates: Rates, lang: str) -> Priced:
    label = "netter" if lang == "nb" else "nights"
    rule = f"{nights} {label} × {rates.night_allowance}"
    return Priced(money(nights * rates.night_allowance), _with_source(rule, rates, lang))


def per_diem(
    departure: datetime,
    back: datetime,
    distance_km: float,
    rates: Rates,
    meals: Iterable[tuple[date, str]],
    lang: str,
) -> Priced:
    nb = lang == "nb"
    if _km(distance_km) < MIN_DISTANCE_KM:
        rule = (
            f"under {MIN_DISTANCE_KM} km fra reisens utgangspunkt: ingen diett"
            if nb
            else f"under {MIN_DISTANCE_KM} km from the starting point: no per diem"
        )
        return Priced(money(0), rule)
    length = back - departure
    hours = Decimal(length.total_seconds()) / 3600
    start_day, end_day = departure.astimezone(OSLO).date(), back.astimezone(OSLO).date()
    if end_day > start_day and length >= timedelta(hours=12):  # with an overnight stay
        days = max(int(length // timedelta(hours=24)), 1)
        rest = max(length - timedelta(hours=24) * days, timedelta(0))
        rate = rates.overnight
        gross = days * rate
        rule = (
            f"{_n(hours.quantize(Decimal('0.1')))} t med overnatting: {days} døgn × {rate}"
            if nb
            else f"{_n(hours.quantize(Decimal('0.1')))} h with an overnight stay: "
            f"{days} × 24 h × {rate}"
        )
        if rest >= timedelta(hours=6):  # the part beyond the last full 24 hours
            extra = rates.day_over_12h if rest > timedelta(hours=12) else rates.day_6_12h
            band = "over 12" if rest > timedelta(hours=12) else "6–12"
            gross += extra
            rule += (
                f" + {band} timer ut over helt døgn: {extra}"
                if nb
                else f" + {band} h beyond the last full 24 h: {extra}"
            )
    else:
        if hours < 6:
            rule = (
                "dagreise under 6 timer: ingen diett" if nb else "day trip under 6 h: no per diem"
            )
            return Priced(money(0), rule)
        rate = rates.day_over_12h if hours > 12 else rates.day_6_12h
        gross = rate
        band = "over 12" if hours > 12 else "6–12"
        rule = f"dagreise {band} timer: {rate}" if nb else f"day trip {band} h: {rate}"
    served = sorted((d, m) for d, m in set(meals) if start_day <= d <= end_day and m in MEAL_SHARE)
    deduction = sum((MEAL_SHARE[m] * rate for _, m in served), Decimal(0))
    if served:
        names = ", ".join(f"{MEAL_NAMES[lang][m]} {d:%d.%m.}" for d, m in served)
        rule += (
            f" − måltider servert ({names}): {money(deduction)}"
            if nb
            else f" − meals served ({names}): {money(deduction)}"
        )
    return Priced(money(max(gross - deduction, Decimal(0))), _with_source(rule, rates, lang))


def _with_source(rule: str, rates: Rates, lang: str) -> str:
    since = "satser fra" if lang == "nb" else "rates from"
    return f"{rule} ({since} {rates.valid_from.isoformat()})"


def total(amounts: Iterable[Decimal]) -> Decimal:
    return money(sum(amounts, Decimal(0)))


def describe_total(value: Decimal, lang: str) -> str:
    return nok(value, lang)
