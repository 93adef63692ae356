"""Training from the bank's own decisions (``contactless risk train --from-decisions``).

Every stored decision keeps the features it was decided on, so the model learns from exactly
what it is served. A decision older than the label delay is labelled: fraud when an analyst's
verdict (a case) said so, genuine otherwise, since a bank has usually heard of a fraud within
the delay (7 days by default); younger decisions are left out, their label may still come.
The new model is measured first on the latest labelled days (trained on the days before
them), then trained again on the whole window, as ``evaluation.train_latest`` does for a
transactions history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.platform.clock import now
from contactless.platform.context import Actor
from contactless.risk import drift
from contactless.risk.algorithms import DEFAULT, FraudModel, train_model
from contactless.risk.errors import InvalidTransactions
from contactless.risk.evaluation import card_precision_at_k, scored_metrics
from contactless.risk.features import FEATURES
from contactless.risk.models import RiskDecision, Verdict

BATCH = 5_000


@dataclass(frozen=True)
class Labelled:
    """Stored decisions in time order: their day, card, features and label (1: fraud)."""

    at: np.ndarray  # datetime64[s]
    card: np.ndarray
    features: np.ndarray
    fraud: np.ndarray


def labelled_decisions(session: Session, *, since: datetime, until: datetime) -> Labelled:
    """Decisions made in [since, until) with every model feature (older versions of the
    features are skipped), labelled as the module says."""
    query = (select(RiskDecision.at, RiskDecision.customer_id, RiskDecision.payee,
                    RiskDecision.features, RiskDecision.label)
             .where(RiskDecision.at >= since, RiskDecision.at < until)
             .order_by(RiskDecision.at).execution_options(yield_per=BATCH))
    moments, cards, rows, labels = [], [], [], []
    for at, customer_id, payee, features, label in session.execute(query):
        values = [features.get(name) for name in FEATURES]
        if any(not isinstance(value, int | float) for value in values):
            continue
        moments.append(np.datetime64(at.replace(tzinfo=None), "s"))
        cards.append(str(customer_id) if customer_id else f"payee:{payee}")
        rows.append(values)
        labels.append(1 if label == Verdict.FRAUD.value else 0)
    return Labelled(np.array(moments, dtype="datetime64[s]"), np.array(cards, dtype=object),
                    np.array(rows, dtype=float).reshape(-1, len(FEATURES)),
                    np.array(labels, dtype=int))


def train_from_decisions(session: Session, actor: Actor, *, days: int = 90,
                         delay_days: int = 7, test_days: int = 7, algorithm: str = DEFAULT,
                         until: datetime | None = None, seed: int = 0,
                         ) -> tuple[FraudModel, dict[str, Any]]:
    """A model from the decisions of the ``days`` before ``until`` (default: now less the
    label delay), measured on their last ``test_days``; with its metrics, what it was trained
    on and its training reference for the drift report."""
    authorize(actor, Operation.RISK_MODELS_MANAGE)
    end = until or now() - timedelta(days=delay_days)
    start, split = end - timedelta(days=days), end - timedelta(days=test_days)
    data = labelled_decisions(session, since=start, until=end)
    test = data.at >= np.datetime64(split.replace(tzinfo=None), "s")
    train = ~test
    for part in (train, test):
        if not part.any() or data.fraud[part].min() == data.fraud[part].max():
            raise InvalidTransactions(
                "the stored decisions from {since} to {until} need frauds and genuine "
                "operations both before and within their last {test_days} days: label cases, "
                "or train on a transactions history", since=start.date().isoformat(),
                until=end.date().isoformat(), test_days=test_days)
    probe = train_model(data.features[train], data.fraud[train], algorithm=algorithm, seed=seed)
    scores = probe.score(data.features[test])
    metrics = scored_metrics(data.fraud[test], scores)
    metrics["card_precision_at_100"] = card_precision_at_k(
        data.at[test].astype("datetime64[D]"), data.card[test], data.fraud[test], scores)
    model = train_model(data.features, data.fraud, algorithm=algorithm, seed=seed)
    trained_on = {"decisions": int(len(data.fraud)), "from": start.date().isoformat(),
                  "until": end.date().isoformat(), "frauds": int(data.fraud.sum()),
                  "measured_on": {"test_from": split.date().isoformat(),
                                  "test_decisions": int(test.sum())}}
    reference = drift.reference(data.features, FEATURES, model.score(data.features))
    return model, {"metrics": metrics, "trained_on": trained_on, "reference": reference}


__all__ = ["Labelled", "labelled_decisions", "train_from_decisions"]
