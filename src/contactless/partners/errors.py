"""Partner errors: onboarding, the open API's authentication and customers' consents."""

from __future__ import annotations

from contactless.platform.errors import (
    Conflict,
    ContactlessError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)

# ---- onboarding -------------------------------------------------------------------------------


class PartnerNotFound(NotFound):
    """No partner with this id."""

    code = "partner_not_found"


class PartnerExists(Conflict):
    """A partner with this name is already registered."""

    code = "partner_exists"


class PartnerNotPending(Conflict):
    """The partner was already approved or refused."""

    code = "partner_not_pending"


class PartnerNotActive(Conflict):
    """The partner is not active (waiting for approval, refused or suspended)."""

    code = "partner_not_active"


class ClientNotFound(NotFound):
    """No API client with this id for this partner."""

    code = "partner_client_not_found"


class InvalidPartnerSetting(ValidationFailed):
    """A scope, product, callback URL or IP range the open platform does not accept."""

    code = "invalid_partner_setting"


class UnknownPartnerProduct(InvalidPartnerSetting):
    """A product the journey catalogue does not have (404: it names nothing that exists)."""

    status = 404


# ---- authentication of the open API -----------------------------------------------------------


class InvalidClient(Unauthorized):
    """Unknown client, wrong secret, or a client (or its partner) that may not act."""

    code = "invalid_client"


class UnsupportedGrantType(ContactlessError):
    """The token endpoint issues tokens for ``grant_type=client_credentials`` only."""

    status = 400
    code = "unsupported_grant_type"


class InvalidScope(ContactlessError):
    """A token was asked for a scope the client is not allowed."""

    status = 400
    code = "invalid_scope"


class TokenMissing(Unauthorized):
    """The call carries no ``Authorization: Bearer`` access token."""

    code = "token_missing"


class TokenInvalid(Unauthorized):
    """The access token is not one this bank signed, or not for the client that signs."""

    code = "token_invalid"


class TokenExpired(Unauthorized):
    """The access token has expired: ask for a new one."""

    code = "token_expired"


class SignatureMissing(Unauthorized):
    """A signing header (X-Client-Id, X-Timestamp, X-Nonce, X-Signature) is missing."""

    code = "signature_missing"


class SignatureInvalid(Unauthorized):
    """The request's HMAC signature does not match its method, path, time, nonce and body."""

    code = "signature_invalid"


class TimestampStale(Unauthorized):
    """X-Timestamp is more than five minutes away from the bank's clock."""

    code = "timestamp_stale"


class NonceReused(Unauthorized):
    """This X-Nonce was already used by the client: a replayed request."""

    code = "nonce_reused"


class IpNotAllowed(Forbidden):
    """The call comes from an address outside the client's allow-list."""

    code = "ip_not_allowed"


class ScopeNotGranted(Forbidden):
    """The access token does not carry the scope this call needs."""

    code = "scope_not_granted"


class PartnerRateLimited(RateLimited):
    """The client called this endpoint too often this minute: wait ``retry_after`` seconds."""

    code = "partner_rate_limited"


# ---- consents ---------------------------------------------------------------------------------


class ConsentNotFound(NotFound):
    """No consent with this id for this partner (or this customer)."""

    code = "consent_not_found"


class ConsentAnswered(Conflict):
    """The customer already answered this consent request."""

    code = "consent_answered"


class ConsentNotGranted(Forbidden):
    """The consent was not approved by the customer (waiting or refused)."""

    code = "consent_not_granted"


class ConsentRevoked(Forbidden):
    """The customer revoked this consent."""

    code = "consent_revoked"


class ConsentExpired(Forbidden):
    """The consent's validity (or the time to answer it) has passed."""

    code = "consent_expired"


class ConsentScopeMissing(Forbidden):
    """The customer did not consent to the scope this call needs."""

    code = "consent_scope_missing"


class InvalidConsentRequest(ValidationFailed):
    """A consent asked for unknown scopes or too long a validity."""

    code = "invalid_consent_request"


# ---- webhooks and the service hub -------------------------------------------------------------


class WebhookEndpointNotFound(NotFound):
    """No webhook endpoint with this id for this partner."""

    code = "webhook_endpoint_not_found"


class WebhookDeliveryNotFound(NotFound):
    """No webhook delivery with this id for this partner."""

    code = "webhook_delivery_not_found"


class InvalidWebhookSetting(ValidationFailed):
    """A webhook URL that is not one of the partner's callback URLs, or an unknown event type."""

    code = "invalid_webhook_setting"


class HubServiceNotFound(NotFound):
    """No service with this id in the service hub."""

    code = "hub_service_not_found"


class InvalidHubService(ValidationFailed):
    """A hub service with a bad link, dates that do not follow, or an unknown scenario."""

    code = "invalid_hub_service"
# ---- journeys and requests ----------------------------------------------------------------------


class RedirectUriNotRegistered(Forbidden):
    """The consent's redirect URI is not one of the partner's registered callback URLs."""

    code = "redirect_uri_not_registered"


class ProductNotAllowed(Forbidden):
    """The bank has not allowed this partner to offer this product."""

    code = "product_not_allowed"


class PartnerJourneyNotFound(NotFound):
    """No journey with this id was started by this partner."""

    code = "partner_journey_not_found"


class IdempotencyKeyConflict(Conflict):
    """This Idempotency-Key was used for another request (another body or endpoint)."""

    code = "idempotency_key_conflict"


class EventBatchInvalid(ContactlessError):
    """The events body is not a JSON array of objects, or holds too many."""

    status = 400
    code = "event_batch_invalid"
