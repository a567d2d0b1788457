"""Templates and MIME: every kind in every language (nb, nn, en), headers, extra parts."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from emails.kinds import KINDS, LANGUAGES
from emails.render import TEMPLATES, MimePart, RenderError, render, render_texts

SAMPLE = {
    "name": "Åse Øyen",
    "url": "https://samling.example/auth/login?token=abc&x=1",
    "minutes": 15,
    "applicant_name": "Per <Pål>",
    "applicant_email": "per@bamble.kommune.no",
    "municipality": "Bamble",
    "title": "Nettverkssamling – Agder & Rogaland",
    "starts": "11. mars 2027 kl. 10.00",
    "ends": "12. mars 2027 kl. 15.00",
    "venue": "Scandic <Bystranda>",
    "address": "Østre Strandgate 76",
    "city": "Kristiansand",
    "position": 4,
    "late": True,
    "changes": [{"field": "venue", "old": "Gamle sted", "new": "Nytt sted"}],
    "reason": "For få påmeldte",
    "days": 3,
    "claimant": "Per Pålsen",
    "total": "1 234,50 kr",
    "claimed": "2 570,00 kr",
    "approved": "2 300,00 kr",
    "cuts": ["Taxi: 450,00 kr → 300,00 kr (kvittering mangler)"],
    "amount": "2 300,00 kr",
    "account": "1234.56.***89",
    "subject": "Invitasjon til regionale fagnettverk",
    "letter": "Vi **inviterer** kommunen.\n\n<script>alert(1)</script>",
    "reply_by": "11. januar 2027",
    "network": "Nettverk Agder og Rogaland",
    "contact": "Kari Kontakt, kari@bamble.kommune.no, leder",
}
COMMON = {
    "recipient": "ase@example.no",
    "message_id": "<abc123@samling.local>",
    "mail_from": "Samling <noreply@samling.example>",
    "base_url": "https://samling.example",
}
# A word each subject carries, per kind: (bokmål, nynorsk, English).
_SUBJECT_WORDS = {
    "login_link": ("Innloggingslenke", "Innloggingslenkje", "sign-in link"),
    "signup_confirm": ("Bekreft", "Stadfest", "Confirm"),
    "approval_needed": ("godkjenning", "godkjenning", "approval"),
    "account_approved": ("godkjent", "godkjent", "approved"),
    "registration_confirmed": ("bekreftet", "stadfest", "confirmed"),
    "registration_waitlisted": ("venteliste", "ventelista", "waiting list"),
    "registration_promoted": ("plass", "plass", "place"),
    "registration_cancelled": ("avmeldt", "meldt av", "cancelled"),
    "gathering_changed": ("Endring", "Endring", "Changed"),
    "gathering_cancelled": ("Avlyst", "Avlyst", "Cancelled"),
    "gathering_reminder": ("Påminnelse", "Påminning", "Reminder"),
    "claim_submitted": ("attestering", "attestering", "approval"),
    "claim_returned": ("retur", "retur", "returned"),
    "claim_rejected": ("avvist", "avvist", "rejected"),
    "claim_approved": ("godkjent", "godkjent", "approved"),
    "claim_paid": ("utbetalt", "utbetalt", "paid"),
    "campaign_letter": ("Invitasjon", "Invitasjon", "Invitasjon"),  # the letter's own subject
    "campaign_reply": ("vil være med", "vil vere med", "wants to join"),
    "campaign_selected": ("valgt ut", "vald ut", "selected"),
    "campaign_declined": ("svaret deres", "svaret dykkar", "your reply"),
}
SUBJECT_WORDS = {
    (kind, lang): words[i]
    for kind, words in _SUBJECT_WORDS.items()
    for i, lang in enumerate(("nb", "nn", "en"))
}


def context_for(kind: str) -> dict[str, object]:
    return {key: SAMPLE[key] for key in KINDS[kind]}


def parse(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_every_kind_has_one_set_of_templates_for_all_languages():
    assert LANGUAGES == ("nb", "nn", "en")
    for kind in KINDS:
        for suffix in ("subject.txt", "txt", "html"):
            assert (TEMPLATES / f"{kind}.{suffix}").is_file(), f"{kind}.{suffix}"
    assert not [p for p in TEMPLATES.iterdir() if p.is_dir()], "no per-language folders"
    kinds_on_disk = {p.name.split(".")[0] for p in TEMPLATES.iterdir() if p.name[0] != "_"}
    assert kinds_on_disk == set(KINDS)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_with_its_documented_context(kind, lang):
    msg = parse(render(kind, lang, context_for(kind), **COMMON))
    assert SUBJECT_WORDS[(kind, lang)] in msg["Subject"]
    text, html = bodies(msg)
    assert "Åse Øyen" in text and "Åse Øyen" in html
    if "url" in KINDS[kind]:  # every kind but a declined invitation links somewhere
        assert SAMPLE["url"] in text
        assert 'href="https://samling.example/auth/login?token=abc&amp;x=1"' in html
    assert "<img" not in html
    assert 'style="' in html
    assert f'lang="{lang}"' in html
    assert msg["Content-Language"] == lang
    if kind == "approval_needed":
        assert "Per &lt;Pål&gt;" in html  # HTML is escaped ...
        assert "Per <Pål>" in text  # ... plain text is not
        assert "per@bamble.kommune.no" in text and "Bamble" in text
    if "minutes" in KINDS[kind]:
        assert "15" in text and "15" in html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_missing_context_key_is_an_error(kind, lang):
    for key in KINDS[kind]:
        ctx = context_for(kind)
        del ctx[key]
        with pytest.raises(RenderError, match=key):
            render_texts(kind, lang, ctx, "https://samling.example")


def test_unknown_kind_and_language():
    with pytest.raises(RenderError, match="unknown mail kind"):
        render_texts("no_such_kind", "nb", {}, "https://x")
    # An unknown language falls back to bokmål.
    subject, _, _ = render_texts("login_link", "sv", context_for("login_link"), "https://x")
    assert subject.startswith("Innloggingslenke")


def test_headers():
    msg = parse(render("login_link", "en", context_for("login_link"), **COMMON))
    assert msg["From"] == "Samling <noreply@samling.example>"
    assert msg["To"].addresses[0].addr_spec == "ase@example.no"
    assert msg["To"].addresses[0].display_name == "Åse Øyen"
    assert msg["Message-ID"] == "<abc123@samling.local>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"].datetime.tzinfo is not None
    assert msg["List-Unsubscribe"] is None
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]


def test_list_unsubscribe_when_the_context_has_it():
    ctx = {**context_for("account_approved"), "unsubscribe_url": "https://samling.example/u/x"}
    msg = parse(render("account_approved", "nb", ctx, **COMMON))
    assert msg["List-Unsubscribe"] == "<https://samling.example/u/x>"


def test_extra_parts_alternative_and_attachment():
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    invite = MimePart(ics, "text", "calendar", params={"method": "REQUEST"}, alternative=True)
    pdf = MimePart(b"%PDF-1.4 fake", "application", "pdf", filename="programme.pdf")
    ctx = context_for("login_link")
    msg = parse(render("login_link", "nb", ctx, parts=[invite, pdf], **COMMON))
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = list(msg.iter_parts())
    types = [p.get_content_type() for p in alternative.iter_parts()]
    assert types == ["text/plain", "text/html", "text/calendar"]
    cal = list(alternative.iter_parts())[2]
    assert cal.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in cal.get_content()
    assert attachment.get_filename() == "programme.pdf"
    assert attachment.get_content() == b"%PDF-1.4 fake"


def test_extra_parts_kept_in_the_row_context():
    invite = MimePart(
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "text",
        "calendar",
        filename="invite.ics",
        params={"method": "CANCEL"},
        alternative=True,
    )
    blob = MimePart(b"\x00\x01binary", "application", "octet-stream", filename="x.bin")
    ctx = {**context_for("login_link"), "_parts": [invite.to_json(), blob.to_json()]}
    msg = parse(render("login_link", "en", ctx, **COMMON))
    parts = [p for p in msg.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "text/html",
        "text/calendar",
        "application/octet-stream",
    ]
    assert parts[2].get_param("method") == "CANCEL"
    assert parts[3].get_content() == b"\x00\x01binary"
