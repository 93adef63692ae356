"""What a bank plugs in by setting (an SMS gateway, an identity provider, a risk policy) is
named as ``module:factory``: a callable that takes the Settings and returns the part."""

from __future__ import annotations

import importlib
from typing import Any

from contactless.settings import InsecureSettings, Settings


def load_part(path: str, *, setting: str, settings: Settings) -> Any:
    """Import ``module:factory`` and call it with the settings; a bad name stops the start
    and names the setting."""
    module_name, _, attribute = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InsecureSettings([f"CONTACTLESS_{setting.upper()}={path!r} is not an importable "
                                f"'module:factory' ({exc})"]) from exc
    return factory(settings)
