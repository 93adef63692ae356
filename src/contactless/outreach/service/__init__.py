"""The outreach service (营销协同): QR codes, scans, collaboration, attribution, reports.

Every function takes ``(session, ...)`` and works in the caller's transaction; those that act
for a person take the ``actor`` next, check who may act and write the audit trail. Split by
use case: ``codes``, ``scanning``, ``collaboration``, ``rosters``, ``attribution``,
``reports``, ``tokens`` (signed links and key rotation).
"""

from contactless.outreach.service.attribution import (
    DEFAULT_WINDOW_DAYS,
    JOURNEY_COMPLETED,
    JOURNEY_STARTED,
    Completion,
    Policy,
    credit_conversion,
    get_policy,
    record_journey_started,
    set_policy,
    settle_outcome,
    subscribe,
)
from contactless.outreach.service.codes import (
    CHANNELS,
    DEFAULT_DAYS,
    INFO,
    MAX_DAYS,
    MAX_PER_CUSTOMER,
    MAX_SCANS,
    code_png,
    code_poster,
    code_svg,
    create_code,
    customer_headline,
    extend_code,
    get_code,
    list_codes,
    pause_code,
    resume_code,
    revoke_code,
)
from contactless.outreach.service.collaboration import (
    Invitation,
    Progress,
    ProgressMember,
    invite_owner,
    my_invitations,
    progress_by_token,
    progress_token,
    respond_to_invitation,
    set_shares,
)
from contactless.outreach.service.common import CodeView, OwnerView, split_amount
from contactless.outreach.service.reports import (
    EXPORT_COLUMNS,
    BranchRank,
    ChannelRank,
    CodeRank,
    Credit,
    Funnel,
    FunnelStep,
    MyConversions,
    Outcomes,
    RmRank,
    ScanRow,
    Tally,
    branch_leaderboard,
    channel_leaderboard,
    code_leaderboard,
    export_conversions,
    funnel,
    my_conversions,
    recent_scans,
    rm_leaderboard,
)
from contactless.outreach.service.rosters import (
    PersonalCode,
    RosterReport,
    RowError,
    import_enterprise_roster,
    personal_codes,
    roster_members,
    roster_zip,
    upload_roster,
)
from contactless.outreach.service.scanning import (
    BAD_LINK_WINDOW,
    SCANNED,
    InfoPage,
    ScanOutcome,
    info_page,
    link_sign_in,
    new_device_id,
    purpose_of,
    resolve_scan,
    truncate_ip,
)
from contactless.outreach.service.tokens import list_keys, retire_key, rotate_key
from contactless.outreach.service.workday import MyDay, my_day

__all__ = [
    "BAD_LINK_WINDOW", "CHANNELS", "DEFAULT_DAYS", "DEFAULT_WINDOW_DAYS", "EXPORT_COLUMNS",
    "INFO", "JOURNEY_COMPLETED", "JOURNEY_STARTED", "MAX_DAYS", "MAX_PER_CUSTOMER",
    "MAX_SCANS", "SCANNED", "BranchRank", "ChannelRank", "CodeRank",
    "CodeView", "Completion", "Credit", "Funnel", "FunnelStep", "InfoPage", "Invitation",
    "MyConversions", "MyDay", "Outcomes", "OwnerView", "PersonalCode", "Policy", "Progress",
    "ProgressMember", "RmRank", "RosterReport", "RowError", "ScanOutcome", "ScanRow", "Tally",
    "branch_leaderboard", "channel_leaderboard", "code_leaderboard", "code_png", "code_poster",
    "code_svg", "create_code", "credit_conversion", "customer_headline", "export_conversions",
    "extend_code",
    "funnel", "get_code", "get_policy", "import_enterprise_roster", "info_page",
    "invite_owner", "link_sign_in", "list_codes", "list_keys", "my_conversions",
    "my_day", "my_invitations", "new_device_id", "pause_code", "personal_codes",
    "progress_by_token",
    "progress_token", "purpose_of", "record_journey_started", "recent_scans", "resolve_scan",
    "respond_to_invitation", "resume_code", "retire_key", "revoke_code", "rm_leaderboard",
    "roster_members", "roster_zip", "rotate_key", "set_policy", "set_shares", "settle_outcome",
    "split_amount", "subscribe", "truncate_ip", "upload_roster",
]
