"""The partners service: onboarding (console and API), the open API's authentication, and
customers' consents. Every function works in the caller's transaction."""

from contactless.partners.service.access import (
    CLOCK_SKEW_SECONDS,
    TOKEN_SECONDS,
    PartnerCaller,
    SignedClient,
    SignedRequest,
    authenticate,
    canonical_request,
    issue_token,
    require_scope,
    sign_request,
    verify_signed,
)
from contactless.partners.service.catalog import partner_products
from contactless.partners.service.consents import (
    CONSENT_GRANT,
    DATA_READ,
    answer_consent,
    consent_for_customer,
    consented_customer,
    my_consents,
    partner_accounts,
    partner_balances,
    partner_consent,
    request_consent,
    revoke_consent,
)
from contactless.partners.service.delivery import DeliveryReport, deliver_due, deliver_now
from contactless.partners.service.events import (
    PartnerIngest,
    ingest_partner_events,
)
from contactless.partners.service.events import register_type as register_event_type
from contactless.partners.service.hub import (
    HubShelf,
    add_hub_service,
    browse_hub,
    click_hub_service,
    hub_services,
    set_hub_service_status,
)
from contactless.partners.service.journeys import (
    PARTNER_START,
    partner_journey_status,
    start_partner_journey,
)
from contactless.partners.service.journeys import subscribe as subscribe_journeys
from contactless.partners.service.onboarding import (
    decide_partner,
    get_partner,
    issue_client,
    list_partners,
    partner_logo,
    register_partner,
    revoke_client,
    suspend_partner,
    update_partner,
)
from contactless.partners.service.ratelimits import RateWindow, count_call
from contactless.partners.service.requests import KeptAnswer, keep_answer, kept_answer
from contactless.partners.service.webhooks import (
    add_endpoint,
    delivery_log,
    endpoints,
    replay_delivery,
    set_endpoint_status,
)
from contactless.partners.service.webhooks import install as install_webhooks

__all__ = [
    "CLOCK_SKEW_SECONDS", "CONSENT_GRANT", "DATA_READ", "DeliveryReport", "HubShelf",
    "KeptAnswer", "PARTNER_START",
    "PartnerCaller", "PartnerIngest", "RateWindow", "SignedClient", "SignedRequest",
    "TOKEN_SECONDS",
    "add_endpoint", "add_hub_service", "answer_consent", "authenticate", "browse_hub",
    "canonical_request", "click_hub_service", "consent_for_customer", "consented_customer",
    "count_call", "decide_partner", "deliver_due", "deliver_now", "delivery_log", "endpoints",
    "get_partner", "hub_services", "ingest_partner_events", "install_webhooks", "issue_client",
    "issue_token", "keep_answer", "kept_answer", "list_partners", "my_consents",
    "partner_accounts", "partner_balances", "partner_consent", "partner_journey_status",
    "partner_logo", "partner_products", "register_event_type", "register_partner",
    "replay_delivery", "request_consent", "require_scope", "revoke_client", "revoke_consent",
    "set_endpoint_status", "set_hub_service_status", "sign_request", "start_partner_journey",
    "subscribe_journeys", "suspend_partner", "update_partner", "verify_signed",
]
