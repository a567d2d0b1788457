"""The mail kinds and the context keys each one needs (its contract with the callers).

Every kind has three templates under emails/templates/: `{kind}.subject.txt`,
`{kind}.txt` and `{kind}.html`, written with English msgids (`_()`, `ngettext`,
`pgettext`) that the catalogs in service/locale/ give in bokmål, nynorsk and English.
The renderer adds the common variables (`base_url`, `site_name`, `language`) to the
row's context. Texts a caller formats itself (times, amounts, `cuts`) come formatted in
the row's language (service.lib.i18n under `use(language)`).
"""

from __future__ import annotations

from service.lib.i18n import DEFAULT, LANGUAGES

__all__ = ["DEFAULT_LANGUAGE", "GATHERING", "KINDS", "LANGUAGES", "OPTIONAL_KEYS"]

DEFAULT_LANGUAGE = DEFAULT

GATHERING = ("name", "title", "starts", "ends", "venue", "address", "city", "url")

KINDS: dict[str, tuple[str, ...]] = {
    # A one-time login link, valid `minutes` minutes.
    "login_link": ("name", "url", "minutes"),
    # Confirm the address given at sign-up.
    "signup_confirm": ("name", "url", "minutes"),
    # To a coordinator or admin (`name`): a new account waits for approval.
    "approval_needed": ("name", "applicant_name", "applicant_email", "municipality", "url"),
    # To the applicant: the account has been approved.
    "account_approved": ("name", "url"),
    # Gathering mails: every one has the gathering's words (service.gatherings.service.
    # mail_context: `starts` and `ends` are date-times written out for the language) and
    # the registration; `changes` is a list of {field, old, new} (field: title, starts_at,
    # ends_at, venue, address, city); confirmed, promoted, changed and cancelled ones may
    # carry an iMIP invitation in `_parts`.
    "registration_confirmed": GATHERING,
    "registration_waitlisted": (*GATHERING, "position"),
    "registration_promoted": GATHERING,
    "registration_cancelled": (*GATHERING, "late"),
    "gathering_changed": (*GATHERING, "changes"),
    "gathering_cancelled": (*GATHERING, "reason"),
    "gathering_reminder": (*GATHERING, "days"),
    # Travel-cost claims. Amounts come formatted for the language ("1 234,50 kr",
    # "NOK 1,234.50"); `url` links to the claim.
    # To a network coordinator (`name`): `claimant`'s claim waits for attestation.
    "claim_submitted": ("name", "claimant", "municipality", "title", "total", "url"),
    # To the claimant: the claim was sent back for changes, with the `reason`.
    "claim_returned": ("name", "title", "reason", "url"),
    # To the claimant: the claim was rejected, with the `reason`.
    "claim_rejected": ("name", "title", "reason", "url"),
    # To the claimant: `approved` of `claimed`; `cuts` is a list of sentences, one per
    # reduced line (may be empty).
    "claim_approved": ("name", "title", "claimed", "approved", "cuts", "url"),
    # To the claimant: `amount` paid to `account` (already masked).
    "claim_paid": ("name", "title", "amount", "account", "url"),
    # Invitation campaigns (service.campaigns). To a municipality's official address:
    # the campaign's `letter` (Markdown, rendered and sanitised for the HTML part; plain
    # in the text part) with `subject`, the personal reply `url` and `reply_by` (a date
    # written out, may be empty). `name` is the municipality's name.
    "campaign_letter": ("name", "subject", "letter", "url", "reply_by"),
    # To a network's coordinators (`name`): `municipality` answered that it wants to
    # join `network`, naming `contact` (name, e-mail, role in one line); `url` is the
    # campaign's page.
    "campaign_reply": ("name", "municipality", "network", "contact", "url"),
    # To the contact person: the municipality is selected as a member of `network`;
    # `url` signs them up for their municipality.
    "campaign_selected": ("name", "municipality", "network", "url"),
    # To the contact person: the network could not take the municipality in this time.
    "campaign_declined": ("name", "municipality", "network", "reason"),
}

# Optional context keys every kind understands.
OPTIONAL_KEYS = ("unsubscribe_url",)
