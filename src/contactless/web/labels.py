"""The names people read for the values the code stores (roles, channels, statuses, audit
actions, ...), in their language.

Code keeps stable values (``branch_manager``, ``campaign:spring2026``, ``staff.signed_in``);
a page never prints one. Templates call ``label(kind, value)``; the same word may need two
names in two places ("pending" is 待实现 for a conversion and 待审批 for an approval), so
every value is named within its kind. A value missing here is shown as a readable fallback
(underscores and dots as spaces) rather than raw, and the raw-value test names it.
"""

from __future__ import annotations

from collections.abc import Callable

from contactless.platform.i18n import N_, gettext_for

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "admin": N_("Administrator"), "branch_manager": N_("Branch manager"),
        "rm": N_("Relationship manager"), "marketer": N_("Marketer"),
        "risk_analyst": N_("Risk analyst"), "agent": N_("Service agent"),
        "auditor": N_("Auditor"),
    },
    # where a code is handed out, where a journey or a request came from
    "channel": {
        "chat": N_("Chat"), "sms": N_("Text message"), "poster": N_("Poster"),
        "partner": N_("Partner platform"), "campaign": N_("Campaign"),
        "mobile": N_("Mobile pages"), "qr": N_("QR code"), "api": N_("Mobile app"),
        "console": N_("Console"), "job": N_("Scheduled job"), "cli": N_("Command line"),
        "assistant": N_("Assistant"), "demo": N_("Demo data"),
    },
    "code_state": {
        "active": N_("Active"), "paused": N_("Paused"), "revoked": N_("Revoked"),
        "expired": N_("Expired"), "scheduled": N_("Not yet valid"),
    },
    "owner_status": {
        "invited": N_("Invited"), "accepted": N_("Accepted"), "declined": N_("Declined"),
    },
    "conversion_status": {
        "pending": N_("To be realised"), "realised": N_("Realised"), "lost": N_("Lost"),
        "unverified": N_("Not verified"),
    },
    "approval_status": {
        "pending": N_("Waiting for a decision"), "approved": N_("Approved"),
        "refused": N_("Refused"), "all": N_("All"),
    },
    "branch_kind": {
        "head_office": N_("Head office"), "branch": N_("Branch"),
        "sub_branch": N_("Sub-branch"),
    },
    "actor_kind": {
        "staff": N_("Staff"), "customer": N_("Customer"), "system": N_("The system"),
        "partner": N_("Partner"), "anonymous": N_("Visitor"),
    },
    "target_type": {
        "approval_request": N_("Approval"), "assistant_appointment": N_("Appointment"),
        "assistant_conversation": N_("Conversation"), "assistant_faq": N_("FAQ entry"),
        "assistant_message": N_("Chat message"), "branch": N_("Branch"),
        "corebank_account": N_("Account"), "corebank_business_day": N_("Business day"),
        "corebank_deposit": N_("Time deposit"), "corebank_interest_run": N_("Interest run"),
        "corebank_loan": N_("Loan"), "corebank_outbound": N_("Outbound transfer"),
        "corebank_run": N_("Batch run"), "customer": N_("Customer"),
        "enterprise": N_("Enterprise"), "enterprise_employee": N_("Employee"),
        "events_profile": N_("Customer profiles"), "events_segment": N_("Segment"),
        "journey_instance": N_("Journey"), "journey_prospect": N_("Prospect"),
        "journey_review": N_("Journey review"), "mobile": N_("Mobile number"),
        "marketing_campaign": N_("Campaign"), "marketing_inbox": N_("Inbox message"),
        "marketing_task": N_("Call task"), "partner_hub_service": N_("Hub service"),
        "outreach_policy": N_("Attribution policy"), "qr_code": N_("QR code"),
        "qr_conversion": N_("Conversion"), "qr_journey": N_("Journey from a QR code"),
        "qr_signing_key": N_("QR signing key"), "staff_user": N_("Staff member"),
        "partner": N_("Partner"),
        "partner_client": N_("Partner API client"),
        "partner_consent": N_("Partner consent"),
        "partner_webhook_delivery": N_("Webhook delivery"),
        "partner_webhook_endpoint": N_("Partner webhook"),
        "risk_case": N_("Risk case"),
        "risk_decision": N_("Risk decision"),
        "risk_drift_report": N_("Drift report"),
        "risk_list_entry": N_("Risk list entry"),
        "risk_model": N_("Risk model"),
        "risk_reference_rate": N_("Reference rate"),
        "risk_rule": N_("Risk rule"),
    },
    "message_kind": {
        "otp.sign_in": N_("Sign-in code"), "otp.login": N_("Sign-in code"),
        "otp.prospect": N_("Verification code"), "otp.change_mobile": N_("Verification code"),
        "otp.step_up": N_("Verification code"),
    },
    # what a conversion sold: "time:3m" is a product and its term (or what happened to it)
    "product": {
        "time": N_("Time deposit"), "cd": N_("Large-denomination CD"),
        "class2": N_("Class II account"), "class2_account": N_("Class II account"),
        "payroll_card": N_("Payroll card"), "change_mobile": N_("Change of mobile"),
        "loan": N_("Loan"),
    },
    "product_detail": {
        "3m": N_("3 months"), "6m": N_("6 months"), "1y": N_("1 year"), "2y": N_("2 years"),
        "3y": N_("3 years"), "5y": N_("5 years"), "payout": N_("paid out at maturity"),
        "close": N_("closed"), "partial_withdrawal": N_("partial withdrawal"),
        "consumer": N_("Consumer loan"), "business": N_("Small-business loan"),
        "deferral": N_("deferral"),
    },
    # what a code presets for its journey
    "param": {"product": N_("Product"), "term": N_("Term"), "message": N_("Message"),
              "amount": N_("Amount")},
    # marketing (营销): a campaign's status and parts, a call's outcome
    "campaign_status": {
        "draft": N_("Draft"), "approved": N_("Approved"), "running": N_("Running"),
        "paused": N_("Paused"), "finished": N_("Finished"),
    },
    "campaign_move": {
        "approve": N_("Approve"), "start": N_("Start the campaign"), "pause": N_("Pause"),
        "resume": N_("Resume"), "finish": N_("Finish"),
    },
    "campaign_target": {
        "maturing": N_("Deposits and wealth maturing"),
        "retention": N_("Money moving to other banks"),
        "high_value": N_("High-value customers"), "segment": N_("A behaviour segment"),
        "event": N_("An event (a large transfer out)"),
    },
    "campaign_schedule": {
        "once": N_("Once, on a day"), "daily": N_("Every day"),
        "event": N_("When the event happens"),
    },
    "campaign_action": {
        "rm_call": N_("RM call"), "inbox": N_("In-app message"), "sms": N_("Text message"),
        "push": N_("Push notification"), "webhook": N_("Webhook to another system"),
    },
    "campaign_event": {
        "journey.completed": N_("A journey completed"),
        "corebank.outbound_sent": N_("Money sent to another bank"),
    },
    "task_outcome": {
        "reached": N_("Call reached"), "not_reached": N_("Call not reached"),
        "interested": N_("Interested"), "declined": N_("Declined"),
        "converted": N_("Converted"),
    },
    "task_status": {"open": N_("To call"), "done": N_("Done")},
    # behaviour data: event types, their properties and channels, profiles, tags, segments
    "event_type": {
        "app.opened": N_("Opened the app"), "page.viewed": N_("Viewed a page"),
        "product.viewed": N_("Viewed a product"), "search": N_("Searched"),
        "message.opened": N_("Opened a message"), "message.delivered": N_("Message delivered"),
        "assistant.message": N_("Wrote to the assistant"), "qr.scanned": N_("Scanned a QR code"),
        "journey.started": N_("Started a journey"),
        "journey.step_completed": N_("Completed a journey step"),
        "journey.completed": N_("Completed a journey"),
        "journey.rejected": N_("Journey refused"), "journey.abandoned": N_("Left a journey"),
        "transaction.posted": N_("Money moved"), "hub.clicked": N_("Opened a hub service"),
        "partner.event": N_("An event at a partner"),
    },
    "event_property": {
        "path": N_("Page path"), "title": N_("Page title"), "referrer": N_("Came from"),
        "product_id": N_("Product"), "product_kind": N_("Kind of product"),
        "query": N_("Search words"), "results": N_("Search results"),
        "message_id": N_("Message"), "kind": N_("Kind"),
        "conversation_id": N_("Conversation"), "intent": N_("What the customer asked"),
        "scan_id": N_("Scan"), "result": N_("Result"), "code_id": N_("QR code"),
        "code_channel": N_("Where the code was handed out"), "reason": N_("Reason"),
        "device_id": N_("Device"), "journey_id": N_("Journey"),
        "journey_key": N_("Kind of journey"),
        "step": N_("Step"), "qr_code_id": N_("QR code of the journey"),
        "operation": N_("Posting"), "amount": N_("Amount"), "currency": N_("Currency"),
        "direction": N_("Direction (in, out)"), "counterparty": N_("Counterparty"),
        "bank_code": N_("Other bank"), "service_id": N_("Hub service"),
        "partner_id": N_("Partner"), "scenario": N_("Scenario"),
        "campaign_id": N_("Campaign"), "channel": N_("Channel"),
    },
    "event_channel": {
        "app": N_("Mobile app"), "h5": N_("Mobile pages"), "web": N_("Website"),
        "api": N_("API"), "partner": N_("Partner platform"), "counter": N_("Counter"),
        "platform": N_("The platform"),
    },
    "tag": {
        "high_value": N_("High value"), "maturing_30d": N_("Maturing within 30 days"),
        "large_demand_balance": N_("Large demand balance"),
        "outflow_risk": N_("Money leaving for other banks"),
        "other_bank_vip": N_("Another bank's VIP"),
    },
    "profile_product": {
        "demand": N_("Demand account"), "time_deposit": N_("Time deposit"),
        "cd": N_("Large-denomination CD"), "wealth": N_("Wealth product"), "loan": N_("Loan"),
    },
    "profile_property": {
        "aum": N_("Assets under management (yuan)"), "demand_balance": N_("Demand balance (yuan)"),
        "deposit_balance": N_("Time deposits and CDs (yuan)"), "wealth_value": N_("Wealth (yuan)"),
        "loan_outstanding": N_("Loans owed (yuan)"), "product_count": N_("Kinds of product held"),
        "nearest_maturity": N_("Soonest maturity"), "last_seen_at": N_("Last seen"),
        "events_30d": N_("Events in 30 days"), "app_opens_30d": N_("App opens in 30 days"),
        "outbound_30d": N_("Sent to other banks in 30 days (yuan)"),
        "outbound_prior_30d": N_("Sent to other banks in the 30 days before (yuan)"),
    },
    "segment_condition": {
        "all": N_("All of these (and)"), "any": N_("Any of these (or)"), "tag": N_("Has a tag"),
        "holds": N_("Holds a product"), "profile": N_("Profile property"),
        "performed": N_("Did an event"), "did_not_perform": N_("Did not do an event"),
        "followed_by": N_("One event followed by another"),
    },
    "audit_action": {
        "approval.approved": N_("Approved a request"),
        "approval.refused": N_("Refused a request"),
        "approval.requested": N_("Asked for a second person"),
        "assistant.appointment_booked": N_("Booked an appointment"),
        "assistant.card_frozen": N_("Froze a card from the chat"),
        "assistant.claimed": N_("Took a conversation"),
        "assistant.closed": N_("Closed a conversation"),
        "assistant.faq_created": N_("Added an FAQ entry"),
        "assistant.faq_updated": N_("Changed an FAQ entry"),
        "assistant.handed_back": N_("Handed a conversation back to the assistant"),
        "assistant.handed_off": N_("Handed a conversation to an agent"),
        "assistant.intent_corrected": N_("Corrected the assistant's understanding"),
        "assistant.transferred": N_("Transferred a conversation"),
        "branch.created": N_("Created a branch"),
        "corebank.account_number_revealed": N_("Showed an account number"),
        "corebank.book_loan": N_("Booked a loan"),
        "corebank.buy_wealth": N_("Bought a wealth product"),
        "corebank.card_payment": N_("Card payment"),
        "corebank.change_maturity_instruction": N_("Changed a maturity instruction"),
        "corebank.close_account": N_("Closed an account"),
        "corebank.create_wealth_product": N_("Created a wealth product"),
        "corebank.defer_loan": N_("Deferred a loan"),
        "corebank.deposit_cash": N_("Cash paid in"),
        "corebank.disburse_loan": N_("Paid out a loan"),
        "corebank.freeze_account": N_("Froze an account"),
        "corebank.open_account": N_("Opened an account"),
        "corebank.place_deposit": N_("Placed a time deposit"),
        "corebank.prepay_loan": N_("Prepaid a loan"),
        "corebank.publish_nav": N_("Published a NAV"),
        "corebank.receive_inbound_transfer": N_("Received a transfer from another bank"),
        "corebank.redeem_wealth": N_("Redeemed wealth units"),
        "corebank.repay_instalment": N_("Repaid an instalment"),
        "corebank.return_outbound_transfer": N_("Credited back a returned transfer"),
        "corebank.send_outbound_transfer": N_("Sent money to another bank"),
        "corebank.set_deposit_rate": N_("Set a deposit rate"),
        "corebank.settle_outbound_transfer": N_("Settled an outbound transfer"),
        "corebank.transfer": N_("Transferred between accounts"),
        "corebank.unfreeze_account": N_("Lifted a freeze"),
        "corebank.withdraw_cash": N_("Cash paid out"),
        "corebank.withdraw_deposit_early": N_("Withdrew a deposit early"),
        "corebank.withdraw_deposit_partially": N_("Withdrew part of a deposit"),
        "corebank.day_closed": N_("Closed the business day"),
        "corebank.demo_seeded": N_("Loaded the demo books"),
        "corebank.deposit_matured": N_("A deposit matured"),
        "corebank.interest_settled": N_("Settled interest"),
        "corebank.run_maturities": N_("Ran the maturities"),
        "corebank.settle_wealth_orders": N_("Settled wealth orders"),
        "customer.analytics_consent": N_("Customer answered behaviour analytics"),
        "customer.created": N_("Registered a customer"),
        "customer.mobile_changed": N_("Changed a customer's mobile"),
        "customer.shared": N_("Shared a customer with an RM"),
        "customer.signed_in": N_("Customer signed in"),
        "customer.signed_out": N_("Customer signed out"),
        "enterprise.created": N_("Created an enterprise"),
        "events.attribute_set": N_("Set a customer's attribute"),
        "events.profiles_rebuilt": N_("Rebuilt the customer profiles"),
        "events.segment_deleted": N_("Deleted a segment"),
        "events.segment_exported": N_("Exported a segment"),
        "events.segment_refreshed": N_("Counted a segment's members again"),
        "events.segment_saved": N_("Saved a segment"),
        "enterprise.employee_added": N_("Added an employee to a roster"),
        "journey.cancelled": N_("Journey cancelled"),
        "journey.completed": N_("Journey completed"),
        "journey.cooling_off": N_("Journey in cooling-off"),
        "journey.expired": N_("Journey expired"),
        "journey.parked_for_review": N_("Journey parked for review"),
        "journey.qr_unverified": N_("Journey's QR code not verified"),
        "journey.rejected": N_("Journey rejected"),
        "journey.review_approved": N_("Review approved"),
        "journey.review_rejected": N_("Review rejected"),
        "journey.risk_decided": N_("Risk check decided"),
        "journey.started": N_("Journey started"),
        "journey.step_submitted": N_("Journey step submitted"),
        "kyc.failed": N_("Identity check failed"),
        "kyc.refused": N_("Identity check refused"),
        "marketing.campaign_approved": N_("Approved a campaign"),
        "partner.hub_service_listed": N_("Listed a hub service"),
        "partner.hub_service_withdrawn": N_("Withdrew a hub service"),
        "marketing.campaign_changed": N_("Changed a campaign"),
        "marketing.campaign_created": N_("Made a campaign"),
        "marketing.campaign_finish": N_("Finished a campaign"),
        "marketing.campaign_pause": N_("Paused a campaign"),
        "marketing.campaign_ran": N_("Ran a campaign"),
        "marketing.campaign_resume": N_("Resumed a campaign"),
        "marketing.campaign_start": N_("Started a campaign"),
        "marketing.conversion_recorded": N_("Counted a campaign conversion"),
        "marketing.message_read": N_("Read a campaign message"),
        "marketing.preferences_set": N_("Set marketing preferences"),
        "marketing.task_outcome": N_("Logged a call's outcome"),
        "otp.failed": N_("Wrong one-time code"),
        "outreach.code_created": N_("Created a QR code"),
        "outreach.code_paused": N_("Paused a QR code"),
        "outreach.code_resumed": N_("Resumed a QR code"),
        "outreach.code_revoked": N_("Revoked a QR code"),
        "outreach.code_extended": N_("Extended a QR code"),
        "outreach.completion_replayed": N_("Replayed a completion"),
        "outreach.conversion_pending": N_("Conversion waiting to be realised"),
        "outreach.conversion_realised": N_("Conversion realised"),
        "outreach.conversion_lost": N_("Conversion lost"),
        "outreach.conversion_recorded": N_("Conversion recorded"),
        "outreach.conversion_updated": N_("Conversion updated"),
        "outreach.conversions_exported": N_("Exported conversions"),
        "outreach.invitation_accepted": N_("Accepted a co-owner invitation"),
        "outreach.invitation_declined": N_("Declined a co-owner invitation"),
        "outreach.key_retired": N_("Retired a QR signing key"),
        "outreach.key_rotated": N_("Rotated the QR signing key"),
        "outreach.owner_invited": N_("Invited a co-owner"),
        "outreach.personal_codes_created": N_("Made personal codes for a roster"),
        "outreach.policy_changed": N_("Changed the attribution policy"),
        "outreach.progress_link_renewed": N_("Renewed a progress link"),
        "outreach.roster_imported": N_("Copied an enterprise roster"),
        "outreach.roster_uploaded": N_("Uploaded a roster"),
        "outreach.settlement_replayed": N_("Replayed a settlement"),
        "outreach.shares_set": N_("Set credit shares"),
        "prospect.verified": N_("Verified a prospect's mobile"),
        "staff.activated": N_("Activated a staff member"),
        "staff.created": N_("Created a staff member"),
        "staff.deactivated": N_("Deactivated a staff member"),
        "staff.login_failed": N_("Failed sign-in"),
        "staff.password_changed": N_("Changed a password"),
        "staff.signed_in": N_("Signed in"),
        "staff.signed_out": N_("Signed out"),
        "journey.stepped_back": N_("Went back a journey step"),
        "partner.approved": N_("Approved a partner"),
        "partner.client_issued": N_("Issued a partner API client"),
        "partner.client_revoked": N_("Revoked a partner API client"),
        "partner.journey_started": N_("Partner started a journey"),
        "partner.registered": N_("Registered a partner"),
        "partner.suspended": N_("Suspended a partner"),
        "partner.updated": N_("Changed a partner"),
        "partner.webhook_added": N_("Added a partner webhook"),
        "partner.webhook_active": N_("Turned a partner webhook on"),
        "partner.webhook_disabled": N_("Turned a partner webhook off"),
        "partner.webhook_replayed": N_("Replayed a partner webhook"),
        "partner_consent.requested": N_("Partner asked for consent"),
        "partner_consent.granted": N_("Customer granted consent"),
        "partner_consent.refused": N_("Customer refused consent"),
        "partner_consent.revoked": N_("Customer revoked consent"),
        "risk.case_assigned": N_("Assigned a risk case"),
        "risk.case_closed": N_("Closed a risk case"),
        "risk.case_noted": N_("Noted on a risk case"),
        "risk.case_opened": N_("Opened a risk case"),
        "risk.decided": N_("Risk decision"),
        "risk.drift_reported": N_("Reported model drift"),
        "risk.listed": N_("Put on a risk list"),
        "risk.model_promoted": N_("Promoted a risk model"),
        "risk.model_rolled_back": N_("Rolled back a risk model"),
        "risk.reference_rate_set": N_("Set a reference rate"),
        "risk.rule_saved": N_("Saved a risk rule"),
        "risk.unlisted": N_("Took off a risk list"),
        "staff.card_set": N_("Set a staff business card"),
    },
}


def _fallback(value: str) -> str:
    # a code the bank named itself (a wealth product's "WM-R2-90D") stays as it is
    if any(ch.isupper() or ch.isdigit() for ch in value):
        return value
    return value.replace("_", " ").replace(".", " ").strip()


def label_in(locale: str, kind: str, value: str | None) -> str:
    """The name of ``value`` (of ``kind``) in ``locale``; a campaign channel names its id."""
    if value is None or value == "":
        return ""
    gettext = gettext_for(locale)
    if kind == "channel" and value.startswith("campaign:"):
        return gettext("Campaign “{name}”").format(name=value.removeprefix("campaign:"))
    if kind == "product" and ":" in value:
        product, detail = value.split(":", 1)
        return f"{label_in(locale, 'product', product)} · " \
               f"{label_in(locale, 'product_detail', detail)}"
    named = LABELS.get(kind, {}).get(value)
    return gettext(named) if named is not None else _fallback(value)


def labeller(locale: str) -> Callable[[str, str | None], str]:
    """``label(kind, value)`` for the templates of one request."""
    return lambda kind, value: label_in(locale, kind, value)
