"""Rendering: one outbox row (kind, language, context) into a MIME message.

Templates live in emails/templates/ as `{kind}.subject.txt`, `{kind}.txt` and
`{kind}.html`, one set for every language: their texts are English msgids, rendered
inside `i18n.use(language)` so the catalogs give bokmål (the default), nynorsk or
English, with the same gettext and formatting filters as the pages
(`service.lib.jinja_i18n.install_jinja`). Texts are `_()`/`ngettext()` calls, one per
paragraph or line, so the plain-text mails keep their line breaks (a trimmed
`{% trans %}` block would fold them). They render with StrictUndefined, so a missing
context key is an error, never an empty gap in a mail. The message is plain text plus
HTML (multipart/alternative), with optional extra parts (`MimePart`): an alternative part
such as `text/calendar; method=REQUEST`, or an attachment.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from emails.kinds import DEFAULT_LANGUAGE, KINDS, LANGUAGES
from service.lib import i18n
from service.lib.jinja_i18n import install_jinja

TEMPLATES = Path(__file__).parent / "templates"
SITE_NAME = "Samling"
OSLO = ZoneInfo("Europe/Oslo")
PARTS_KEY = "_parts"  # reserved context key: extra MIME parts stored with the row


class RenderError(ValueError):
    """The row cannot become a mail (unknown kind, missing variable, bad part)."""


@dataclass(frozen=True)
class MimePart:
    """An extra MIME part. `alternative=True` puts it next to the text and HTML
    (what calendar clients expect of `text/calendar; method=REQUEST`); otherwise it is
    attached. `params` become Content-Type parameters, e.g. {"method": "REQUEST"}."""

    content: str | bytes
    maintype: str
    subtype: str
    filename: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    alternative: bool = False

    def to_json(self) -> dict[str, Any]:
        """The form kept in an outbox row's context under `_parts`."""
        data: dict[str, Any] = {
            "maintype": self.maintype,
            "subtype": self.subtype,
            "filename": self.filename,
            "params": dict(self.params),
            "alternative": self.alternative,
        }
        if isinstance(self.content, bytes):
            data["content"] = base64.b64encode(self.content).decode("ascii")
            data["encoding"] = "base64"
        else:
            data["content"] = self.content
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MimePart:
        try:
            content: str | bytes = data["content"]
            if data.get("encoding") == "base64":
                content = base64.b64decode(str(content))
            return cls(
                content=content,
                maintype=str(data["maintype"]),
                subtype=str(data["subtype"]),
                filename=data.get("filename"),
                params=dict(data.get("params") or {}),
                alternative=bool(data.get("alternative", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RenderError(f"bad extra part in the mail context: {exc}") from exc


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from service.campaigns.render import letter_html

    env.filters["letter_markdown"] = letter_html  # campaign letters: Markdown, sanitised
    return install_jinja(env)


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def render_texts(
    kind: str, language: str, context: Mapping[str, Any], base_url: str
) -> tuple[str, str, str]:
    """Subject, plain text and HTML for one kind in one language."""
    if kind not in KINDS:
        raise RenderError(f"unknown mail kind {kind!r}")
    lang = language_of(language)
    variables = {
        **{k: v for k, v in context.items() if k != PARTS_KEY},
        "base_url": base_url,
        "site_name": SITE_NAME,
        "language": lang,
    }
    env = environment()
    try:
        with i18n.use(lang):
            subject = env.get_template(f"{kind}.subject.txt").render(variables)
            variables["subject"] = subject = " ".join(subject.split())
            text = env.get_template(f"{kind}.txt").render(variables)
            html = env.get_template(f"{kind}.html").render(variables)
    except Exception as exc:  # jinja2's UndefinedError, TemplateNotFound, syntax errors
        raise RenderError(f"{kind} ({lang}): {type(exc).__name__}: {exc}") from exc
    return subject, text.rstrip() + "\n", html


def _to_header(recipient: str, name: Any) -> Address | str:
    if isinstance(name, str) and name.strip():
        try:
            return Address(display_name=name.strip(), addr_spec=recipient)
        except (ValueError, IndexError):
            return recipient
    return recipient


def render(
    kind: str,
    language: str,
    context: Mapping[str, Any],
    *,
    recipient: str,
    message_id: str,
    mail_from: str,
    base_url: str,
    parts: Iterable[MimePart] = (),
    date: datetime | None = None,
) -> EmailMessage:
    """Build the message: text + HTML, the headers, and any extra parts (also those
    kept in the context under `_parts`)."""
    subject, text, html = render_texts(kind, language, context, base_url)
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = mail_from
    msg["To"] = _to_header(recipient, context.get("name"))
    msg["Subject"] = subject
    msg["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(OSLO))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    unsubscribe = context.get("unsubscribe_url")
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg.set_content(text, subtype="plain", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")

    extra = [MimePart.from_json(p) for p in context.get(PARTS_KEY) or ()]
    extra.extend(parts)
    for part in (p for p in extra if p.alternative):
        _add(msg, part, attach=False)
    for part in (p for p in extra if not p.alternative):
        _add(msg, part, attach=True)
    msg["Content-Language"] = language_of(language)  # after set_content, which clears it
    return msg


def _add(msg: EmailMessage, part: MimePart, attach: bool) -> None:
    kwargs: dict[str, Any] = {"params": dict(part.params)}
    if part.filename:
        kwargs["filename"] = part.filename
    if isinstance(part.content, str):
        if part.maintype != "text":
            raise RenderError(f"a {part.maintype}/{part.subtype} part needs bytes content")
        kwargs.update(subtype=part.subtype, cte="quoted-printable")
    else:
        kwargs.update(maintype=part.maintype, subtype=part.subtype)
    if attach:
        msg.add_attachment(part.content, **kwargs)
    else:
        msg.add_alternative(part.content, **kwargs)


def envelope_from(mail_from: str) -> str:
    """The bare address of SAMLING_MAIL_FROM, for MAIL FROM."""
    return parseaddr(mail_from)[1]
