"""assistant: conversations and messages, the FAQ knowledge base, corrections, appointments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:25:40.164950
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assistant_faq',
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('paraphrases', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_faq'))
    )
    op.create_table('assistant_conversation',
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=True),
    sa.Column('predicted_intent', sa.String(length=48), nullable=True),
    sa.Column('handoff_reason', sa.String(length=32), nullable=True),
    sa.Column('handed_off', sa.Boolean(), nullable=False),
    sa.Column('low_confidence_streak', sa.Integer(), nullable=False),
    sa.Column('flow', sa.JSON(), nullable=True),
    sa.Column('next_seq', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['staff_user.id'], name=op.f('fk_assistant_conversation_agent_id_staff_user')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_assistant_conversation_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_conversation'))
    )
    with op.batch_alter_table('assistant_conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_conversation_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_assistant_conversation_status_queued', ['status', 'queued_at'], unique=False)

    op.create_table('assistant_appointment',
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['assistant_conversation.id'], name=op.f('fk_assistant_appointment_conversation_id_assistant_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_assistant_appointment_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_appointment'))
    )
    with op.batch_alter_table('assistant_appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_appointment_customer_id'), ['customer_id'], unique=False)

    op.create_table('assistant_message',
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=True),
    sa.Column('text_encrypted', sa.Text(), nullable=False),
    sa.Column('truncated', sa.Boolean(), nullable=False),
    sa.Column('intent', sa.String(length=48), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('entities', sa.JSON(), nullable=True),
    sa.Column('actions', sa.JSON(), nullable=True),
    sa.Column('corrected_intent', sa.String(length=48), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['staff_user.id'], name=op.f('fk_assistant_message_agent_id_staff_user')),
    sa.ForeignKeyConstraint(['conversation_id'], ['assistant_conversation.id'], name=op.f('fk_assistant_message_conversation_id_assistant_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_message')),
    sa.UniqueConstraint('conversation_id', 'seq', name=op.f('uq_assistant_message_conversation_id_seq'))
    )
    op.create_table('assistant_training_example',
    sa.Column('message_id', sa.Uuid(), nullable=True),
    sa.Column('text_encrypted', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=48), nullable=False),
    sa.Column('predicted_intent', sa.String(length=48), nullable=True),
    sa.Column('labelled_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['assistant_message.id'], name=op.f('fk_assistant_training_example_message_id_assistant_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_training_example')),
    sa.UniqueConstraint('message_id', name=op.f('uq_assistant_training_example_message_id'))
    )


def downgrade() -> None:
    op.drop_table('assistant_training_example')
    op.drop_table('assistant_message')
    with op.batch_alter_table('assistant_appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_appointment_customer_id'))

    op.drop_table('assistant_appointment')
    with op.batch_alter_table('assistant_conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_assistant_conversation_status_queued')
        batch_op.drop_index(batch_op.f('ix_assistant_conversation_customer_id'))

    op.drop_table('assistant_conversation')
    op.drop_table('assistant_faq')
