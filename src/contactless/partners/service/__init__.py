"""The partners service: onboarding (console and API), the open API's authentication, and
customers' consents. Every function works in the caller's transaction."""

from contactless.partners.service.access import (
    CLOCK_SKEW_SECONDS,
    TOKEN_SECONDS,
    PartnerCaller,
    RateWindow,
    SignedClient,
    SignedRequest,
    authenticate,
    canonical_request,
    count_call,
    issue_token,
    require_scope,
    sign_request,
    verify_signed,
)
from contactless.partners.service.catalog import partner_products
from contactless.partners.service.consents import (
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
from contactless.partners.service.hub import (
    HubShelf,
    add_hub_service,
    browse_hub,
    click_hub_service,
    hub_services,
    set_hub_service_status,
)
from contactless.partners.service.onboarding import (
    decide_partner,
    get_partner,
    issue_client,
    list_partners,
    register_partner,
    revoke_client,
    suspend_partner,
    update_partner,
)
from contactless.partners.service.webhooks import (
    add_endpoint,
    delivery_log,
    endpoints,
    replay_delivery,
    set_endpoint_status,
)
from contactless.partners.service.webhooks import install as install_webhooks

__all__ = [
    "CLOCK_SKEW_SECONDS", "PartnerCaller", "RateWindow", "SignedClient", "SignedRequest",
    "TOKEN_SECONDS", "answer_consent", "authenticate", "canonical_request",
    "consent_for_customer", "consented_customer", "count_call", "decide_partner", "get_partner",
    "issue_client", "issue_token", "list_partners", "my_consents", "partner_accounts",
    "partner_balances", "partner_consent", "partner_products", "register_partner",
    "request_consent", "require_scope", "revoke_client", "revoke_consent", "sign_request",
    "suspend_partner", "update_partner", "verify_signed",
    # webhooks and the service hub
    "DeliveryReport", "HubShelf", "add_endpoint", "add_hub_service", "browse_hub",
    "click_hub_service", "deliver_due", "deliver_now", "delivery_log", "endpoints",
    "hub_services", "install_webhooks", "replay_delivery", "set_endpoint_status",
    "set_hub_service_status",
]
