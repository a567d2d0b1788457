"""The travel-cost claim mails: every kind in every language with a sample context."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from emails.kinds import KINDS, LANGUAGES
from emails.render import TEMPLATES, RenderError, render, render_texts

CLAIM_KINDS = (
    "claim_submitted",
    "claim_returned",
    "claim_rejected",
    "claim_approved",
    "claim_paid",
)
URL = "https://samling.example/claims/42?tab=lines&x=1"
URL_IN_HTML = 'href="https://samling.example/claims/42?tab=lines&amp;x=1"'
TITLE = "Nettverkssamling – Agder & Rogaland"
CUTS = {
    "nb": [
        "Taxi: 450,00 kr → 300,00 kr (kvittering mangler)",
        "Parkering: 120,00 kr → 0,00 kr (ikke dokumentert)",
    ],
    "nn": [
        "Taxi: 450,00 kr → 300,00 kr (kvittering manglar)",
        "Parkering: 120,00 kr → 0,00 kr (ikkje dokumentert)",
    ],
    "en": [
        "Taxi: NOK 450.00 → NOK 300.00 (receipt missing)",
        "Parking: NOK 120.00 → NOK 0.00 (not documented)",
    ],
}
MONEY = {
    "nb": {"total": "1 234,50 kr", "claimed": "2 570,00 kr", "approved": "2 300,00 kr"},
    "nn": {"total": "1 234,50 kr", "claimed": "2 570,00 kr", "approved": "2 300,00 kr"},
    "en": {"total": "NOK 1,234.50", "claimed": "NOK 2,570.00", "approved": "NOK 2,300.00"},
}
COMMON = {
    "recipient": "ase@example.no",
    "message_id": "<claim42@samling.local>",
    "mail_from": "Samling <noreply@samling.example>",
    "base_url": "https://samling.example",
}
# A word each subject must carry, besides the gathering's title.
SUBJECT_WORDS = {
    ("claim_submitted", "nb"): "Reiseregning til attestering",
    ("claim_submitted", "nn"): "Reiserekning til attestering",
    ("claim_submitted", "en"): "approval",
    ("claim_returned", "nb"): "Reiseregningen er sendt i retur",
    ("claim_returned", "nn"): "Reiserekninga er sendt i retur",
    ("claim_returned", "en"): "returned",
    ("claim_rejected", "nb"): "Reiseregningen er avvist",
    ("claim_rejected", "nn"): "Reiserekninga er avvist",
    ("claim_rejected", "en"): "rejected",
    ("claim_approved", "nb"): "Reiseregningen er godkjent",
    ("claim_approved", "nn"): "Reiserekninga er godkjent",
    ("claim_approved", "en"): "approved",
    ("claim_paid", "nb"): "Reiseregningen er utbetalt",
    ("claim_paid", "nn"): "Reiserekninga er utbetalt",
    ("claim_paid", "en"): "paid",
}
ADJUSTED = {
    "nb": "Disse postene er justert",
    "nn": "Desse postane er justerte",
    "en": "The following items were adjusted",
}
ATTEST = {"nb": "attester", "nn": "attester", "en": "approve"}


def sample(kind: str, lang: str, **overrides: object) -> dict[str, object]:
    money = MONEY[lang]
    values: dict[str, object] = {
        "name": "Åse Øyen",
        "claimant": "Per Pålsen",
        "municipality": "Bamble",
        "title": TITLE,
        "total": money["total"],
        "url": URL,
        "reason": "Kvittering for hotellet mangler",
        "claimed": money["claimed"],
        "approved": money["approved"],
        "cuts": CUTS[lang],
        "amount": money["approved"],
        "account": "1234.56.***89",
    }
    values.update(overrides)
    return {key: values[key] for key in KINDS[kind]}


def parse(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def rendered(kind: str, lang: str, ctx: dict[str, object]) -> tuple[str, str, str]:
    """Subject, plain text and HTML as a mail client sees them."""
    msg = parse(render(kind, lang, ctx, **COMMON))
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert msg["Content-Language"] == lang
    crlf = ("\r\n", "\n")  # the SMTP policy ends lines with CRLF
    return str(msg["Subject"]), text.get_content().replace(*crlf), html.get_content()


def test_the_claim_kinds_and_their_keys():
    assert KINDS["claim_submitted"] == (
        "name",
        "claimant",
        "municipality",
        "title",
        "total",
        "url",
    )
    assert KINDS["claim_returned"] == ("name", "title", "reason", "url")
    assert KINDS["claim_rejected"] == ("name", "title", "reason", "url")
    assert KINDS["claim_approved"] == ("name", "title", "claimed", "approved", "cuts", "url")
    assert KINDS["claim_paid"] == ("name", "title", "amount", "account", "url")
    for kind in CLAIM_KINDS:
        for suffix in ("subject.txt", "txt", "html"):
            assert (TEMPLATES / f"{kind}.{suffix}").is_file(), f"{kind}.{suffix}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", CLAIM_KINDS)
def test_common_facts(kind, lang):
    subject, text, html = rendered(kind, lang, sample(kind, lang))
    assert SUBJECT_WORDS[(kind, lang)] in subject
    assert TITLE in subject
    assert "Åse Øyen" in text and "Åse Øyen" in html
    assert TITLE in text
    assert "Nettverkssamling – Agder &amp; Rogaland" in html
    assert URL in text
    assert URL_IN_HTML in html
    assert f'lang="{lang}"' in html
    assert "<img" not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_claim_submitted(lang):
    _, text, html = rendered("claim_submitted", lang, sample("claim_submitted", lang))
    for fact in ("Per Pålsen", "Bamble", MONEY[lang]["total"]):
        assert fact in text and fact in html
    assert ATTEST[lang] in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["claim_returned", "claim_rejected"])
def test_returned_and_rejected_carry_the_reason(kind, lang):
    _, text, html = rendered(kind, lang, sample(kind, lang))
    assert "Kvittering for hotellet mangler" in text
    assert "Kvittering for hotellet mangler" in html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["claim_returned", "claim_rejected"])
def test_the_reason_is_escaped_in_html_only(kind, lang):
    reason = "Feil <script>alert('x')</script> & mer"
    _, text, html = rendered(kind, lang, sample(kind, lang, reason=reason))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; mer" in html
    assert reason in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_claim_approved_lists_each_cut(lang):
    _, text, html = rendered("claim_approved", lang, sample("claim_approved", lang))
    for fact in (MONEY[lang]["claimed"], MONEY[lang]["approved"]):
        assert fact in text and fact in html
    heading = ADJUSTED[lang]
    assert heading in text and heading in html
    for cut in CUTS[lang]:
        assert f"- {cut}\n" in text
        assert f"<li>{cut}</li>" in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_claim_approved_without_cuts_has_no_cuts_section(lang):
    _, text, html = rendered("claim_approved", lang, sample("claim_approved", lang, cuts=[]))
    assert MONEY[lang]["approved"] in text and MONEY[lang]["approved"] in html
    heading = ADJUSTED[lang]
    assert heading not in text and heading not in html
    assert "<ul" not in html and "<li>" not in html
    assert "\n- " not in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_claim_approved_escapes_cuts_in_html(lang):
    cut = "Taxi <b>x</b>: 450,00 kr → 300,00 kr"
    _, text, html = rendered("claim_approved", lang, sample("claim_approved", lang, cuts=[cut]))
    assert f"- {cut}\n" in text
    assert "<li>Taxi &lt;b&gt;x&lt;/b&gt;: 450,00 kr → 300,00 kr</li>" in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_claim_paid(lang):
    _, text, html = rendered("claim_paid", lang, sample("claim_paid", lang))
    for fact in (MONEY[lang]["approved"], "1234.56.***89"):
        assert fact in text and fact in html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", CLAIM_KINDS)
def test_each_missing_key_is_an_error(kind, lang):
    for key in KINDS[kind]:
        ctx = sample(kind, lang)
        del ctx[key]
        with pytest.raises(RenderError, match=key):
            render_texts(kind, lang, ctx, "https://samling.example")
