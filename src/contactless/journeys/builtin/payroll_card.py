"""e. Group payroll-card opening (代发工资卡团办) through a group code: an employee on the
employer's roster verifies who they are, opens a current account and binds it to the
employer's payroll.

The group code stands for the service the bank's RMs agreed with the employer (the roster is
the employer's list, checked name + ID number + mobile): the account is a Class I payroll
account, opened by the bank on the code's behalf (the engine's actor), not self-service.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.journeys import repository
from contactless.journeys.builtin.common import (
    IdentityForm,
    check_identity,
    identity_lines,
    prefill_mobile,
    selfie_step,
)
from contactless.journeys.declaration import (
    ActionContext,
    BusinessKind,
    BusinessOutcome,
    ConsentDocument,
    Deal,
    Done,
    Journey,
    Line,
    Step,
    StepContext,
    StepKind,
    _,
    fixed_text,
)
from contactless.journeys.errors import AlreadyEnrolled, NotOnRoster
from contactless.journeys.models import PayrollEnrollment
from contactless.platform.kernel import kernel_of


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    enterprise_id: uuid.UUID | None = None


def _enterprise_id(ctx: StepContext) -> uuid.UUID | None:
    if ctx.source is not None and ctx.source.enterprise_id is not None:
        return ctx.source.enterprise_id
    preset = ctx.params.get("enterprise_id")
    return uuid.UUID(preset) if preset else None


def _enterprise(ctx: StepContext) -> customers.Enterprise:
    wanted = _enterprise_id(ctx)
    found = next((e for e in customers.list_enterprises(ctx.session) if e.id == wanted), None)
    if found is None:
        raise NotOnRoster("this code is not linked to an employer; ask your employer for the "
                          "group code")
    return found


def _has_enterprise(ctx: StepContext) -> None:
    enterprise = _enterprise(ctx)
    ctx.facts["enterprise"] = {"id": str(enterprise.id), "name": enterprise.name,
                               "rm_id": str(enterprise.rm_id)}


def _on_roster(ctx: StepContext, form: IdentityForm) -> customers.EnterpriseEmployee:
    cipher = kernel_of(ctx.session).cipher
    mobile_index = cipher.blind_index(form.mobile, kind="mobile")
    id_index = cipher.blind_index(form.id_number, kind="id_number")
    for employee in customers.roster(ctx.session, enterprise_id=_enterprise(ctx).id):
        if employee.mobile_index == mobile_index and employee.id_number_index == id_index \
                and cipher.decrypt(employee.name_encrypted, context="employee.name") == form.name:
            return employee
    raise NotOnRoster("you are not on this employer's payroll list: ask your employer's HR to "
                      "add you, with the same name, ID number and mobile")


def _identity(ctx: StepContext, form: IdentityForm) -> None:
    employee = _on_roster(ctx, form)
    if repository.enrollment_of_employee(ctx.session, employee.id) is not None:
        raise AlreadyEnrolled("you have already opened your payroll account with this employer")
    check_identity(ctx, form)
    ctx.facts["employee_id"] = str(employee.id)


AGENCY = ConsentDocument(
    key="payroll_agency", version="2026.1", title=_("Payroll agency agreement"),
    text=fixed_text({
        "zh-CN": ("代发工资服务协议（2026.1 版）\n本人同意所在单位通过本行代发工资，工资款项将"
                  "转入本人在本行开立的账户。单位与本行之间的代发委托以双方代发协议为准；本人"
                  "离职或更换工资账户，应及时告知单位。"),
        "en": ("Payroll agency agreement (version 2026.1)\nI agree that my employer pays my "
               "salary through the bank into the account I open with it. The payroll mandate "
               "between my employer and the bank is governed by their agreement; I tell my "
               "employer when I leave or change my salary account."),
    }))
ACCOUNT_RULES = ConsentDocument(
    key="personal_account_rules", version="2026.1", title=_("Personal account rules"),
    text=fixed_text({
        "zh-CN": ("个人银行结算账户管理协议（2026.1 版）\n账户仅限本人使用，不得出租、出借、出售；"
                  "本行依法履行客户身份识别和反洗钱义务，可对异常账户采取限制措施。"),
        "en": ("Personal settlement account rules (version 2026.1)\nThe account is for your "
               "own use only and may not be rented, lent or sold. The bank identifies its "
               "customers and prevents money laundering as the law requires, and may restrict "
               "accounts with unusual activity."),
    }))


def _summary(ctx: StepContext) -> list[Line]:
    return [Line(_("Employer"), ctx.facts["enterprise"]["name"], emphasis=True),
            *identity_lines(ctx), Line(_("Account"), _("Payroll account (Class I, CNY)"))]


def _action(ctx: ActionContext) -> Done:
    enterprise = ctx.facts["enterprise"]
    customer_id = ctx.ensure_customer(name=ctx.answer("identity", "name"),
                                      mobile=ctx.answer("identity", "mobile"),
                                      id_number=ctx.answer("identity", "id_number"),
                                      fallback_rm_id=uuid.UUID(enterprise["rm_id"]))
    account = corebank.open_account(ctx.session, ctx.bank_actor,
                                    idempotency_key=ctx.key("open_payroll_account"),
                                    customer_id=customer_id, account_class=1)
    ctx.session.add(PayrollEnrollment(
        enterprise_id=uuid.UUID(enterprise["id"]), employee_id=uuid.UUID(ctx.facts["employee_id"]),
        customer_id=customer_id, account_id=account.id, instance_id=ctx.instance_id))
    ctx.facts["account"] = {"id": str(account.id), "number": account.number}
    return Done(product="payroll_card",
                references={"account_id": str(account.id), "account_number": account.number,
                            "enterprise_id": enterprise["id"]},
                business=BusinessOutcome(BusinessKind.ACCOUNT_OPENED, account.id))


def _outcome(ctx: StepContext) -> list[Line]:
    return [Line(_("Your payroll account"), ctx.facts.get("account", {}).get("number", ""),
                 emphasis=True),
            Line(_("Employer"), ctx.facts["enterprise"]["name"]),
            Line(_("Salary"), _("Your salary will be paid into this account."))]


JOURNEY = Journey(
    key="payroll_card_group",
    version=1,
    title=_("Open your payroll card"),
    summary=_("For employees on an employer's list: open the account your salary is paid "
              "into."),
    prospects=True,
    params=Params,
    guards=(_has_enterprise,),
    steps=(
        Step(key="identity", title=_("Your identity"), form=IdentityForm,
             intro=_("Enter your details exactly as your employer gave them to the bank."),
             prefill=prefill_mobile, accept=_identity),
        selfie_step(),
        Step(key="consent", title=_("Agreements"), kind=StepKind.CONSENT,
             consents=lambda ctx: [AGENCY, ACCOUNT_RULES]),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=lambda ctx: Deal(product="payroll_card",
                          attributes={"enterprise_id": ctx.facts["enterprise"]["id"]}),
    action=_action,
    outcome=_outcome,
)
