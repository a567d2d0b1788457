"""Every page route, in one list: app.py hands it to the web Router."""

from __future__ import annotations

from typing import Any

from service.web import (
    admin_pages,
    campaign_pages,
    coordinator_pages,
    directory_pages,
    document_pages,
    finance_pages,
    news_pages,
    statistics_pages,
)
from service.web.auth_pages import (
    demo_sign_in,
    login_link_page,
    login_page,
    login_submit,
    login_with_link,
    signup_page,
    signup_submit,
)
from service.web.claim_pages import (
    claim_page,
    create_from_form,
    my_claims,
    new_claim,
    receipt_from_page,
    submit_from_page,
)
from service.web.gathering_pages import gathering_list, gathering_page, register_from_page
from service.web.me_pages import (
    cancel_registration,
    me_page,
    my_calendar,
    reset_calendar,
    save_profile,
)
from service.web.network_pages import network_page
from service.web.payout_pages import paid_from_page, payout_from_page, payout_list, payout_page
from service.web.review_pages import decide, receipt_inline, review_queue
from service.web.site_pages import home, logout_page, switch_language

PAGES: list[Any] = [
    # site
    home,
    switch_language,
    logout_page,
    # sign-in and sign-up
    login_page,
    login_submit,
    login_link_page,
    login_with_link,
    demo_sign_in,
    signup_page,
    signup_submit,
    # gatherings, networks, my page
    gathering_list,
    gathering_page,
    register_from_page,
    network_page,
    me_page,
    save_profile,
    cancel_registration,
    my_calendar,
    reset_calendar,
    # claims, review, payouts
    my_claims,
    new_claim,
    create_from_form,
    claim_page,
    submit_from_page,
    receipt_from_page,
    review_queue,
    decide,
    receipt_inline,
    payout_list,
    payout_from_page,
    payout_page,
    paid_from_page,
]
# The workspaces: each module keeps its own list of routes.
PAGES += coordinator_pages.PAGES + finance_pages.PAGES + admin_pages.PAGES
# The programme around the gatherings.
PAGES += (
    campaign_pages.PAGES
    + news_pages.PAGES
    + document_pages.PAGES
    + directory_pages.PAGES
    + statistics_pages.PAGES
)
