"""foundation

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 05:14:33.243992
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('before_digest', sa.String(length=64), nullable=True),
    sa.Column('after_digest', sa.String(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_audit_entry_entry_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_target_id'), ['target_id'], unique=False)

    op.create_table('branch',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['branch.id'], name=op.f('fk_branch_parent_id_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch')),
    sa.UniqueConstraint('code', name=op.f('uq_branch_code'))
    )
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_path'), ['path'], unique=False)

    op.create_table('outbound_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('recipient_index', sa.String(length=64), nullable=False),
    sa.Column('recipient_encrypted', sa.Text(), nullable=False),
    sa.Column('body_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_message'))
    )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_message_recipient_index'), ['recipient_index'], unique=False)

    op.create_table('outbox_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_event'))
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_event_delivered_at'), ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_topic'), ['topic'], unique=False)

    op.create_table('staff_user',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_staff_user_branch_id_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_user')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_user_username'))
    )
    op.create_table('customer',
    sa.Column('name_encrypted', sa.Text(), nullable=False),
    sa.Column('mobile_encrypted', sa.Text(), nullable=False),
    sa.Column('mobile_index', sa.String(length=64), nullable=False),
    sa.Column('id_number_encrypted', sa.Text(), nullable=False),
    sa.Column('id_number_index', sa.String(length=64), nullable=False),
    sa.Column('primary_rm_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_customer_branch_id_branch')),
    sa.ForeignKeyConstraint(['primary_rm_id'], ['staff_user.id'], name=op.f('fk_customer_primary_rm_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('id_number_index', name=op.f('uq_customer_id_number_index')),
    sa.UniqueConstraint('mobile_index', name=op.f('uq_customer_mobile_index'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_primary_rm_id'), ['primary_rm_id'], unique=False)

    op.create_table('enterprise',
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('rm_id', sa.Uuid(), nullable=False),
    sa.Column('contact_name_encrypted', sa.Text(), nullable=False),
    sa.Column('contact_mobile_encrypted', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_enterprise_branch_id_branch')),
    sa.ForeignKeyConstraint(['rm_id'], ['staff_user.id'], name=op.f('fk_enterprise_rm_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_enterprise_credit_code'))
    )
    op.create_table('customer_share',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_share_customer_id_customer')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_customer_share_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_share')),
    sa.UniqueConstraint('customer_id', 'staff_id', name=op.f('uq_customer_share_customer_id_staff_id'))
    )
    with op.batch_alter_table('customer_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_share_staff_id'), ['staff_id'], unique=False)

    op.create_table('enterprise_employee',
    sa.Column('enterprise_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('name_encrypted', sa.Text(), nullable=False),
    sa.Column('mobile_encrypted', sa.Text(), nullable=False),
    sa.Column('mobile_index', sa.String(length=64), nullable=False),
    sa.Column('id_number_encrypted', sa.Text(), nullable=False),
    sa.Column('id_number_index', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_enterprise_employee_customer_id_customer')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_employee_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_employee')),
    sa.UniqueConstraint('enterprise_id', 'mobile_index', name=op.f('uq_enterprise_employee_enterprise_id_mobile_index'))
    )
    with op.batch_alter_table('enterprise_employee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_employee_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_employee_id_number_index'), ['id_number_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_employee_mobile_index'), ['mobile_index'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enterprise_employee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_employee_mobile_index'))
        batch_op.drop_index(batch_op.f('ix_enterprise_employee_id_number_index'))
        batch_op.drop_index(batch_op.f('ix_enterprise_employee_enterprise_id'))

    op.drop_table('enterprise_employee')
    with op.batch_alter_table('customer_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_share_staff_id'))

    op.drop_table('customer_share')
    op.drop_table('enterprise')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_primary_rm_id'))
        batch_op.drop_index(batch_op.f('ix_customer_branch_id'))

    op.drop_table('customer')
    op.drop_table('staff_user')
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_event_topic'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_delivered_at'))

    op.drop_table('outbox_event')
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_message_recipient_index'))

    op.drop_table('outbound_message')
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_path'))

    op.drop_table('branch')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_target_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
