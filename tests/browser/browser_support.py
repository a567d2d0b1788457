"""What the browser tests share: the server handle (CLI, API, mail sink), signing in
through a mailed link, axe-core (WCAG 2.1 A/AA), focus checks and screenshots
(tests/artifacts/screenshots/{page}-{lang}-{width}.png). The fixtures are in conftest.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from mail_fixtures import Sink

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGS = ("nb", "nn", "en")
# Accept-Language the browser sends for a page language (the cookie and the account win).
LOCALES = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}


# -- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    """A running `samling serve`: its address, its settings and the sink it mails to."""

    base: str
    env: dict[str, str]
    sink: Sink
    _tokens: dict[str, str] = field(default_factory=dict)

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
            timeout=120,
        )
        assert r.returncode == 0, f"samling {' '.join(args)} failed: {r.stderr or r.stdout}"
        return r.stdout.strip()

    def add_user(
        self, name: str, municipality: str | None = "4204", *roles: str, language: str = "nb"
    ) -> str:
        """A new user with a unique address under example.org; returns the address."""
        slug = re.sub(r"[^a-z]+", ".", name.lower()).strip(".")
        address = f"{slug}.{uuid.uuid4().hex[:6]}@example.org"
        args = ["user", "add", address, "--name", name, "--language", language]
        if municipality:
            args += ["--municipality", municipality]
        if roles:
            args += ["--role", *roles]
        self.cli(*args)
        return address

    def login_link(self, address: str) -> str:
        return self.cli("login-link", address).splitlines()[-1]

    def api(self, address: str) -> httpx.Client:
        """An API client acting as `address` (a Bearer token made with the CLI)."""
        if address not in self._tokens:
            self._tokens[address] = self.cli("token", "create", address).splitlines()[-1]
        return httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self._tokens[address]}"},
            timeout=30,
        )

    # -- mail ------------------------------------------------------------------------------

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m.message for m in self.sink.to(address)]

    def wait_mail(
        self,
        address: str,
        matches: Callable[[EmailMessage], bool] = lambda m: True,
        within: float = 30.0,
        what: str = "a mail",
    ) -> EmailMessage:
        """The newest mail to `address` that `matches`, waiting up to `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            found = [m for m in self.mails_to(address) if matches(m)]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                got = [str(m["Subject"]) for m in self.mails_to(address)]
                raise AssertionError(
                    f"{what} to {address} did not arrive within {within} s; got {got}"
                )
            time.sleep(0.1)


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
    """Open a one-time link (made with the CLI unless given) and press its Sign-in button."""
    page.goto(link or server.login_link(address))
    button = page.get_by_role("button", name=re.compile(r"^(Logg inn|Sign in)$"))
    assert button.count() == 1, f"the link page shows {button.count()} Sign-in buttons"
    with page.expect_navigation():
        button.click()
    assert "/auth/login" not in page.url, f"still on the link page: {page.url}"


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


def screenshot(page: Any, name: str, lang: str, width: int) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{lang}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '')
    .trim().slice(0, 60);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, label: label,
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== 'none',
    text: `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}> "${label}"`
      + ` outline: ${s.outlineStyle} ${s.outlineWidth}; box-shadow: ${s.boxShadow}`,
  };
}"""


def focused(page: Any) -> dict[str, Any] | None:
    """The focused element, and whether it shows a focus indicator (outline or shadow)."""
    return page.evaluate(FOCUS_STYLE)  # type: ignore[no-any-return]


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
