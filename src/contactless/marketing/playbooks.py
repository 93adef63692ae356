"""Built-in playbooks (营销剧本): campaign specs a marketer clones, then adjusts and sends for
approval. Written as data, in the order the console lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Playbook:
    key: str
    name: str
    summary: str
    target: dict[str, Any]
    schedule: dict[str, Any]
    actions: list[dict[str, Any]]
    goal: dict[str, Any]
    holdout_percent: int = 10


PLAYBOOKS: tuple[Playbook, ...] = (
    Playbook(
        key="maturity_renewal", name="到期续存提醒",
        summary="Wealth products and large CDs maturing in the next N days: an RM call and an "
                "in-app reminder with a renewal link, to keep the money in the bank",
        target={"kind": "maturing", "days": 30, "min_amount": "50000.00"},
        schedule={"kind": "daily", "at": "09:00"},
        actions=[{"kind": "rm_call", "due_days": 3, "link": "deposit_renewal",
                  "script": "您好，您在我行的存款/理财即将到期。为您介绍续存方案，"
                            "可在手机银行一键续存。"},
                 {"kind": "inbox", "title": "您的存款即将到期", "link": "deposit_renewal",
                  "body": "您在我行的定期存款即将到期，点击链接即可在线续存，"
                          "资金不离行、利息不断档。"}],
        goal={"event": "journey.completed", "journey": "deposit_renewal", "within_days": 14}),
    Playbook(
        key="outflow_retention", name="资金外流挽留",
        summary="Large demand balances with rising transfers to other banks: an RM retention "
                "call",
        target={"kind": "retention", "min_balance": "200000.00", "rise_percent": 50},
        schedule={"kind": "daily", "at": "09:30"},
        actions=[{"kind": "rm_call", "due_days": 2, "link": "time_deposit_open",
                  "script": "您好，关注到您近期有较多跨行转账，为您介绍我行的定期和理财产品。"}],
        goal={"event": "journey.completed", "journey": "time_deposit_open", "within_days": 30}),
    Playbook(
        key="vip_invitation", name="高净值客户邀约",
        summary="High-value customers and holders of other banks' VIP cards (the profiles' "
                "high_value and other_bank_vip tags): an invitation to bring funds over",
        target={"kind": "segment", "tree": {"any": [{"tag": "high_value"},
                                                    {"tag": "other_bank_vip"}]}},
        schedule={"kind": "daily", "at": "10:00"},
        actions=[{"kind": "inbox", "title": "尊享理财邀约", "link": "wealth_purchase",
                  "body": "诚邀您体验我行专属理财，跨行资金归集更便捷。"}],
        goal={"event": "journey.completed", "journey": "wealth_purchase", "within_days": 30}),
    Playbook(
        key="hardship_deferral", name="疫情困难延期还款",
        summary="Customers who told the bank they cannot repay because of hardship or the "
                "epidemic (the assistant's repayment_deferral intent, in 90 days): a "
                "repayment-deferral offer",
        target={"kind": "segment", "tree": {"performed": {
            "type": "assistant.message", "within_days": 90,
            "where": {"intent": "repayment_deferral"}}}},
        schedule={"kind": "daily", "at": "10:30"},
        actions=[{"kind": "rm_call", "due_days": 5, "link": "loan_application",
                  "script": "您好，了解到您受疫情影响，我行可为您办理延期还款，请问是否需要？"},
                 {"kind": "inbox", "title": "延期还款政策", "link": "loan_application",
                  "body": "受疫情影响的客户可申请延期还款，您的客户经理将与您联系。"}],
        goal={"event": "journey.completed", "journey": "loan_application", "within_days": 30}),
)


def playbook(key: str) -> Playbook | None:
    return next((item for item in PLAYBOOKS if item.key == key), None)
