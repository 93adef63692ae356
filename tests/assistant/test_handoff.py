"""When the assistant hands a conversation to a person, and what agents may do with it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from contactless.assistant import service as assistant
from contactless.assistant.errors import (
    AgentRoleRequired,
    ConversationClosed,
    ConversationNotQueued,
    NotConversationOwner,
    UnknownIntent,
)
from contactless.assistant.models import Conversation, TrainingExample
from contactless.platform.kernel import Kernel
from tests.factories.assistant import Desk, counts, make_desk, say


def _status(kernel: Kernel, conversation_id: uuid.UUID) -> tuple[str, uuid.UUID | None]:
    with kernel.db.session() as session:
        found = session.get(Conversation, conversation_id)
        assert found is not None
        return found.status, found.agent_id


def _queued(kernel: Kernel, desk: Desk, text: str = "转人工") -> uuid.UUID:
    result = say(kernel, desk.customer, text)
    assert result.conversation.status == "queued"
    return result.conversation.id


def test_asking_for_a_person_queues_the_conversation_with_its_place(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    result = say(kernel, desk.customer, "转人工")
    assert result.conversation.status == "queued"
    assert result.conversation.queue_position == 1
    assert result.messages[-1].sender == "system"
    assert "第1位" in result.messages[-1].text
    with kernel.db.session() as session:
        state = assistant.desk_state(session, desk.agent)
    assert [item.conversation.id for item in state.queue] == [result.conversation.id]
    assert state.queue[0].preview == "转人工"
    assert state.queue[0].conversation.predicted_intent == "human_agent"


def test_an_always_human_intent_goes_to_a_person_at_once(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    result = say(kernel, desk.customer, "有人冒充客服骗我转了三万块")
    assert result.conversation.status == "queued"
    assert result.conversation.predicted_intent == "fraud_report"
    assert result.conversation.handoff_reason == "always_human"


def test_two_misunderstood_messages_in_a_row_go_to_a_person(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "qzx vbn plm")
    assert first.conversation.status == "assistant"
    assert "not sure" in first.messages[1].text  # answered in the language written
    understood = say(kernel, desk.customer, "查一下余额", first.conversation.id)
    assert understood.conversation.status == "assistant"  # the streak starts again
    say(kernel, desk.customer, "qzx vbn plm", first.conversation.id)
    second = say(kernel, desk.customer, "asdf qwer zxcv", first.conversation.id)
    assert second.conversation.status == "queued"
    assert second.conversation.handoff_reason == "low_confidence"


def test_the_assistant_stays_quiet_while_an_agent_owns_the_conversation(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    conversation = _queued(kernel, desk)
    waiting = say(kernel, desk.customer, "还要等多久", conversation)
    assert [m.sender for m in waiting.messages] == ["customer"]
    with kernel.db.session() as session:
        claimed = assistant.claim(session, desk.agent, conversation_id=conversation)
    assert claimed.status == "agent"
    quiet = say(kernel, desk.customer, "你好", conversation)
    assert [m.sender for m in quiet.messages] == ["customer"]
    assert quiet.conversation.as_json()["agent_joined"] is True
    with kernel.db.session() as session:
        assistant.reply(session, desk.agent, conversation_id=conversation, text="您好，我是李客服")
        _view, messages = assistant.history(session, desk.customer, conversation_id=conversation)
    senders = [m.sender for m in messages]
    assert senders.count("agent") == 1
    assert any("已接入" in m.text for m in messages if m.sender == "system")
    assert [m.text for m in messages if m.sender == "customer"] == ["转人工", "还要等多久",
                                                                     "你好"]


def test_only_the_owner_replies_and_a_refused_reply_changes_nothing(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    conversation = _queued(kernel, desk)
    before = counts(kernel)
    with kernel.db.session() as session, pytest.raises(NotConversationOwner) as error:
        assistant.reply(session, desk.agent, conversation_id=conversation, text="抢先回复")
    assert error.value.code == "not_conversation_owner"
    with kernel.db.session() as session:
        assistant.claim(session, desk.agent, conversation_id=conversation)
    after_claim = counts(kernel)
    for act in (lambda s: assistant.reply(s, desk.other_agent, conversation_id=conversation,
                                          text="不是我的"),
                lambda s: assistant.close(s, desk.other_agent, conversation_id=conversation),
                lambda s: assistant.hand_back(s, desk.other_agent,
                                              conversation_id=conversation)):
        with kernel.db.session() as session, pytest.raises(NotConversationOwner):
            act(session)
    with kernel.db.session() as session, pytest.raises(ConversationNotQueued):
        assistant.claim(session, desk.other_agent, conversation_id=conversation)
    assert counts(kernel) == after_claim
    assert after_claim[1] == before[1] + 1  # only the "joined" notice
    assert _status(kernel, conversation) == ("agent", uuid.UUID(desk.agent.id))


def test_a_customer_or_rm_cannot_work_the_desk(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    conversation = _queued(kernel, desk)
    for actor in (desk.customer, desk.banked.bank.rm_xh, desk.banked.bank.admin):
        with kernel.db.session() as session, pytest.raises(AgentRoleRequired):
            assistant.claim(session, actor, conversation_id=conversation)
    assert _status(kernel, conversation) == ("queued", None)


def test_transfer_hand_back_and_close(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    conversation = _queued(kernel, desk)
    with kernel.db.session() as session:
        assistant.claim(session, desk.agent, conversation_id=conversation)
        assistant.transfer(session, desk.agent, conversation_id=conversation,
                           to_username="agent.wu")
    assert _status(kernel, conversation) == ("agent", uuid.UUID(desk.other_agent.id))
    with kernel.db.session() as session:
        assistant.hand_back(session, desk.other_agent, conversation_id=conversation)
    answered = say(kernel, desk.customer, "查一下余额", conversation)
    assert answered.messages[-1].sender == "assistant"
    again = say(kernel, desk.customer, "转人工", conversation)
    assert again.conversation.status == "queued"
    with kernel.db.session() as session:
        assistant.claim(session, desk.other_agent, conversation_id=conversation)
        assistant.close(session, desk.other_agent, conversation_id=conversation)
    before = counts(kernel)
    with pytest.raises(ConversationClosed) as error:
        say(kernel, desk.customer, "还在吗", conversation)
    assert error.value.code == "conversation_closed"
    with kernel.db.session() as session, pytest.raises(ConversationClosed):
        assistant.reply(session, desk.other_agent, conversation_id=conversation, text="x")
    assert counts(kernel) == before


def test_a_corrected_message_joins_the_training_data_and_the_dashboard(kernel: Kernel) -> None:
    desk = make_desk(kernel)
    first = say(kernel, desk.customer, "qzx vbn plm")
    second = say(kernel, desk.customer, "asdf qwer zxcv", first.conversation.id)
    message_id = first.messages[0].id
    with kernel.db.session() as session:
        with pytest.raises(UnknownIntent):
            assistant.correct_intent(session, desk.agent, message_id=message_id,
                                     intent="not_an_intent")
        assistant.claim(session, desk.agent, conversation_id=second.conversation.id)
        assistant.correct_intent(session, desk.agent, message_id=message_id,
                                 intent="mobile_banking_help")
        say_ok = assistant.correct_intent(session, desk.agent, message_id=message_id,
                                          intent="fees")
        examples = list(session.scalars(select(TrainingExample)))
        figures = assistant.dashboard(session, desk.agent)
    assert say_ok.corrected_intent == "fees"
    assert [(e.intent, e.message_id) for e in examples] == [("fees", message_id)]
    assert figures.conversations == 1
    assert figures.handed_off == 1
    assert figures.handoff_rate == 1.0
    assert figures.containment_rate == 0.0
    assert figures.mean_wait_seconds is not None
    assert figures.most_missed == [("fees", 1)]
    assert figures.handoff_reasons == {"low_confidence": 1}
    with kernel.db.session() as session:
        run = assistant.train_model(session)
    assert run.version == "v0001"
    assert run.meta["corrections"] == 1
    assert [v.name for v in assistant.model_versions(kernel.settings.home)] == ["v0001"]
