"""The gathering editor's form, without HTTP: what the fields hold, the programme rows
(add, remove, move without script), the meal grid (days × breakfast/lunch/dinner), the
body for the gathering service, and the service's complaints put next to the field they
name. `gathering_editor_pages` serves it.

Form names: the gathering's own fields under their API names; programme rows
`programme-{i}-{starts_at|ends_at|title|speaker|description}` with `programme_rows`
their number; meals as checkboxes `meals` = `{date}:{meal}`. The buttons say what to do
(`action`): `add-row`, `remove-{i}`, `up-{i}`, `down-{i}`, `refresh` (show the meal days
for the dates given), `back` (from the preview), or nothing: save.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from service.gatherings.schemas import GatheringOut
from service.lib import i18n, labels
from service.lib.errors import DomainError
from service.lib.i18n import N_, gettext

TEXTS = ("title", "description", "venue", "address", "city")
TIMES = (
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
    "cancellation_deadline",
)
NUMBERS = ("capacity", "seats_per_municipality", "reminder_days")
COORDINATES = ("latitude", "longitude")
OTHERS = ("network", "host_municipality", "audience")
SCALARS = (*TEXTS, *TIMES, *NUMBERS, *COORDINATES, *OTHERS)
ROW_FIELDS = ("starts_at", "ends_at", "title", "speaker", "description")
CONTENT = ("title", "speaker", "description")  # what moves when a row moves; times stay
MEALS = tuple(labels.MEAL)  # breakfast, lunch, dinner
MAX_DAYS = 31  # the meal grid shows at most this many days
REQUIRED = ("title", "starts_at", "ends_at", "capacity")


@dataclass
class ProgrammeRow:
    starts_at: str = ""
    ends_at: str = ""
    title: str = ""
    speaker: str = ""
    description: str = ""

    def empty(self) -> bool:
        return not any(getattr(self, f).strip() for f in ROW_FIELDS)

    def key(self) -> tuple[str, ...]:
        return tuple(getattr(self, f).strip() for f in ROW_FIELDS)


@dataclass(frozen=True)
class MealCell:
    value: str  # "2031-04-02:lunch"
    meal: str
    label: str
    checked: bool


@dataclass(frozen=True)
class MealDay:
    day: str  # ISO date
    cells: list[MealCell]


@dataclass
class GatheringForm:
    values: dict[str, str] = field(default_factory=dict)
    reimbursable: bool = True
    programme: list[ProgrammeRow] = field(default_factory=list)
    meals: set[str] = field(default_factory=set)  # {"2031-04-02:lunch", …}
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def meal_days(self) -> list[MealDay]:
        """One line per day of the gathering as the form has its times (none if unclear)."""
        first, last = _day(self.value("starts_at")), _day(self.value("ends_at"))
        if first is None or last is None or last < first:
            return []
        days = [first + timedelta(days=n) for n in range(min((last - first).days + 1, MAX_DAYS))]
        return [
            MealDay(
                d.isoformat(),
                [
                    MealCell(
                        f"{d.isoformat()}:{m}",
                        m,
                        labels.label(labels.MEAL, m),
                        f"{d.isoformat()}:{m}" in self.meals,
                    )
                    for m in MEALS
                ],
            )
            for d in days
        ]


def _day(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value.strip()).date() if value.strip() else None
    except ValueError:
        return None


def local(value: str | None) -> str:
    """An API time ('2031-04-02T10:00:00+02:00', Oslo) as a datetime-local value."""
    return (value or "")[:16]


# --- from a gathering, from a post ------------------------------------------------------


def blank(network: str = "") -> GatheringForm:
    return GatheringForm(
        values={"network": network, "audience": "members", "reminder_days": "3"},
        programme=[ProgrammeRow() for _ in range(3)],
    )


def from_gathering(g: GatheringOut) -> GatheringForm:
    closes = local(g.registration_closes_at)
    values = {
        **{name: getattr(g, name) or "" for name in (*TEXTS, "audience", "network")},
        **{name: local(getattr(g, name)) for name in TIMES},
        "registration_closes_at": "" if closes == local(g.starts_at) else closes,
        "capacity": str(g.capacity),
        "seats_per_municipality": str(g.seats_per_municipality or ""),
        "reminder_days": str(g.reminder_days),
        "host_municipality": g.host_municipality or "",
        "latitude": "" if g.latitude is None else str(g.latitude),
        "longitude": "" if g.longitude is None else str(g.longitude),
    }
    rows = [
        ProgrammeRow(local(p.starts_at), local(p.ends_at), p.title, p.speaker, p.description)
        for p in g.programme
    ]
    return GatheringForm(
        values=values,
        reimbursable=g.reimbursable,
        programme=[*rows, ProgrammeRow()],
        meals={f"{m.date}:{m.meal}" for m in g.meals},
    )


def from_post(form: Any) -> tuple[GatheringForm, str]:
    """The form as posted, with a row action applied; and the action ('' is save)."""
    values = {name: str(form.get(name, "")) for name in SCALARS}
    try:
        count = min(int(str(form.get("programme_rows", "0"))), 200)
    except ValueError:
        count = 0
    rows = [
        ProgrammeRow(**{f: str(form.get(f"programme-{i}-{f}", "")) for f in ROW_FIELDS})
        for i in range(count)
    ]
    state = GatheringForm(
        values=values,
        reimbursable=form.get("reimbursable") == "1",
        programme=rows,
        meals={str(v) for v in form.getall("meals", []) if isinstance(v, str)},
    )
    action = str(form.get("action", ""))
    _row_action(state, action)
    return state, action


def _row_action(state: GatheringForm, action: str) -> None:
    rows = state.programme
    found = re.fullmatch(r"(remove|up|down)-(\d+)", action)
    if action == "add-row":
        rows.append(ProgrammeRow())
    elif found and int(found.group(2)) < len(rows):
        what, i = found.group(1), int(found.group(2))
        if what == "remove":
            del rows[i]
        else:
            j = i - 1 if what == "up" else i + 1
            if 0 <= j < len(rows):  # the items swap places; the time slots stay
                for f in CONTENT:
                    a, b = getattr(rows[i], f), getattr(rows[j], f)
                    setattr(rows[i], f, b)
                    setattr(rows[j], f, a)
    if not rows:
        rows.append(ProgrammeRow())


# --- the body for the service ----------------------------------------------------------


def _number(state: GatheringForm, name: str, whole: bool) -> int | float | None:
    text = state.value(name).strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (whole and not value.is_integer()):
        state.errors[name] = (
            gettext("Write a whole number.") if whole else gettext("Write a number.")
        )
        return None
    return int(value) if whole else value


def body(state: GatheringForm, *, new: bool) -> tuple[dict[str, Any], list[int]]:
    """The gathering as the API takes it (for GatheringIn or GatheringPatch), and for
    each programme item sent the form row it came from. Errors of the page's own (a
    missing title, a number that is not one) are put in `state.errors`."""
    for name in REQUIRED:
        if not state.value(name).strip():
            state.errors[name] = gettext("Fill this in.")
    out: dict[str, Any] = {name: state.value(name).strip() for name in TEXTS}
    out["description"] = state.value("description").replace("\r\n", "\n").strip()
    for name in TIMES:
        out[name] = state.value(name).strip() or None
    for name in NUMBERS:
        out[name] = _number(state, name, whole=True)
    for name in COORDINATES:
        out[name] = _number(state, name, whole=False)
    if out["reminder_days"] is None and "reminder_days" not in state.errors:
        out["reminder_days"] = 0
    out["host_municipality"] = state.value("host_municipality").strip() or None
    out["audience"] = state.value("audience") or "members"
    out["reimbursable"] = state.reimbursable
    if new:
        out["network"] = state.value("network")
    sent, origin = [], []
    for i, row in enumerate(state.programme):
        if row.empty():
            continue
        if not row.title.strip():
            state.errors[f"programme-{i}-title"] = gettext("Fill this in.")
        for f in ("starts_at", "ends_at"):
            if not getattr(row, f).strip():
                state.errors[f"programme-{i}-{f}"] = gettext("Fill this in.")
        sent.append(
            {
                "starts_at": row.starts_at.strip(),
                "ends_at": row.ends_at.strip(),
                "title": row.title.strip(),
                "speaker": row.speaker.strip(),
                "description": row.description.replace("\r\n", "\n").strip(),
            }
        )
        origin.append(i)
    out["programme"] = sent
    meals = []
    for value in sorted(state.meals):
        day, _, meal = value.partition(":")
        if _day(day + "T00:00") is not None and meal in MEALS:
            meals.append({"date": day, "meal": meal})
    out["meals"] = meals
    if not new:
        out = {k: v for k, v in out.items() if k != "network"}
    return out, origin


def same_programme(sent: list[dict[str, Any]], g: GatheringOut) -> bool:
    def key(p: dict[str, Any]) -> tuple[str, ...]:
        return tuple(local(p[f]) if f.endswith("_at") else p[f] for f in ROW_FIELDS)

    current = [key(msgspec.structs.asdict(p)) for p in g.programme]
    return sorted(key(p) for p in sent) == sorted(current)


def same_meals(sent: list[dict[str, Any]], g: GatheringOut) -> bool:
    return {(m["date"], m["meal"]) for m in sent} == {(m.date, m.meal) for m in g.meals}


# --- the service's complaints next to their fields --------------------------------------


def problem_text(text: str) -> str:
    """msgspec's complaint about a value, in words from the catalogs."""
    if "missing required field" in text:
        return gettext("fill this in")
    found = re.search(r"length (>=|<=) (\d+)", text)
    if found:
        n = int(found.group(2))
        if found.group(1) == "<=":
            return i18n.ngettext("at most {n} character", "at most {n} characters", n).format(n=n)
        return gettext("fill this in")
    found = re.search(r"(>=|>|<=|<) (-?[\d.]+)", text)
    if found:
        words = {
            ">=": N_("must be at least {n}"),
            ">": N_("must be more than {n}"),
            "<=": N_("must be at most {n}"),
            "<": N_("must be less than {n}"),
        }
        return gettext(words[found.group(1)]).format(n=found.group(2))
    return gettext("not a valid value")


def _form_field(name: str, origin: list[int]) -> str | None:
    """The form field for an API field name ('ends_at', 'programme[1].title', 'meals[0].date')."""
    if name in SCALARS:
        return name
    found = re.fullmatch(r"programme\[(\d+)\](?:\.(\w+))?", name)
    if found and int(found.group(1)) < len(origin):
        row = origin[int(found.group(1))]
        part = found.group(2) or "starts_at"  # the row as a whole: by its start
        return f"programme-{row}-{part if part in ROW_FIELDS else 'title'}"
    if name.startswith("meals"):
        return "meals"
    if name.startswith("programme"):
        return "programme"
    return None


def explain(
    exc: DomainError | msgspec.ValidationError, state: GatheringForm, origin: list[int]
) -> None:
    """Put a refusal next to the field it names, or at the top of the form."""
    if isinstance(exc, DomainError):
        name = _form_field(exc.field or "", origin)
        if (
            name
            and re.fullmatch(r"programme\[\d+\]", exc.field or "")
            and "must end" in exc.template
        ):
            name = name.replace("-starts_at", "-ends_at")  # "must end after it starts"
        if name:
            state.errors[name] = exc.message()
        else:
            state.problem = exc.message()
        return
    text = str(exc)
    found = re.search(r"at `\$\.([\w\[\]\.]+)`", text)
    name = _form_field(found.group(1), origin) if found else None
    if name:
        state.errors[name] = problem_text(text)
    else:
        state.problem = gettext("Something is filled in wrongly: {problem}").format(
            problem=problem_text(text)
        )
