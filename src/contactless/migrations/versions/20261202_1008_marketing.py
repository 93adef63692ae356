"""marketing: campaigns, their members and sends, RM call tasks, the in-app inbox,
marketing preferences, personal links and runs

Revision ID: marketing
Revises: riskengine
Create Date: 2026-12-02 10:08:49.094146
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'marketing'
down_revision: str | None = 'riskengine'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('marketing_campaign',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('playbook', sa.String(length=32), nullable=True),
    sa.Column('target', sa.JSON(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('goal', sa.JSON(), nullable=False),
    sa.Column('holdout_percent', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('branch_path', sa.String(length=512), nullable=False),
    sa.Column('maker_id', sa.String(length=64), nullable=False),
    sa.Column('maker_name', sa.String(length=128), nullable=False),
    sa.Column('approver_id', sa.String(length=64), nullable=True),
    sa.Column('approver_name', sa.String(length=128), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_campaign'))
    )
    with op.batch_alter_table('marketing_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketing_campaign_status'), ['status'], unique=False)

    op.create_table('marketing_link',
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('rm_id', sa.Uuid(), nullable=False),
    sa.Column('code_id', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['marketing_campaign.id'], name=op.f('fk_marketing_link_campaign_id_marketing_campaign')),
    sa.PrimaryKeyConstraint('campaign_id', 'rm_id', name=op.f('pk_marketing_link'))
    )
    op.create_table('marketing_run',
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audience', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['marketing_campaign.id'], name=op.f('fk_marketing_run_campaign_id_marketing_campaign')),
    sa.PrimaryKeyConstraint('campaign_id', 'run_date', name=op.f('pk_marketing_run'))
    )
    op.create_table('marketing_inbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['marketing_campaign.id'], name=op.f('fk_marketing_inbox_campaign_id_marketing_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_marketing_inbox_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_inbox')),
    sa.UniqueConstraint('campaign_id', 'customer_id', name=op.f('uq_marketing_inbox_campaign_id_customer_id'))
    )
    with op.batch_alter_table('marketing_inbox', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_inbox_customer', ['customer_id', 'created_at'], unique=False)

    op.create_table('marketing_member',
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('entered_on', sa.Date(), nullable=False),
    sa.Column('control', sa.Boolean(), nullable=False),
    sa.Column('rm_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conversion_amount', sa.BigInteger(), nullable=True),
    sa.Column('conversion_journey_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['marketing_campaign.id'], name=op.f('fk_marketing_member_campaign_id_marketing_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_marketing_member_customer_id_customer')),
    sa.PrimaryKeyConstraint('campaign_id', 'customer_id', name=op.f('pk_marketing_member'))
    )
    with op.batch_alter_table('marketing_member', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_member_customer', ['customer_id'], unique=False)

    op.create_table('marketing_preference',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('do_not_disturb', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_marketing_preference_customer_id_customer')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_marketing_preference'))
    )
    op.create_table('marketing_send',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['marketing_campaign.id'], name=op.f('fk_marketing_send_campaign_id_marketing_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_marketing_send_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_send')),
    sa.UniqueConstraint('campaign_id', 'customer_id', 'channel', 'run_date', name=op.f('uq_marketing_send_campaign_id_customer_id_channel_run_date'))
    )
    with op.batch_alter_table('marketing_send', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_send_cap', ['customer_id', 'channel', 'run_date'], unique=False)
        batch_op.create_index('ix_marketing_send_status', ['channel', 'status'], unique=False)

    op.create_table('marketing_task',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('rm_id', sa.Uuid(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('script', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['marketing_campaign.id'], name=op.f('fk_marketing_task_campaign_id_marketing_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_marketing_task_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_task')),
    sa.UniqueConstraint('campaign_id', 'customer_id', name=op.f('uq_marketing_task_campaign_id_customer_id'))
    )
    with op.batch_alter_table('marketing_task', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_task_rm', ['rm_id', 'status', 'due_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('marketing_task', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_task_rm')

    op.drop_table('marketing_task')
    with op.batch_alter_table('marketing_send', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_send_status')
        batch_op.drop_index('ix_marketing_send_cap')

    op.drop_table('marketing_send')
    op.drop_table('marketing_preference')
    with op.batch_alter_table('marketing_member', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_member_customer')

    op.drop_table('marketing_member')
    with op.batch_alter_table('marketing_inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_inbox_customer')

    op.drop_table('marketing_inbox')
    op.drop_table('marketing_run')
    op.drop_table('marketing_link')
    with op.batch_alter_table('marketing_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketing_campaign_status'))

    op.drop_table('marketing_campaign')
