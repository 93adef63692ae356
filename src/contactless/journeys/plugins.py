"""What a bank plugs into the journey engine: the catalog, the e-KYC verifier, the QR-code
source (outreach) and the default RM. Installed per kernel when the app is built; tests
install their own. The risk policy is the risk domain's (``risk.service.install_policy``)."""

from __future__ import annotations

import weakref
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


_INSTALLED: weakref.WeakKeyDictionary[object, JourneyPlugins] = weakref.WeakKeyDictionary()


def install(kernel: Kernel, plugins: JourneyPlugins) -> None:
    """Use ``plugins`` for every journey run through this kernel."""
    _INSTALLED[kernel.db] = plugins


def use_sources(kernel: Kernel, sources: QrSources) -> None:
    """Keep the other plugins, take QR codes from ``sources`` (outreach installs itself)."""
    current = _INSTALLED.get(kernel.db) or JourneyPlugins()
    _INSTALLED[kernel.db] = replace(current, sources=sources)


def plugins_of(session: Session) -> JourneyPlugins:
    db = kernel_of(session).db
    plugins = _INSTALLED.get(db)
    if plugins is None:
        plugins = JourneyPlugins()
        _INSTALLED[db] = plugins
    return plugins
