"""What the pages not yet on the templates still share: a layout and money/line texts."""

from __future__ import annotations

from html import escape

from litestar import MediaType, Response

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}input,button{font-size:1rem;padding:.4rem}"
)


def kr(value: str | None) -> str:
    """An API money string as people read it: "1 150,00 kr"."""
    from decimal import Decimal

    from service.lib.money import nok

    return "" if value is None else nok(Decimal(value))


def what(line: dict[str, object]) -> str:
    """What a claim line is for, in the claimant's words, with its date."""
    words = [str(line[k]) for k in ("description", "route", "hotel") if line.get(k)]
    when = line.get("date") or str(line.get("departure") or "")[:10]
    return " – ".join([*words, str(when)] if when else words)


def layout(title: str, body: str, status: int = 200) -> Response[str]:
    html = (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} – Samling</title><style>{STYLE}</style></head>"
        f'<body><header><a href="/">Samling</a></header><main>{body}</main></body></html>'
    )
    return Response(html, status_code=status, media_type=MediaType.HTML)
