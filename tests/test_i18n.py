"""Languages: complete catalogs, no hard-coded text outside them, formatting for people,
and the choice of language (user, cookie, Accept-Language)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n as i18n_ext

from service.lib import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "service" / "locale"
TEMPLATE_DIRS = [ROOT / "service" / "web" / "templates", ROOT / "emails" / "templates"]
OSLO = ZoneInfo("Europe/Oslo")


def _catalog(lang: str):
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_is_translated(lang: str) -> None:
    missing = []
    for message in _catalog(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id)
    assert not missing, f"{len(missing)} messages lack a {lang} translation: {missing[:20]}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_translations_keep_their_placeholders(lang: str) -> None:
    placeholder = re.compile(r"%\(\w+\)s|\{\w+(?:![rs])?\}")
    wrong = []
    for message in _catalog(lang):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for s in strings:
            if set(placeholder.findall(s)) - set(placeholder.findall(" ".join(ids))) or (
                len(ids) == 1 and set(placeholder.findall(s)) != wanted
            ):
                wrong.append((message.id, s))
    assert not wrong, f"placeholders differ in {lang}: {wrong[:10]}"


def test_catalogs_hold_every_string_in_the_code(tmp_path: Path) -> None:
    """A string marked in code or a template but not in the catalogs would show in English."""
    pot = tmp_path / "messages.pot"
    keywords = []
    makefile = (ROOT / "Makefile").read_text()
    keywords = re.findall(r"-k (\S+)", makefile)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            *[arg for k in keywords for arg in ("-k", k)],
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("nn") if m.id}
    missing = sorted(wanted - have)
    assert not missing, f"run `make messages` and translate: {missing[:20]}"


def _text_outside_trans(source: str, html: bool) -> list[str]:
    """Literal words in a template that are not inside {% trans %} or _(): every Jinja
    construct becomes a neutral mark, and what remains is read as HTML (text and the
    attributes people read) or, for a plain-text mail, as text."""
    env = Environment(extensions=[i18n_ext])
    skeleton: list[str] = []
    depth = 0
    tokens = [t for t in env.lex(source) if t[1] != "whitespace"]
    for i, (_line, kind, value) in enumerate(tokens):
        if kind == "name" and value in ("trans", "endtrans") and tokens[i - 1][1] == "block_begin":
            depth += 1 if value == "trans" else -1
        skeleton.append(value if kind == "data" and depth == 0 else "\x00")
    text = "".join(skeleton)
    found: list[str] = []
    if html:

        class Reader(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                for name, val in attrs:
                    if name in ("aria-label", "title", "placeholder", "alt") and val:
                        found.extend(WORD.findall(val))

            def handle_data(self, data: str) -> None:
                found.extend(WORD.findall(data))

        Reader().feed(re.sub(r"<!--.*?-->", "", text, flags=re.S))
    else:
        found.extend(WORD.findall(text))
    return found


WORD = re.compile(r"[A-Za-zÆØÅæøå][A-Za-zÆØÅæøå'’.-]+")
ALLOWED_WORDS = {"Samling"}  # the service's name


def test_templates_have_no_text_outside_the_catalogs() -> None:
    offenders = {}
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".html", ".txt") or not path.is_file():
                continue
            source = path.read_text()
            found = _text_outside_trans(source, html=path.suffix == ".html")
            words = [w for w in found if w not in ALLOWED_WORDS]
            if words:
                offenders[str(path.relative_to(ROOT))] = words[:8]
    assert not offenders, f"hard-coded text in templates: {offenders}"


def test_no_norwegian_text_in_python_outside_the_catalogs() -> None:
    """Norwegian letters in a string literal of the service's code mean a hard-coded text."""
    offenders = []
    skip = ("piccolo_migrations", "demo")
    for pkg in ("service", "emails", "tasks"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if any(part.startswith(skip) for part in path.parts):
                continue
            tree = ast.parse(path.read_text(), str(path))
            docstrings = {
                id(n.body[0].value)
                for n in ast.walk(tree)
                if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and n.body
                and isinstance(n.body[0], ast.Expr)
            }
            if path.name == "i18n.py":  # each language named in itself for the switch
                docstrings |= {
                    id(c) for n in ast.walk(tree) if isinstance(n, ast.Dict) for c in n.values
                }
            for node in ast.walk(tree):
                if id(node) in docstrings:
                    continue
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and re.search("[æøåÆØÅ]", node.value)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
    assert not offenders, "Norwegian text in code:\n" + "\n".join(offenders[:30])


@pytest.mark.parametrize(
    ("lang", "when", "money"),
    [
        ("nb", "3. mars 2027 kl. 10.00", "1\xa0234,50\xa0kr"),
        ("nn", "3. mars 2027 kl. 10.00", "1\xa0234,50\xa0kr"),
        ("en", "3 March 2027 at 10:00", "NOK\xa01,234.50"),
    ],
)
def test_dates_and_money_read_as_people_write_them(lang: str, when: str, money: str) -> None:
    with i18n.use(lang):
        assert i18n.datetime_text(datetime(2027, 3, 3, 10, 0, tzinfo=OSLO)) == when
        assert i18n.money_text(Decimal("1234.50")).replace(" ", "\xa0") == money.replace(
            " ", "\xa0"
        )
        # Stored in UTC, shown in Oslo time: 09:00 UTC on 3 March is 10.00 in Oslo.
        utc = datetime(2027, 3, 3, 9, 0, tzinfo=ZoneInfo("UTC"))
        assert i18n.datetime_text(utc) == when


def test_money_is_exact() -> None:
    with i18n.use("nb"):
        assert i18n.money_text(Decimal("0.10") + Decimal("0.20")).startswith("0,30")
        assert i18n.money_text(Decimal("1000000.05")) == "1\xa0000\xa0000,05\xa0kr"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("nn-NO, nb;q=0.8", "nn"),
        ("no", "nb"),
        ("de-DE, en;q=0.5, nn;q=0.7", "nn"),
        ("fr, de", None),
        ("en;q=0, nb;q=0.1", "nb"),
        ("", None),
        ("garbage;q=x", None),
    ],
)
def test_accept_language_is_negotiated(header: str, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


def test_the_language_of_a_block_is_restored() -> None:
    with i18n.use("en"):
        with i18n.use("nn"):
            assert i18n.current() == "nn"
        assert i18n.current() == "en"
        with i18n.use("xx"):
            assert i18n.current() == "nb"


async def test_html_lang_follows_accept_language_then_cookie(client) -> None:
    r = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en"' in r.text and "Regional networks" in r.text
    r = await client.get("/", headers={"Accept-Language": "nn"})
    assert '<html lang="nn"' in r.text and "Hopp til hovudinnhaldet" in r.text
    # The cookie beats the header; no header and no cookie: bokmål.
    r = await client.get("/", headers={"Accept-Language": "en", "Cookie": "samling_lang=nn"})
    assert '<html lang="nn"' in r.text
    r = await client.get("/")
    assert '<html lang="nb"' in r.text and "Regionale nettverk" in r.text


async def test_the_language_switch_sets_a_cookie_and_returns_to_the_page(client) -> None:
    r = await client.post("/language", data={"language": "en", "next": "/gatherings"})
    assert r.status_code == 303 and r.headers["location"] == "/gatherings"
    assert "samling_lang=en" in r.headers["set-cookie"]
    r = await client.post("/language", data={"language": "nn", "next": "https://evil.example/"})
    assert r.headers["location"] == "/"


async def test_a_signed_in_users_choice_is_stored_and_wins(app, actors) -> None:
    import httpx

    token = actors["participant"].token
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        auth = {"Authorization": f"Bearer {token}"}
        r = await c.patch("/api/v1/me", json={"language": "nn"}, headers=auth)
        assert r.status_code == 200 and r.json()["language"] == "nn"
        r = await c.patch("/api/v1/me", json={"language": "de"}, headers=auth)
        assert r.status_code in (400, 422)
        assert (await c.get("/api/v1/me", headers=auth)).json()["language"] == "nn"
        await c.patch("/api/v1/me", json={"language": "nb"}, headers=auth)
