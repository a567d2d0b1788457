"""The Jinja environment every page renders with: autoescape, gettext, and filters that
format dates, times and money in the language of the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from service.lib import i18n
from service.lib.jinja_i18n import install_jinja

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_jinja(env)
    env.globals.update(languages=i18n.NAMES, current_language=i18n.current)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def render(name: str, **context: Any) -> str:
    """Render outside a request (tests, a fragment)."""
    return environment().get_template(name).render(**context)
