"""The demo bank's marketing: head office's marketer clones three playbooks (deposits falling
due, money leaving for other banks, high-value invitations), a branch manager approves them,
they start, and the morning's run makes the RMs' call tasks and the customers' messages.

It runs once the bank is built and committed (the run's stages are their own transactions),
so it takes the kernel, not the builder's session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contactless.identity import service as identity
from contactless.identity.service import Role
from contactless.marketing import service as marketing
from contactless.platform.kernel import Kernel

PLAYBOOKS = ("maturity_renewal", "outflow_retention", "vip_invitation")


@dataclass(frozen=True)
class DemoMarketing:
    campaigns: int
    members: int
    tasks: int
    messages: int


def seed_campaigns(kernel: Kernel, *, today: date) -> DemoMarketing:
    with kernel.db.session() as session:
        marketer = next(actor for actor in identity.staff_actors(
            session, role=Role.MARKETER, channel="demo")
            if (actor.branch_path or "/").count("/") <= 2)  # head office's
        manager = identity.staff_actors(session, role=Role.BRANCH_MANAGER, channel="demo")[0]
        for key in PLAYBOOKS:
            draft = marketing.clone_playbook(session, marketer, key=key)
            marketing.approve_campaign(session, manager, campaign_id=draft.id)
            marketing.move_campaign(session, marketer, campaign_id=draft.id, move="start")
    report = marketing.run_daily(kernel, on=today)
    return DemoMarketing(len(report.campaigns), sum(r.members for r in report.campaigns),
                         sum(r.tasks for r in report.campaigns),
                         sum(r.messages for r in report.campaigns))


__all__ = ["DemoMarketing", "seed_campaigns"]
