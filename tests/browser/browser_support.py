"""What the browser tests share: the server handle (CLI, API, mail sink), signing in
through a mailed link, axe-core (WCAG 2.1 A/AA), focus checks and screenshots
(tests/artifacts/screenshots/{page}-{lang}-{width}.png). The fixtures are in conftest.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
from mail_fixtures import Sink

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The axe sweeps run in every language on SQLite and in bokmål on PostgreSQL: a page's
# words and layout do not depend on the engine, its data does (make test runs both).
LANGS = ("nb", "nn", "en") if os.environ.get("SAMLING_TEST_DB", "sqlite") == "sqlite" else ("nb",)
# Accept-Language the browser sends for a page language (the cookie and the account win).
LOCALES = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}


# -- the server ----------------------------------------------------------------------------


# People `samling demo` makes.
ADMIN = "admin@example.org"
FINANCE = "finance@example.org"
COORDINATOR = "tone.eide@stavanger.example.org"  # coordinates agder-rogaland


@dataclass
class Server:
    """A running `samling serve`: its address, its settings and the sink it mails to.

    People other than the one at the browser act through the API, signed in the way a
    browser is: a sign-in link asked for by mail, read from the sink and spent."""

    base: str
    env: dict[str, str]
    sink: Sink
    _clients: dict[str, httpx.Client] = field(default_factory=dict)
    # Each address's session cookies once signed in, so that a person signs in once and
    # stays signed in, as in a browser (and the login-link rate limits are not hit).
    _sessions: dict[str, list[Any]] = field(default_factory=dict)

    @staticmethod
    def samling_bin() -> Path:
        return Path(sys.executable).with_name("samling")

    def cli(self, *args: str) -> str:
        """Run `samling ARGS` on the server's database; its stdout, stripped."""
        r = subprocess.run(
            [str(self.samling_bin()), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, f"samling {' '.join(args)} failed: {r.stderr or r.stdout}"
        return r.stdout.strip()

    def add_user(self, name: str, municipality: str | None = "4204", *roles: str) -> str:
        """A new active user (made by the demo's admin), with a unique address under
        example.org; returns the address."""
        slug = re.sub(r"[^a-z]+", ".", name.lower()).strip(".")
        address = f"{slug}.{uuid.uuid4().hex[:6]}@example.org"
        body: dict[str, Any] = {"email": address, "name": name, "roles": list(roles)}
        if municipality:
            body["municipality"] = municipality
        r = self.api(ADMIN).post("/api/v1/admin/users", json=body)
        assert r.status_code == 201, r.text
        return address

    def login_link(self, address: str) -> str:
        """A fresh one-time sign-in link, asked for through the API and read from the sink."""
        before = len(self.sink.to(address))
        r = httpx.post(f"{self.base}/api/v1/auth/login-link", json={"email": address}, timeout=30)
        assert r.status_code == 202, r.text
        mail = self.wait_mail(
            address,
            lambda m: f"{self.base}/auth/login?" in text_of(m),
            after=before,
            what="a sign-in link",
        )
        return link_in(mail, self, "/auth/login")

    def api(self, address: str) -> httpx.Client:
        """An API client signed in as `address` (kept for the session)."""
        if address not in self._clients:
            token = parse_qs(urlsplit(self.login_link(address)).query)["token"][0]
            client = httpx.Client(base_url=self.base, timeout=30)
            r = client.post("/auth/login", data={"token": token}, headers={"Origin": self.base})
            assert r.status_code == 303, f"signing {address} in: {r.status_code} {r.text[:300]}"
            self._clients[address] = client
        return self._clients[address]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    # -- mail ------------------------------------------------------------------------------

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m.message for m in self.sink.to(address)]

    def wait_mail(
        self,
        address: str,
        matches: Callable[[EmailMessage], bool] = lambda m: True,
        *,
        after: int = 0,
        within: float = 60.0,
        what: str = "a mail",
    ) -> EmailMessage:
        """The newest mail to `address` that `matches` (among those after the first
        `after`), waiting up to `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            found = [m for m in self.mails_to(address)[after:] if matches(m)]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                got = [str(m["Subject"]) for m in self.mails_to(address)]
                raise AssertionError(
                    f"{what} to {address} did not arrive within {within} s; got {got}"
                )
            time.sleep(0.1)


# -- texts ---------------------------------------------------------------------------------


def t(msgid: str, lang: str = "nb", **params: Any) -> str:
    """A text as pages and mails show it in `lang`, read from the same catalogs (the
    English msgid; a template's `%(name)s` or code's `{name}` filled from `params`)."""
    from service.lib import i18n

    with i18n.use(lang):
        text = i18n.gettext(msgid)
    if "%(" in text:
        return text % params
    return text.format(**params) if params else text


def exactly(msgid: str, lang: str = "nb", **params: Any) -> re.Pattern[str]:
    """An accessible name that is exactly the translated text (for get_by_role)."""
    return re.compile(rf"^\s*{re.escape(t(msgid, lang, **params))}\s*$")


# -- data made through the API -----------------------------------------------------------

OSLO = ZoneInfo("Europe/Oslo")


def create_gathering(
    server: Server,
    coordinator: str,
    title: str,
    capacity: int,
    *,
    days_ahead: int = 30,
    network: str = "agder-rogaland",
    **extra: Any,
) -> str:
    """A published, open gathering made by `coordinator` through the API; its id."""
    start = (datetime.now(OSLO) + timedelta(days=days_ahead)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    body = {
        "network": network,
        "title": title,
        "description": "En dag med faglig påfyll og erfaringsdeling.",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=6)).isoformat(),
        "venue": "Rådhuset",
        "address": "Rådhusgata 20",
        "city": "Kristiansand",
        "capacity": capacity,
        "audience": "open",
        "reimbursable": True,
        "programme": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "title": "Velkommen",
            }
        ],
        "meals": [{"date": start.date().isoformat(), "meal": "lunch"}],
        **extra,
    }
    api = server.api(coordinator)
    r = api.post("/api/v1/gatherings", json=body)
    assert r.status_code == 201, r.text
    gid = str(r.json()["id"])
    r = api.post(f"/api/v1/gatherings/{gid}/publish")
    assert r.status_code in (200, 201), r.text
    return gid


def valid_account(seed: int) -> str:
    """A Norwegian bank account number with a correct MOD11 check digit."""
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    n = 1503_00_0000 + seed
    while True:
        digits = [int(d) for d in f"{n:010d}"]
        check = 11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{n:010d}{check}"
        n += 1


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None, f"mail {mail['Subject']!r} has no text part"
    return str(body.get_content())


def link_in(mail: EmailMessage, server: Server, path: str = "/") -> str:
    """The first link in the mail's text to the server under `path`."""
    found = re.search(rf"{re.escape(server.base + path)}\S*", text_of(mail))
    assert found, f"no link to {server.base}{path} in the mail {mail['Subject']!r}"
    return found.group(0).rstrip(".,)>")


def sign_in(page: Any, server: Server, address: str, link: str | None = None) -> None:
    """Open a one-time link (asked for by mail unless given) and press its one button.
    Without a link, a person already signed in once this session keeps their session
    (unless it has ended: signed out, or deactivated), and lands on the front page."""
    if link is None and address in server._sessions:
        page.context.add_cookies(server._sessions[address])
        page.goto("/")
        if page.locator('form[action="/logout"]').count() == 1:
            return
        page.context.clear_cookies()
        del server._sessions[address]
    _sign_in_by_link(page, server, address, link)
    from service.accounts.middleware import SESSION_COOKIE

    server._sessions[address] = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def _sign_in_by_link(page: Any, server: Server, address: str, link: str | None) -> None:
    page.goto(link or server.login_link(address))
    buttons = page.locator("main").get_by_role("button")
    assert buttons.count() == 1, f"the link page shows {buttons.count()} buttons, not one"
    with page.expect_navigation():
        buttons.click()
    heading = page.get_by_role("heading", level=1).first.inner_text()
    assert "/auth/login" not in page.url, f"signing in stopped at {page.url}: {heading}"


# -- checks --------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A/AA) on the page; the page's context must bypass the CSP,
    as axe is injected as an inline script."""
    assert AXE.exists(), f"{AXE} is missing: run `make install` (npm ci installs axe-core)"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG,
    )
    return list(result["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"]]
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}; nodes: {targets[:8]}")
        for node in v["nodes"][:3]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {node['html'][:160]} -> {summary[:240]}")
    return "\n".join(lines)


def wants_screenshot(lang: str) -> bool:
    """Screenshots of every page in bokmål; in every language with SAMLING_SCREENSHOTS=all."""
    return lang == "nb" or os.environ.get("SAMLING_SCREENSHOTS") == "all"


def screenshot(page: Any, name: str, lang: str, width: int) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{lang}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const ringed = (node) => {
    const c = getComputedStyle(node);
    return (c.outlineStyle !== 'none' && parseFloat(c.outlineWidth) > 0)
      || (c.boxShadow !== 'none' && c.boxShadow !== '');
  };
  // Designsystemet rings a checkbox's or radio's whole field (.ds-field), not the box.
  const box = el.matches('input[type=checkbox], input[type=radio]') && el.closest('.ds-field');
  // Tab also stops on a date field's own calendar button, inside the browser's control:
  // the field is then focused but not :focus-visible, and Chromium rings the button itself
  // (not visible to getComputedStyle; Designsystemet leaves that ring alone).
  const picker = el.matches('input[type=date], input[type=datetime-local], input[type=time]')
    && !el.matches(':focus-visible');
  const s = getComputedStyle(el);
  const labelled = el.labels && el.labels.length ? el.labels[0].innerText : '';
  const name = (el.getAttribute('aria-label') || labelled || el.innerText || el.value
    || el.getAttribute('name') || '').replace(/\\s+/g, ' ').trim().slice(0, 80);
  return {
    tag: el.tagName.toLowerCase(), type: el.getAttribute('type') || '', name: name,
    indicated: ringed(el) || Boolean(box && ringed(box)) || picker,
    text: `<${el.tagName.toLowerCase()}${el.id ? ' id="' + el.id + '"' : ''}`
      + `${el.className ? ' class="' + el.className + '"' : ''}> "${name}"`
      + ` on ${location.pathname} (outline: ${s.outlineStyle} ${s.outlineWidth};`
      + ` box-shadow: ${s.boxShadow})`,
  };
}"""


def focused(page: Any) -> dict[str, Any] | None:
    """The focused element: its tag, type, name (label or text), whether it shows a focus
    indicator (a computed outline or box-shadow) and a description for messages."""
    return page.evaluate(FOCUS_STYLE)  # type: ignore[no-any-return]


def tab_to(
    page: Any,
    matches: Callable[[dict[str, Any]], bool],
    what: str,
    *,
    backwards: bool = False,
    limit: int = 200,
) -> dict[str, Any]:
    """Press Tab (Shift+Tab) until the focused element `matches`; after every press the
    focused element must show a focus indicator."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if now is None:  # past the last element: the browser's own controls
            continue
        assert now["indicated"], f"no visible focus indicator on {now['text']}"
        seen.append(now["name"])
        if matches(now):
            return now
    raise AssertionError(f"Tab never reached {what} on {page.url}; passed {seen[-40:]}")


def type_date(page: Any, when: Any) -> None:
    """Type a date into the focused date field. The order of its day, month and year
    follows the browser's own language, not the page's: a first date tells which it is,
    then Shift+Tab goes back to the first part and the real date is typed over it."""
    page.keyboard.type("03042026")
    probe = page.evaluate("() => document.activeElement.value")
    order = {"2026-04-03": "%d%m%Y", "2026-03-04": "%m%d%Y"}.get(probe, "%Y%m%d")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type(when.strftime(order))


def named(text: str, tag: str | None = None) -> Callable[[dict[str, Any]], bool]:
    """A matcher for tab_to: the focused element's name starts with `text`."""
    return lambda f: f["name"].startswith(text) and (tag is None or f["tag"] == tag)


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def check_at_both_widths(page: Any, name: str, lang: str) -> list[str]:
    """axe at 1280 px, then again after the window narrows to 360 px (the layout reflows,
    no reload), where the page must also not scroll sideways; a screenshot at each width.
    The page is loaded at 1280 px; the answer lists the problems found."""
    problems = []
    for width in (1280, 360):
        if width != 1280:
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{name} at {width} px:\n{describe_violations(violations)}")
        if width == 360:
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll > 360:
                problems.append(f"{name} is {scroll} px wide at 360: {page.evaluate(WIDEST)}")
        if wants_screenshot(lang):
            screenshot(page, name, lang, width)
    return problems


# The elements that stick out past the right edge of a phone's screen, for the message.
WIDEST = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > document.documentElement.clientWidth + 1 && r.width > 0) {
      const cls = typeof el.className === 'string' && el.className
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}`
        + ` (right ${Math.round(r.right)})`);
    }
  }
  return out.slice(0, 8);
}"""
