"""Problem details: the API's `detail` stays English, a page reads `message()` in its own
language from the catalogs, and every rule's text is a template the catalogs can hold."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.lib import i18n
from service.lib.errors import Conflict, DomainError, Invalid, Label, NotFound
from service.lib.labels import CLAIM_STATUS, label

ROOT = Path(__file__).resolve().parent.parent


def test_the_detail_is_english_and_the_message_follows_the_language() -> None:
    exc = NotFound("No network with slug {slug!r}", params={"slug": "vest"})
    assert exc.detail == str(exc) == "No network with slug 'vest'"
    expected = {
        "nb": "Fant ikke noe nettverk med kortnavnet 'vest'",
        "nn": "Fann ikkje noko nettverk med kortnamnet 'vest'",
        "en": "No network with slug 'vest'",
    }
    for lang, text in expected.items():
        with i18n.use(lang):
            assert exc.message() == text
            assert exc.detail == "No network with slug 'vest'"  # whatever the language


def test_a_code_is_a_code_in_the_api_and_a_label_on_a_page() -> None:
    exc = Conflict(
        "The claim is {status}; only a draft or returned claim changes",
        params={"status": Label(CLAIM_STATUS, "submitted")},
    )
    assert exc.detail == "The claim is submitted; only a draft or returned claim changes"
    for lang, start in (("nb", "Reiseregningen"), ("nn", "Reiserekninga")):
        with i18n.use(lang):
            shown = label(CLAIM_STATUS, "submitted")
            assert exc.message().startswith(f"{start} har status «{shown}»; "), lang


def test_a_time_is_written_out_in_the_language_of_the_text() -> None:
    exc = Conflict(
        "Registration opens {when}", params={"when": datetime(2031, 6, 1, 10, 0, tzinfo=UTC)}
    )
    assert exc.detail == "Registration opens 1 June 2031 at 12:00"  # Oslo time
    with i18n.use("nb"):
        assert exc.message() == "Påmeldingen åpner 1. juni 2031 kl. 12.00"
    with i18n.use("nn"):
        assert exc.message() == "Påmeldinga opnar 1. juni 2031 kl. 12.00"


def test_a_message_without_a_translation_is_the_english_filled_in() -> None:
    exc = Invalid("Nothing like this is in any catalog: {x}", params={"x": 1}, field="f")
    with i18n.use("nn"):
        assert exc.message() == "Nothing like this is in any catalog: 1"
    assert exc.field == "f"


def _error_classes() -> set[str]:
    """DomainError and every subclass defined in the service."""
    names = {"DomainError"}
    trees = [ast.parse(p.read_text()) for p in (ROOT / "service").rglob("*.py")]
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def test_every_rule_raises_a_template_that_make_messages_extracts() -> None:
    classes = _error_classes()
    assert {"Invalid", "NotFound", "Conflict", "Forbidden", "BadInput"} <= classes
    makefile = (ROOT / "Makefile").read_text()
    extract = makefile[makefile.index("pybabel extract") : makefile.index("pybabel update")]
    keywords = set(re.findall(r"-k (\w+)", extract))
    assert classes <= keywords, f"add to the messages target: {sorted(classes - keywords)}"
    formatted = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in classes
                and node.args
                and isinstance(node.args[0], ast.JoinedStr)
            ):
                formatted.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not formatted, f"an f-string cannot be translated; use params=: {formatted}"


@pytest.mark.parametrize("cls", [DomainError, Invalid])
def test_extra_fields_stay_on_the_problem(cls: type[DomainError]) -> None:
    exc = cls("Too many requests; try again in {wait} seconds", params={"wait": 3}, retry_after=3)
    assert exc.detail == "Too many requests; try again in 3 seconds"
    assert exc.extra == {"retry_after": 3}
