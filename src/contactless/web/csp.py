"""The pages' Content-Security-Policy: every script is a file served from the package (no
inline script, no other origin), and forms post only to the bank, except where a page names
one more origin its form may lead to (a partner's redirect after a consent answer)."""

from __future__ import annotations

from urllib.parse import urlsplit

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def forms_may_lead_to(url: str) -> str:
    """The policy for a page whose form is answered with a redirect to ``url``: browsers
    apply ``form-action`` to the redirect too, so its origin must be named."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return CONTENT_SECURITY_POLICY
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")
