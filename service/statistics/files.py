"""The statistics as CSV (one row per network, county and municipality with a `level`
column, then a totals row) and as XLSX (one sheet per level, numbers as numbers)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from service.lib import csvfile
from service.lib.i18n import pgettext
from service.lib.money import from_ore, text
from service.statistics.figures import COLUMNS, Row, Statistics, Tally, levels, value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


def figure_headings() -> list[str]:
    """The figures' column headings in the language of the moment."""
    names = {
        "gatherings": pgettext("statistics column", "gatherings held"),
        "places": pgettext("statistics column", "places offered"),
        "registrations": pgettext("statistics column", "registrations"),
        "attended": pgettext("statistics column", "attended"),
        "no_shows": pgettext("statistics column", "no-shows"),
        "waitlist_peak": pgettext("statistics column", "waiting-list peak"),
        "late_cancellations": pgettext("statistics column", "late cancellations"),
        "claims_submitted": pgettext("statistics column", "claims submitted"),
        "claimed_total": pgettext("statistics column", "claimed (NOK)"),
        "claims_approved": pgettext("statistics column", "claims approved"),
        "approved_total": pgettext("statistics column", "approved (NOK)"),
        "claims_paid": pgettext("statistics column", "claims paid"),
        "paid_total": pgettext("statistics column", "paid (NOK)"),
        "cost_per_attendee": pgettext("statistics column", "cost per attendee (NOK)"),
    }
    return [names[key] for key, _ in COLUMNS]


def level_names() -> dict[str, str]:
    return {
        "network": pgettext("statistics level", "network"),
        "county": pgettext("statistics level", "county"),
        "municipality": pgettext("statistics level", "municipality"),
        "total": pgettext("statistics level", "total"),
    }


def _csv_figures(t: Tally) -> list[object]:
    out: list[object] = []
    for key, kind in COLUMNS:
        v = value(t, key)
        if v is None:
            out.append("")
        elif kind == "money":
            out.append(text(from_ore(v)).replace(".", ","))
        else:
            out.append(v)
    return out


def as_csv(stats: Statistics) -> bytes:
    names = level_names()
    header = [
        pgettext("statistics column", "level"),
        pgettext("statistics column", "code"),
        pgettext("statistics column", "name"),
        pgettext("statistics column", "county"),
        *figure_headings(),
    ]
    rows: list[list[object]] = []
    for level, items in levels(stats):
        for r in items:
            rows.append([names[level], r.code, r.name, r.county or "", *_csv_figures(r.tally)])
    rows.append([names["total"], "", "", "", *_csv_figures(stats.totals)])
    return csvfile.as_csv(header, rows)


def _sheet_title(level: str) -> str:
    return {
        "network": pgettext("statistics sheet", "Networks"),
        "county": pgettext("statistics sheet", "Counties"),
        "municipality": pgettext("statistics sheet", "Municipalities"),
    }[level]


def _xlsx_row(ws: object, values: list[object], money_cols: set[int]) -> None:
    ws.append(values)  # type: ignore[attr-defined]
    row = ws.max_row  # type: ignore[attr-defined]
    for col in money_cols:
        ws.cell(row=row, column=col).number_format = MONEY_FORMAT  # type: ignore[attr-defined]


def _xlsx_figures(t: Tally) -> list[object]:
    out: list[object] = []
    for key, kind in COLUMNS:
        v = value(t, key)
        if v is None:
            out.append(None)
        elif kind == "money":
            out.append(Decimal(v) / 100)
        else:
            out.append(v)
    return out


def as_xlsx(stats: Statistics) -> bytes:
    wb = Workbook()
    first = True
    for level, items in levels(stats):
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = _sheet_title(level)
        lead = [pgettext("statistics column", "code"), pgettext("statistics column", "name")]
        if level == "municipality":
            lead.append(pgettext("statistics column", "county"))
        money_cols = {len(lead) + i + 1 for i, (_, kind) in enumerate(COLUMNS) if kind == "money"}
        ws.append([*lead, *figure_headings()])
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for r in items:
            start: list[object] = [r.code, r.name]
            if level == "municipality":
                start.append(r.county_name or "")
            _xlsx_row(ws, [*start, *_xlsx_figures(r.tally)], money_cols)
        total: list[object] = [level_names()["total"], ""]
        if level == "municipality":
            total.append("")
        if level == "network":
            _xlsx_row(ws, [*total, *_xlsx_figures(stats.totals)], money_cols)
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        for i, heading in enumerate(ws[1], start=1):
            ws.column_dimensions[heading.column_letter].width = max(
                12, min(40, len(str(heading.value or "")) + 2)
            )
            del i
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filename(stats: Statistics, ext: str) -> str:
    parts = ["statistikk", str(stats.year)]
    if stats.network:
        parts.append(stats.network)
    if stats.county:
        parts.append(stats.county)
    return "-".join(parts) + "." + ext


__all__ = ["XLSX", "Row", "as_csv", "as_xlsx", "filename"]
