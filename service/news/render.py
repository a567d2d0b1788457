"""Markdown -> safe HTML for posts.

markdown-it-py's CommonMark with raw HTML off (tables and strikethrough on), then nh3
with an allow-list: no script, no event attributes, no style, links only to http(s) and
mailto with rel="noopener nofollow". Images are not shown (nothing is loaded from other
sites): `![alt](url)` becomes a link with the alt text. A post's headings start at h2
(its title is the page's h1): the highest heading in the text becomes h2."""

from __future__ import annotations

from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "em", "a", "ul", "ol", "li",
    "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td", "s",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


def _shift_headings(state: Any) -> None:
    """The post's highest heading becomes h2, the others follow it (at most h6)."""
    headings = [t for t in state.tokens if t.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = 2 - min(int(t.tag[1]) for t in headings)
    for token in headings:
        token.tag = f"h{max(2, min(int(token.tag[1]) + shift, 6))}"


def _image_as_link(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInline(token.children or [], options, env) if token.children else ""
    src = token.attrGet("src") or ""
    return f'<a href="{escape(str(src))}">{alt or escape(str(src))}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.core.ruler.push("samling_headings", _shift_headings)
    md.add_render_rule("image", _image_as_link)
    return md


_md = _parser()


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
    )


def render(markdown: str) -> str:
    """The post's body as HTML that is safe to put into a page or a feed as it is."""
    return sanitise(_md.render(markdown or ""))
