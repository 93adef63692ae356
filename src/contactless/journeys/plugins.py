"""What a bank plugs into the journey engine: the catalog, the e-KYC verifier, the QR-code
source (outreach) and the default RM. Installed per kernel when the app is built; tests
install their own. The risk policy is the risk domain's (``risk.service.install_policy``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from contactless.journeys.catalog import Catalog, default_catalog
from contactless.journeys.ekyc import EmbeddedVerifier, IdentityVerifier
from contactless.journeys.sources import NoQrSources, QrSources
from contactless.platform.kernel import Kernel, kernel_of


@dataclass(frozen=True)
class JourneyPlugins:
    catalog: Catalog = field(default_factory=default_catalog)
    verifier: IdentityVerifier = field(default_factory=EmbeddedVerifier)
    sources: QrSources = field(default_factory=NoQrSources)
    # the primary RM of customers who open online without a QR code (username); None picks
    # the first RM by username
    default_rm_username: str | None = None


_KEY = "journeys.plugins"  # in Kernel.extensions


def install(kernel: Kernel, plugins: JourneyPlugins) -> None:
    """Use ``plugins`` for every journey run through this kernel."""
    kernel.extensions[_KEY] = plugins


def use_sources(kernel: Kernel, sources: QrSources) -> None:
    """Keep the other plugins, take QR codes from ``sources`` (outreach installs itself)."""
    current = kernel.extensions.get(_KEY) or JourneyPlugins()
    kernel.extensions[_KEY] = replace(current, sources=sources)


def use_verifier(kernel: Kernel, verifier: IdentityVerifier) -> None:
    """Keep the other plugins, check identities with ``verifier`` (the bank's e-KYC)."""
    current = kernel.extensions.get(_KEY) or JourneyPlugins()
    kernel.extensions[_KEY] = replace(current, verifier=verifier)


def verifier_of(kernel: Kernel) -> IdentityVerifier:
    plugins: JourneyPlugins = kernel.extensions.get(_KEY) or JourneyPlugins()
    return plugins.verifier


def plugins_of(session: Session) -> JourneyPlugins:
    extensions = kernel_of(session).extensions
    plugins: JourneyPlugins | None = extensions.get(_KEY)
    if plugins is None:
        plugins = extensions[_KEY] = JourneyPlugins()
    return plugins
