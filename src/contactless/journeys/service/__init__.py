"""The journey engine's public functions (customers, prospects, staff, jobs).

Customers and prospects: :func:`journey_catalog`, :func:`start_journey`,
:func:`get_journey`, :func:`my_journeys`, :func:`submit_step`, :func:`cancel_journey`,
:func:`go_back`, :func:`resend_code`, :func:`consent_receipt`; prospects prove their mobile with
:func:`request_prospect_code` / :func:`verify_prospect`. Staff: :func:`list_reviews`,
:func:`approve_review`, :func:`reject_review`, :func:`journey_analytics`. Jobs:
:func:`sweep`.
"""

from __future__ import annotations

from contactless.journeys.service.analytics import journey_analytics, overview
from contactless.journeys.service.consents import Receipt, consent_receipt
from contactless.journeys.service.landing import code_cards
from contactless.journeys.service.lifecycle import cancel_journey, go_back, resend_code
from contactless.journeys.service.prospects import (
    customer_of_prospect,
    issue_prospect_token,
    prospect_for_session,
    proven_mobile,
    read_prospect_token,
    request_prospect_code,
    verify_prospect,
)
from contactless.journeys.service.reviews import (
    approve_review,
    get_review,
    list_reviews,
    pending_count,
    reject_review,
)
from contactless.journeys.service.stalled import StalledJourney, stalled_journeys
from contactless.journeys.service.start import (
    check_start_params,
    get_journey,
    journey_catalog,
    journey_for_partner,
    my_journeys,
    start_journey,
    start_params,
)
from contactless.journeys.service.submit import decode_api_files, submit_step
from contactless.journeys.service.sweep import (
    SweepReport,
    expire_journeys,
    run_cooling_off,
    sweep,
)

__all__ = [
    "Receipt", "StalledJourney", "SweepReport", "approve_review", "cancel_journey",
    "check_start_params",
    "code_cards",
    "consent_receipt",
    "customer_of_prospect", "decode_api_files", "expire_journeys", "get_journey",
    "get_review", "go_back", "issue_prospect_token", "journey_analytics", "journey_catalog",
    "journey_for_partner",
    "list_reviews", "my_journeys", "overview", "pending_count", "prospect_for_session",
    "proven_mobile", "read_prospect_token", "reject_review", "request_prospect_code", "resend_code",
    "run_cooling_off", "stalled_journeys", "start_journey", "start_params", "submit_step",
    "sweep", "verify_prospect",
]
