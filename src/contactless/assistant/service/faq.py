"""The FAQ knowledge base (常见问题): managed in the console, matched by meaning.

Matching compares the message with every question and paraphrase in force today through
character n-grams (the same reading of Chinese the intent model uses), weighted by how rare
each n-gram is among the entries; the best entry answers when it is close enough. The index
is rebuilt only when an entry changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy.orm import Session

from contactless.assistant import repository
from contactless.assistant.errors import FaqInvalid, FaqNotFound
from contactless.assistant.models import FaqEntry
from contactless.assistant.nlu.text import normalise
from contactless.assistant.service.core import parts_of
from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow

MATCH_THRESHOLD = 0.6


@dataclass(frozen=True)
class FaqInput:
    locale: str
    question: str
    answer: str
    paraphrases: list[str]
    effective_from: date
    effective_until: date | None = None
    active: bool = True


def _check(data: FaqInput) -> FaqInput:
    question, answer = data.question.strip(), data.answer.strip()
    if not question or not answer:
        raise FaqInvalid("a FAQ entry needs a question and an answer")
    if len(question) > 200:
        raise FaqInvalid("the question is longer than 200 characters")
    if data.effective_until and data.effective_until < data.effective_from:
        raise FaqInvalid("the end date is before the start date")
    if data.locale not in ("zh-CN", "en"):
        raise FaqInvalid("the language is zh-CN or en")
    paraphrases = [p.strip() for p in data.paraphrases if p.strip()]
    return FaqInput(data.locale, question, answer, paraphrases, data.effective_from,
                    data.effective_until, data.active)


def _state(entry: FaqEntry) -> dict[str, Any]:
    return {"question": entry.question, "answer": entry.answer, "paraphrases": entry.paraphrases,
            "from": entry.effective_from.isoformat(), "active": entry.active,
            "until": entry.effective_until.isoformat() if entry.effective_until else None}


def create_faq(session: Session, actor: Actor, *, data: FaqInput) -> FaqEntry:
    authorize(actor, Operation.ASSISTANT_FAQ_MANAGE)
    clean = _check(data)
    entry = FaqEntry(id=uuid.uuid4(), locale=clean.locale, question=clean.question,
                     paraphrases=clean.paraphrases, answer=clean.answer,
                     effective_from=clean.effective_from, effective_until=clean.effective_until,
                     active=clean.active, updated_at=utcnow())
    session.add(entry)
    session.flush()
    audit.record(session, actor, action="assistant.faq_created", target_type="assistant_faq",
                 target_id=entry.id, after=_state(entry))
    return entry


def update_faq(session: Session, actor: Actor, *, faq_id: uuid.UUID, data: FaqInput) -> FaqEntry:
    authorize(actor, Operation.ASSISTANT_FAQ_MANAGE)
    entry = repository.faq_entry(session, faq_id)
    if entry is None:
        raise FaqNotFound("no such FAQ entry")
    clean = _check(data)
    before = _state(entry)
    entry.locale, entry.question, entry.answer = clean.locale, clean.question, clean.answer
    entry.paraphrases = clean.paraphrases
    entry.effective_from, entry.effective_until = clean.effective_from, clean.effective_until
    entry.active = clean.active
    entry.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, action="assistant.faq_updated", target_type="assistant_faq",
                 target_id=entry.id, before=before, after=_state(entry))
    return entry


def list_faq(session: Session, actor: Actor) -> list[FaqEntry]:
    authorize(actor, Operation.ASSISTANT_FAQ_MANAGE)
    return repository.faq_entries(session)


def get_faq(session: Session, actor: Actor, *, faq_id: uuid.UUID) -> FaqEntry:
    authorize(actor, Operation.ASSISTANT_FAQ_MANAGE)
    entry = repository.faq_entry(session, faq_id)
    if entry is None:
        raise FaqNotFound("no such FAQ entry")
    return entry


class FaqIndex:
    def __init__(self, entries: list[FaqEntry]) -> None:
        self.rows: list[tuple[uuid.UUID, str, date, date | None, str]] = []
        texts: list[str] = []
        for entry in entries:
            if not entry.active:
                continue
            for text in [entry.question, *entry.paraphrases]:
                self.rows.append((entry.id, entry.locale, entry.effective_from,
                                  entry.effective_until, entry.answer))
                texts.append(normalise(text))
        self.vectorizer: TfidfVectorizer | None = None
        if texts:
            self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3),
                                              sublinear_tf=True)
            self.matrix = self.vectorizer.fit_transform(texts)

    def best(self, text: str, *, locale: str, on: date) -> tuple[uuid.UUID, str, float] | None:
        if self.vectorizer is None:
            return None
        scores = np.asarray((self.matrix @ self.vectorizer.transform([normalise(text)]).T)
                            .toarray()).ravel()
        best: tuple[uuid.UUID, str, float] | None = None
        for index in np.argsort(scores)[::-1][:10]:
            faq_id, entry_locale, since, until, answer = self.rows[int(index)]
            if since > on or (until is not None and until < on):
                continue
            score = float(scores[index]) + (0.05 if entry_locale == locale else 0.0)
            if best is None or score > best[2]:
                best = (faq_id, answer, score)
        return best


def match(session: Session, text: str, *, locale: str, on: date) -> tuple[uuid.UUID, str] | None:
    """The answer of the entry in force on ``on`` that is closest to ``text``, if close enough."""
    parts = parts_of(session)
    version = repository.faq_version(session)
    if parts.faq_index is None or parts.faq_version != version:
        parts.faq_index = FaqIndex(repository.faq_entries(session))
        parts.faq_version = version
    found = parts.faq_index.best(text, locale=locale, on=on)
    if found is None or found[2] < MATCH_THRESHOLD:
        return None
    return found[0], found[1]
