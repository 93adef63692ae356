"""The marketing service (数字化营销): campaigns and their approval, the daily run and the
bus's triggers, RM call tasks, the customer's inbox and preferences, results.

Every function takes ``(session, actor, *, ...)`` (runs take the kernel: each stage is its
own transaction) and works in the caller's transaction; those that act for a person check
who may act and write the audit trail. Split by use case under ``service/``."""

from contactless.marketing.playbooks import PLAYBOOKS, Playbook
from contactless.marketing.service.campaigns import (
    CampaignView,
    approve_campaign,
    clone_playbook,
    create_campaign,
    get_campaign,
    list_campaigns,
    move_campaign,
    update_campaign,
)
from contactless.marketing.service.conversions import record_conversion, subscribe
from contactless.marketing.service.delivery import deliver_sms, deliver_webhooks, signature
from contactless.marketing.service.preview import AudiencePreview, preview_audience
from contactless.marketing.service.results import Results, campaign_results, results_csv, uplift
from contactless.marketing.service.runs import (
    WEEKLY_CAPS,
    DailyReport,
    RunReport,
    quiet_hours,
    run_campaign,
    run_daily,
)
from contactless.marketing.service.spec import CampaignSpec
from contactless.marketing.service.work import (
    MessageView,
    PreferenceView,
    TaskView,
    inbox,
    log_outcome,
    my_tasks,
    open_message,
    preferences,
    set_preferences,
    unread_count,
)

__all__ = [
    "PLAYBOOKS", "WEEKLY_CAPS", "AudiencePreview", "CampaignSpec", "CampaignView",
    "DailyReport", "MessageView", "Playbook", "PreferenceView", "Results", "RunReport",
    "TaskView", "approve_campaign", "campaign_results", "clone_playbook", "create_campaign",
    "deliver_sms", "deliver_webhooks", "get_campaign", "inbox", "list_campaigns",
    "log_outcome", "move_campaign", "my_tasks", "open_message", "preferences",
    "preview_audience", "quiet_hours", "record_conversion", "results_csv", "run_campaign",
    "run_daily", "set_preferences", "signature", "subscribe", "unread_count", "update_campaign",
    "uplift",
]
