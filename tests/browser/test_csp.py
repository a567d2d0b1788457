"""Pages keep to their Content-Security-Policy in a real browser: nothing is blocked.

These pages run with the CSP in force (no bypass): every style sheet, script and font
they use comes from our own origin, with no inline script, style or handler.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .browser_support import COORDINATOR, Server, create_gathering, sign_in, t

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
    + ` (${e.sourceFile || ''}:${e.lineNumber || ''})`);
});
"""


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    # Chromium logs a blocked resource as a console error naming the policy; a missing
    # resource (404) is caught below with its address instead.
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} for {r.url}") if r.status >= 400 else None,
    )
    return problems


def _visit(page: Any, path: str, problems: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    assert "content-security-policy" in response.headers, f"{path} has no CSP header"
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("() => window.__csp")
    assert not violations, f"{path} broke its CSP: {violations}"
    assert not problems, f"{path}: {problems}"
    # The design system's style sheet is in force (not blocked): a button is styled.
    assert page.evaluate(
        "() => getComputedStyle(document.body).fontFamily.toLowerCase().includes('inter')"
    ), f"{path}: the Inter font from /static/vendor is not in use"


def test_pages_log_no_csp_violations(new_page, server: Server) -> None:
    page = new_page()
    problems = _watch(page)
    for path in ("/", "/networks/agder-rogaland", "/login", "/signup"):
        _visit(page, path, problems)
    person = server.add_user("Conrad Csp", "4204")
    gathering = create_gathering(server, COORDINATOR, "Fagdag med streng CSP", 10)
    r = server.api(person).post(f"/api/v1/gatherings/{gathering}/registrations", json={})
    assert r.status_code == 201, r.text
    sign_in(page, server, person)
    for path in (
        f"/gatherings/{gathering}",
        "/me",
        "/me/calendar",
        "/claims",
        f"/claims/new?registration={r.json()['id']}",
    ):
        _visit(page, path, problems)
    # The claim form's own script (a static file) prices the lines as they are typed.
    page.get_by_label(t("Nights without a hotel")).fill("1")
    page.keyboard.press("Tab")  # the script prices on change
    expect(page.locator("#preview")).to_contain_text(t("Sum"))
    assert not page.evaluate("() => window.__csp"), "the claim form's script broke the CSP"
    assert not problems, problems
