"""Mails in bokmål, nynorsk and English from one set of templates and the catalogs:
every kind in every language, texts that really change with the language, plain text
that keeps its lines, every mail text translated, and a nynorsk user's mail end to end."""

from __future__ import annotations

import email
import email.policy
import uuid
from email.message import EmailMessage
from html import escape
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from conftest import new_browser
from mail_fixtures import wait_status
from test_mail_render import SAMPLE, context_for

from emails.kinds import KINDS
from emails.render import render_texts

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://samling.example"
LANGS = ("nb", "nn", "en")
# Sentences of the English msgids that must never show in a Norwegian mail.
ENGLISH = ("Hello ", "This e-mail was sent automatically", "If the button does not work")
FOOTER = {
    "nb": "Denne e-posten er sendt automatisk fra Samling. Svar på den blir ikke lest.",
    "nn": "Denne e-posten er sendt automatisk frå Samling. Vi les ikkje svar på han.",
    "en": "This e-mail was sent automatically by Samling. Replies are not read.",
}
GREETING = {"nb": "Hei Åse Øyen,", "nn": "Hei Åse Øyen,", "en": "Hello Åse Øyen,"}
# An invitation is a letter to a municipality ("name"), addressed as a letter is.
LETTER_GREETING = {"nb": "Til Åse Øyen", "nn": "Til Åse Øyen", "en": "To Åse Øyen"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_in_every_language(kind: str, lang: str) -> None:
    subject, text, html = render_texts(kind, lang, context_for(kind), BASE)
    assert subject.strip() and text.strip() and html.strip()
    for part in (subject, text, html):
        assert "%(" not in part and "{{" not in part and "{%" not in part
    greeting = (LETTER_GREETING if kind == "campaign_letter" else GREETING)[lang]
    assert text.startswith(greeting + "\n\n")
    assert greeting in html
    assert FOOTER[lang] in text and FOOTER[lang] in html
    assert f'<html lang="{lang}">' in html
    assert f"<title>{escape(subject, quote=False)}</title>" in html
    if lang != "en":
        for sentence in ENGLISH:
            assert sentence not in text and sentence not in html, (kind, lang, sentence)


SAMPLE_KINDS = (
    "login_link",
    "signup_confirm",
    "registration_waitlisted",
    "registration_cancelled",
    "gathering_changed",
    "gathering_reminder",
    "claim_returned",
    "claim_approved",
)


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_nynorsk_and_english_are_not_bokmal(kind: str) -> None:
    nb, nn, en = (render_texts(kind, lang, context_for(kind), BASE) for lang in LANGS)
    for i, part in enumerate(("subject", "text", "html")):
        if part != "subject" or kind not in ("gathering_changed",):  # "Endring" in both
            assert nn[i] != nb[i], f"{kind} {part}: nynorsk is bokmål"
        assert en[i] != nb[i], f"{kind} {part}: English is bokmål"
        assert en[i] != nn[i]


def test_nynorsk_words() -> None:
    _, text, html = render_texts("login_link", "nn", context_for("login_link"), BASE)
    assert "Lenkja kan brukast éin gong og gjeld i 15 minutt." in text
    assert "Har du ikkje bede om ho, kan du sjå bort frå denne e-posten." in text
    assert "Verkar ikkje knappen?" in html
    _, text, _ = render_texts("gathering_changed", "nn", context_for("gathering_changed"), BASE)
    assert "Samlinga du er meldt på, er endra:" in text
    assert "- Stad: Gamle sted → Nytt sted" in text
    _, text, _ = render_texts("claim_approved", "nn", context_for("claim_approved"), BASE)
    assert "Reiserekninga di for" in text and "Desse postane er justerte:" in text


def test_bokmal_plain_text_keeps_its_words_and_lines() -> None:
    _, text, _ = render_texts("login_link", "nb", context_for("login_link"), BASE)
    assert text == (
        "Hei Åse Øyen,\n"
        "\n"
        "Her er lenken for å logge inn på Samling:\n"
        "\n"
        f"{SAMPLE['url']}\n"
        "\n"
        "Lenken kan brukes én gang og gjelder i 15 minutter. Har du ikke bedt om den, kan du "
        "se bort fra denne e-posten.\n"
        "\n"
        "-- \n"
        f"{FOOTER['nb']}\n"
        f"{BASE}\n"
    )
    _, text, _ = render_texts("gathering_cancelled", "nb", context_for("gathering_cancelled"), BASE)
    assert (
        "Samlingen er avlyst, og påmeldingen din er slettet.\n\n"
        "Begrunnelse: For få påmeldte\n\n\n"
        "Nettverkssamling – Agder & Rogaland\n\n"
        "Tid: 11. mars 2027 kl. 10.00 – 12. mars 2027 kl. 15.00\n"
        "Sted: Scandic <Bystranda>, Østre Strandgate 76, Kristiansand\n\n"
        f"{SAMPLE['url']}\n"
    ) in text


@pytest.mark.parametrize(
    ("lang", "one", "three"),
    [
        ("nb", "om 1 dag eller mindre", "om 3 dager eller mindre"),
        ("nn", "om 1 dag eller mindre", "om 3 dagar eller mindre"),
        ("en", "in 1 day or less", "in 3 days or less"),
    ],
)
def test_counts_take_the_right_plural(lang: str, one: str, three: str) -> None:
    ctx = context_for("gathering_reminder")
    assert one in render_texts("gathering_reminder", lang, {**ctx, "days": 1}, BASE)[1]
    assert three in render_texts("gathering_reminder", lang, {**ctx, "days": 3}, BASE)[1]


def _mail_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for filename, _, message, _, context in extract_from_dir(
        str(ROOT / "emails" / "templates"),
        method_map=[
            ("**.html", "jinja2.ext:babel_extract"),
            ("**.txt", "jinja2.ext:babel_extract"),
        ],
        options_map={"**": {"trimmed": "true"}},
        keywords=DEFAULT_KEYWORDS,
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_plain_text_templates_are_extracted() -> None:
    ids = {msgid for _, msgid in _mail_msgids()}
    # Only in .txt templates: the subject of a login link and the plain-text body.
    assert "Your sign-in link for %(site_name)s" in ids
    assert "Here is your link to sign in to %(site_name)s:" in ids
    assert len(ids) > 60


@pytest.mark.parametrize("lang", LANGS)
def test_every_mail_text_is_translated(lang: str) -> None:
    with (ROOT / "service" / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    missing = []
    for context, msgid in sorted(_mail_msgids(), key=str):
        message = catalog.get(msgid, context=context)
        strings = () if message is None else message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if not strings or not all(strings) or (message is not None and message.fuzzy):
            missing.append(msgid)
    assert not missing, f"run `make messages` and translate for {lang}: {missing[:10]}"


def _delivered(outbox_id: int) -> EmailMessage:
    from service.settings import load_settings

    (path,) = load_settings().mail_dir.glob(f"[0-9]*-{outbox_id:08d}.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def _login_mail(app: object, address: str) -> EmailMessage:
    from service.db.tables import OutboxMessage

    async with new_browser(app) as browser:
        r = await browser.post("/api/v1/auth/login-link", json={"email": address})
        assert r.status_code == 202, r.text
    row = (
        await OutboxMessage.select(OutboxMessage.id, OutboxMessage.language)
        .where((OutboxMessage.recipient == address) & (OutboxMessage.kind == "login_link"))
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    assert row is not None
    await wait_status(row["id"], "sent")
    return _delivered(row["id"])


async def test_a_nynorsk_user_gets_the_login_link_in_nynorsk(app) -> None:
    from service.accounts import service
    from service.db.tables import User

    address = f"nynorsk.{uuid.uuid4().hex[:8]}@example.no"
    await service.create_user(address, "Kari Nordmann", "4204", [], "tests", language="nn")

    msg = await _login_mail(app, address)
    assert msg["Subject"] == "Innloggingslenkje til Samling"
    assert msg["Content-Language"] == "nn"
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    body = text.get_content()
    assert body.startswith("Hei Kari Nordmann,")
    assert "Her er lenkja for å logge inn på Samling:" in body
    assert "Lenkja kan brukast éin gong og gjeld i 15 minutt." in body
    assert FOOTER["nn"] in body
    page = html.get_content()
    assert '<html lang="nn">' in page and "Verkar ikkje knappen?" in page

    # The user picks English: the next link comes in English.
    await User.update({User.language: "en"}).where(User.email == address)
    msg = await _login_mail(app, address)
    assert msg["Subject"] == "Your sign-in link for Samling"
    assert msg["Content-Language"] == "en"
    text = msg.get_body(preferencelist=("plain",))
    assert text is not None and "The link works once and is valid for 15 minutes." in (
        text.get_content()
    )
