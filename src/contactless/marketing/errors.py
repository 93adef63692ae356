"""Marketing errors: each names what is wrong in its fields, for the console and the API."""

from __future__ import annotations

from contactless.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed


class CampaignInvalid(ValidationFailed):
    """A campaign's target, schedule, actions, goal or holdout cannot work as written."""

    code = "campaign_invalid"


class CampaignNotFound(NotFound):
    """No campaign with this id (or not one the person may see)."""

    code = "campaign_not_found"


class CampaignStateConflict(Conflict):
    """The change does not fit the campaign's status (e.g. starting a draft)."""

    code = "campaign_state_conflict"


class CampaignNotApproved(Conflict):
    """A campaign runs only once a second person approved it."""

    code = "campaign_not_approved"


class MakerCannotApprove(Forbidden):
    """The person who made or last changed a campaign may not approve it (four eyes)."""

    code = "campaign_maker_cannot_approve"


class ApproverNotAllowed(Forbidden):
    """Approving a campaign is for a branch manager or a head-office marketer (lead)."""

    code = "campaign_approver_not_allowed"


class TaskNotFound(NotFound):
    """No call task with this id among the person's own."""

    code = "marketing_task_not_found"


class TaskInvalid(ValidationFailed):
    """An outcome or note a call task cannot take."""

    code = "marketing_task_invalid"


class MessageNotFound(NotFound):
    """No inbox message with this id for this customer."""

    code = "marketing_message_not_found"


class PlaybookNotFound(NotFound):
    """No built-in playbook with this key."""

    code = "playbook_not_found"
