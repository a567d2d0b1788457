"""What people read for the codes the API uses: statuses, line kinds, meals, audiences.

Each table maps a code to an English msgid marked with N_(); `label(table, code)`
translates it in the language of the moment. An unknown code is shown as it is.
"""

from __future__ import annotations

from service.lib.i18n import N_, gettext

GATHERING_STATUS = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Held"),
}
REGISTRATION_STATUS = {
    "confirmed": N_("Confirmed"),
    "waitlisted": N_("On the waiting list"),
    "cancelled": N_("Cancelled"),
    "attended": N_("Attended"),
}
CLAIM_STATUS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "attested": N_("Attested"),
    "approved": N_("Approved"),
    "paid": N_("Paid"),
    "returned": N_("Returned for changes"),
    "rejected": N_("Rejected"),
}
LINE_KIND = {
    "mileage": N_("Mileage"),
    "ticket": N_("Ticket"),
    "accommodation": N_("Accommodation"),
    "night_allowance": N_("Night allowance"),
    "per_diem": N_("Per diem"),
    "other": N_("Other"),
}
MEAL = {"breakfast": N_("Breakfast"), "lunch": N_("Lunch"), "dinner": N_("Dinner")}
AUDIENCE = {
    "members": N_("Member municipalities of the network"),
    "region": N_("Municipalities in the network's counties"),
    "open": N_("Open to all"),
}
MEMBERSHIP_STATUS = {
    "interested": N_("Asked to join"),
    "member": N_("Member"),
    "withdrawn": N_("Withdrawn"),
}
ROLE = {
    "admin": N_("Administrator"),
    "finance": N_("Finance"),
    "coordinator": N_("Coordinator"),
    "participant": N_("Participant"),
}


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return gettext(table[code]) if code in table else code
