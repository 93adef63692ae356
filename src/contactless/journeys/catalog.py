"""The journeys a customer can start: the built-ins and any a bank declares in a package
of its own (entry-point group ``contactless.journeys``, each entry a ``Journey``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points

from contactless.journeys.declaration import Journey
from contactless.journeys.errors import UnknownJourney

ENTRY_POINTS = "contactless.journeys"


class Catalog:
    """Journeys by key, in the order they were added."""

    def __init__(self, journeys: Iterable[Journey]) -> None:
        self._journeys: dict[str, Journey] = {}
        for journey in journeys:
            self.add(journey)

    def add(self, journey: Journey) -> None:
        keys = [step.key for step in journey.steps]
        if len(set(keys)) != len(keys) or "step_up" in keys:
            raise ValueError(f"journey {journey.key}: step keys must be unique, not 'step_up'")
        self._journeys[journey.key] = journey

    def get(self, key: str) -> Journey:
        journey = self._journeys.get(key)
        if journey is None:
            raise UnknownJourney("there is no such journey")
        return journey

    def __contains__(self, key: object) -> bool:
        return key in self._journeys

    def all(self) -> list[Journey]:
        return list(self._journeys.values())


def builtin_journeys() -> list[Journey]:
    from contactless.journeys.builtin import (
        change_mobile,
        close_account,
        deposit_partial_withdrawal,
        deposit_renewal,
        loan_application,
        open_account,
        payroll_card,
        time_deposit_open,
        wealth_purchase,
    )

    return [open_account.JOURNEY, deposit_renewal.JOURNEY, time_deposit_open.JOURNEY,
            wealth_purchase.JOURNEY,
            loan_application.JOURNEY, payroll_card.JOURNEY, change_mobile.JOURNEY,
            deposit_partial_withdrawal.JOURNEY, close_account.JOURNEY]


@cache
def default_catalog() -> Catalog:
    """The built-ins plus every journey registered under the entry-point group."""
    catalog = Catalog(builtin_journeys())
    for point in entry_points(group=ENTRY_POINTS):
        loaded = point.load()
        catalog.add(loaded() if callable(loaded) else loaded)
    return catalog
