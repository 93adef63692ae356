"""A customer talks to the assistant: answers, live figures, guided flows that act."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from contactless.assistant import service as assistant
from contactless.assistant.errors import ConversationNotFound, MessageEmpty
from contactless.assistant.models import Appointment, Conversation
from contactless.corebank import service as corebank
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel
from tests.factories.assistant import counts, make_desk, say
from tests.factories.journeys import deposit_maturing_in, last_code


def test_a_greeting_is_answered_and_the_history_is_kept(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "你好")
    assert first.messages[0].sender == "customer"
    assert first.messages[1].sender == "assistant"
    assert "智能客服" in first.messages[1].text
    second = say(kernel, desk.customer, "谢谢", first.conversation.id)
    with kernel.db.session() as session:
        view, messages = assistant.history(session, desk.customer,
                                           conversation_id=first.conversation.id)
    assert [m.text for m in messages][:3] == ["你好", first.messages[1].text, "谢谢"]
    assert [m.seq for m in messages] == [1, 2, 3, 4]
    assert second.conversation.status == view.status == "assistant"


def test_a_signed_in_customer_hears_their_balance_and_a_visitor_is_asked_to_sign_in(
        kernel: Kernel) -> None:
    desk = make_desk(kernel, funds="12345.67")
    reply = say(kernel, desk.customer, "帮我查一下余额")
    assert "12,345.67 CNY" in reply.messages[1].text
    assert desk.banked.account.number[-4:] in reply.messages[1].text
    visitor = say(kernel, None, "帮我查一下余额")
    assert "登录" in visitor.messages[1].text
    assert any(a["href"].startswith("/m/login") for a in visitor.messages[1].actions
               if a["kind"] == "link")


def test_recent_transactions_are_listed(kernel: Kernel) -> None:
    desk = make_desk(kernel, funds="800.00")
    reply = say(kernel, desk.customer, "看看最近几笔交易")
    assert "800.00 CNY" in reply.messages[1].text


def test_reporting_a_lost_card_freezes_it_after_a_one_time_code(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    tail = desk.banked.account.number[-4:]
    first = say(kernel, desk.customer, f"我的卡丢了，尾号{tail}")
    conversation = first.conversation.id
    assert tail in first.messages[1].text
    wrong = say(kernel, desk.customer, "嗯？", conversation)
    assert "确认" in wrong.messages[1].text  # still asking: nothing was sent
    asked = say(kernel, desk.customer, "确认", conversation)
    assert "验证码" in asked.messages[1].text
    bad = say(kernel, desk.customer, "000000" if last_code(kernel, desk.banked.mobile)
              != "000000" else "111111", conversation)
    assert "不对" in bad.messages[1].text
    with kernel.db.session() as session:
        assert corebank.get_account(session, SYSTEM,
                                    account_id=desk.banked.account.id).status == "active"
    done = say(kernel, desk.customer, last_code(kernel, desk.banked.mobile), conversation)
    assert "已冻结" in done.messages[1].text
    assert any(a.get("text") == "转人工" for a in done.messages[1].actions)
    with kernel.db.session() as session:
        assert corebank.get_account(session, SYSTEM,
                                    account_id=desk.banked.account.id).status == "frozen"
        stored = session.get(Conversation, conversation)
        assert stored is not None
        assert stored.flow is None


def test_a_lost_card_flow_can_be_cancelled(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "我要挂失银行卡")
    cancelled = say(kernel, desk.customer, "算了", first.conversation.id)
    assert "取消" in cancelled.messages[1].text
    with kernel.db.session() as session:
        assert corebank.get_account(session, SYSTEM,
                                    account_id=desk.banked.account.id).status == "active"


def test_a_maturing_deposit_is_listed_and_its_renewal_journey_started(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    deposit = deposit_maturing_in(kernel, desk.banked, days=5)
    reply = say(kernel, desk.customer, "我的定期快到期了，帮我续存")
    text = reply.messages[1].text
    assert deposit.maturity_date.isoformat() in text
    assert "20,000.00 CNY" in text
    links = [a["href"] for a in reply.messages[1].actions if a["kind"] == "link"]
    assert links
    assert links[0].startswith("/m/journeys/")
    with kernel.db.session() as session:
        from contactless.journeys import service as journeys

        journey = journeys.get_journey(session, desk.customer,
                                       journey_id=uuid.UUID(links[0].rsplit("/", 1)[1]),
                                       translator=Translator("zh-CN"))
    assert journey.journey == "deposit_renewal"


def test_an_appointment_is_booked_with_its_date_and_amount(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "我想预约取现金5万")
    assert "哪天" in first.messages[1].text
    booked = say(kernel, desk.customer, "明天", first.conversation.id)
    tomorrow = bank_today(kernel.settings) + timedelta(days=1)
    assert tomorrow.isoformat() in booked.messages[1].text
    with kernel.db.session() as session:
        rows = list(session.scalars(select(Appointment)))
    assert [(r.kind, r.on_date, r.details["amount"]) for r in rows] == [
        ("cash_withdrawal", tomorrow, "50000")]


def test_a_faq_entry_answers_by_meaning_only_while_in_force(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    today = bank_today(kernel.settings)
    with kernel.db.session() as session:
        assistant.create_faq(session, desk.agent, data=assistant.FaqInput(
            locale="zh-CN", question="春节期间网点营业时间", paraphrases=["过年网点开门吗"],
            answer="春节期间网点10:00-15:00营业。", effective_from=today))
        assistant.create_faq(session, desk.agent, data=assistant.FaqInput(
            locale="zh-CN", question="国庆期间网点营业时间", paraphrases=[],
            answer="国庆网点照常营业。", effective_from=today + timedelta(days=30)))
    reply = say(kernel, desk.customer, "过年期间网点开门吗")
    assert reply.messages[1].text == "春节期间网点10:00-15:00营业。"
    later = say(kernel, desk.customer, "国庆期间网点营业时间")
    assert later.messages[1].text != "国庆网点照常营业。"


def test_an_empty_message_is_refused_and_nothing_is_kept(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "你好")
    before = counts(kernel)
    for text in ("", "   \n\t "):
        with pytest.raises(MessageEmpty) as error:
            say(kernel, desk.customer, text, first.conversation.id)
        assert error.value.code == "message_empty"
    assert counts(kernel) == before


def test_a_very_long_message_is_cut_with_a_polite_note(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    limit = kernel.settings.assistant_max_message_chars
    reply = say(kernel, desk.customer, "我的卡丢了" + "啊" * (limit * 3))
    assert len(reply.messages[0].text) == limit
    assert reply.messages[0].truncated
    assert str(limit) in reply.messages[1].text
    assert reply.note


def test_emoji_html_and_mixed_language_are_kept_as_written(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    emoji = say(kernel, desk.customer, "😀😀")
    assert "😀😀" == emoji.messages[0].text
    assert emoji.messages[1].sender == "assistant"
    html = say(kernel, desk.customer, "<script>alert(1)</script>", emoji.conversation.id)
    assert html.messages[0].text == "<script>alert(1)</script>"
    mixed = say(kernel, desk.customer, "I lost my card 尾号" + desk.banked.account.number[-4:])
    assert desk.banked.account.number[-4:] in mixed.messages[1].text


def test_someone_elses_conversation_is_not_found(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "你好")
    before = counts(kernel)
    with pytest.raises(ConversationNotFound):
        say(kernel, None, "你好", first.conversation.id)
    with pytest.raises(ConversationNotFound):
        say(kernel, None, "你好", first.conversation.id,
            visitor_conversation=uuid.uuid4())
    assert counts(kernel) == before
