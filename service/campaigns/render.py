"""A campaign letter's Markdown as safe HTML: markdown-it-py with raw HTML off, then nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "hr"}


def letter_html(markdown: str) -> Markup:
    """The letter for a page or the HTML part of a mail; links keep only http(s)/mailto."""
    html = _md.render(markdown or "")
    # headings of a letter sit under the page's own h1
    for n in (3, 2, 1):
        html = html.replace(f"<h{n}>", f"<h{n + 1}>").replace(f"</h{n}>", f"</h{n + 1}>")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
