"""Server-side bar charts for the statistics page: the geometry of inline SVG (viewBox
units), rendered by templates/statistics/_chart.html. No script, no style attributes:
the colours are classes in app.css."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 340  # viewBox width: about 1:1 on a phone, so the text stays readable
BAR_SPACE = 230  # the longest bar; the rest of the width holds its value
LABEL_H = 20
BAR_H = 14
GAP = 14
LEGEND_H = 28
MAX_LABEL = 44


@dataclass
class Bar:
    y: float
    width: float
    css: str
    text: str  # the value as read


@dataclass
class Group:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass
class LegendItem:
    x: float
    css: str
    text: str


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    height: float
    groups: list[Group]
    legend: list[LegendItem] = field(default_factory=list)
    width: int = WIDTH
    bar_h: int = BAR_H


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[tuple[str, list[tuple[int, str]]]],
    series: list[tuple[str, str]],
) -> Chart:
    """rows: (label, [(value, value as text) per series]); series: (css class, name).
    Bars are scaled to the largest value of all series."""
    top = max((v for _, values in rows for v, _ in values), default=0)
    y = float(LEGEND_H if len(series) > 1 else 4)
    legend = []
    x = 0.0
    if len(series) > 1:
        for css, name in series:
            legend.append(LegendItem(x, css, name))
            x += 24 + 8 * len(name) + 16
    groups = []
    for label, values in rows:
        label_y = y + 14
        y += LABEL_H
        bars = []
        for (v, shown), (css, _) in zip(values, series, strict=True):
            width = 0.0 if top == 0 else max(1.0, BAR_SPACE * v / top) if v else 0.0
            bars.append(Bar(y, round(width, 1), css, shown))
            y += BAR_H + 4
        groups.append(Group(_short(label), label_y, bars))
        y += GAP
    return Chart(chart_id, title, desc, y, groups, legend)
