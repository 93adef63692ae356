"""Profiles, tags, declared attributes, saved segments and the anonymous ids linked to
customers (the lake holds the events)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

import contactless.customers.models  # noqa: F401  (the customer table, referenced below)
from contactless.platform.db import Base, CreatedMixin, IdMixin, MinorUnits, UTCDateTime


class Profile(Base):
    """One customer's core facts (read through the core's service) and behaviour counts, as
    of the last rebuild or update; money in CNY."""

    __tablename__ = "events_profile"

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    primary_rm_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    aum: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    demand_balance: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    deposit_balance: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    wealth_value: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    loan_outstanding: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    products: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    nearest_maturity: Mapped[date | None] = mapped_column(Date)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events_30d: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    app_opens_30d: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # money sent to other banks in the last 30 days and in the 30 days before
    outbound_30d: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    outbound_prior_30d: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CustomerTag(Base):
    """A tag a declared rule gives the customer now; ``since`` when it first applied."""

    __tablename__ = "events_customer_tag"

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CustomerAttribute(Base):
    """A declared attribute staff set on a customer (e.g. a VIP of another bank); rebuilds
    keep it."""

    __tablename__ = "events_customer_attribute"

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    set_by: Mapped[str] = mapped_column(String(64), nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Segment(IdMixin, CreatedMixin, Base):
    """A saved condition tree and when its membership was last materialized."""

    __tablename__ = "events_segment"

    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    tree: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # set when profiles or tags changed after the last refresh
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class SegmentMember(Base):
    __tablename__ = "events_segment_member"

    segment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events_segment.id",
                                                             ondelete="CASCADE"),
                                                  primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), primary_key=True,
                                                   index=True)


class PendingProfile(Base):
    """A customer whose core facts moved (a domain event named them): their profile and tags
    are brought up to date by the next ``events.update_profiles`` pass."""

    __tablename__ = "events_profile_pending"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class EventAlias(Base):
    """An anonymous id linked to the customer who signed in with it (the lake's files are
    never rewritten; queries resolve through this)."""

    __tablename__ = "events_alias"

    anonymous_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customer.id"),
                                                   nullable=False, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
