"""The Jinja environment every page renders with: autoescape, gettext, and filters that
format dates, times and money in the language of the request."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from service.lib import i18n
from service.lib.clock import parse_when

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _when(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse_when(value, "value")


def _date(value: str | date | datetime, weekday: bool = False) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else _when(value)
    return i18n.date_text(value, weekday=weekday)


def _money(value: str | Decimal | None) -> str:
    return "" if value is None or value == "" else i18n.money_text(Decimal(value))


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.filters.update(
        date=_date,
        time=lambda v: i18n.time_text(_when(v)),
        datetime=lambda v, weekday=False: i18n.datetime_text(_when(v), weekday=weekday),
        span=lambda start, end: i18n.span_text(_when(start), _when(end)),
        money=_money,
        number=i18n.number_text,
    )
    env.globals.update(languages=i18n.NAMES, current_language=i18n.current)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def render(name: str, **context: Any) -> str:
    """Render outside a request (tests, a fragment)."""
    return environment().get_template(name).render(**context)
