"""journeys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:11:08.559872
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('journey_prospect',
    sa.Column('mobile_encrypted', sa.Text(), nullable=False),
    sa.Column('mobile_index', sa.String(length=64), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_journey_prospect_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_prospect')),
    sa.UniqueConstraint('mobile_index', name=op.f('uq_journey_prospect_mobile_index'))
    )
    op.create_table('journey_instance',
    sa.Column('journey_key', sa.String(length=64), nullable=False),
    sa.Column('journey_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_step', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('prospect_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('source_qr_code_id', sa.Uuid(), nullable=True),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('facts_encrypted', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('execute_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_journey_instance_customer_id_customer')),
    sa.ForeignKeyConstraint(['prospect_id'], ['journey_prospect.id'], name=op.f('fk_journey_instance_prospect_id_journey_prospect')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_instance'))
    )
    with op.batch_alter_table('journey_instance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_instance_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_execute_after'), ['execute_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_journey_key'), ['journey_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_prospect_id'), ['prospect_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_source_qr_code_id'), ['source_qr_code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_instance_status'), ['status'], unique=False)

    op.create_table('journey_consent',
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('prospect_id', sa.Uuid(), nullable=True),
    sa.Column('document_key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_journey_consent_customer_id_customer')),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_consent_instance_id_journey_instance')),
    sa.ForeignKeyConstraint(['prospect_id'], ['journey_prospect.id'], name=op.f('fk_journey_consent_prospect_id_journey_prospect')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_consent'))
    )
    with op.batch_alter_table('journey_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_consent_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_consent_instance_id'), ['instance_id'], unique=False)

    op.create_table('journey_document',
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('step_key', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('content_encrypted', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_document_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_document'))
    )
    with op.batch_alter_table('journey_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_document_instance_id'), ['instance_id'], unique=False)

    op.create_table('journey_payroll_enrollment',
    sa.Column('enterprise_id', sa.Uuid(), nullable=False),
    sa.Column('employee_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_journey_payroll_enrollment_customer_id_customer')),
    sa.ForeignKeyConstraint(['employee_id'], ['enterprise_employee.id'], name=op.f('fk_journey_payroll_enrollment_employee_id_enterprise_employee')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_journey_payroll_enrollment_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_payroll_enrollment_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_payroll_enrollment')),
    sa.UniqueConstraint('enterprise_id', 'customer_id', name=op.f('uq_journey_payroll_enrollment_enterprise_id_customer_id'))
    )
    with op.batch_alter_table('journey_payroll_enrollment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_payroll_enrollment_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('journey_renewal_order',
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('deposit_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('term', sa.String(length=8), nullable=False),
    sa.Column('renew_interest', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('new_deposit_id', sa.Uuid(), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_journey_renewal_order_customer_id_customer')),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_renewal_order_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_renewal_order')),
    sa.UniqueConstraint('deposit_id', name=op.f('uq_journey_renewal_order_deposit_id'))
    )
    with op.batch_alter_table('journey_renewal_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_renewal_order_status'), ['status'], unique=False)

    op.create_table('journey_request',
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('step_key', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_request_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_request')),
    sa.UniqueConstraint('instance_id', 'idempotency_key', name=op.f('uq_journey_request_instance_id_idempotency_key'))
    )
    op.create_table('journey_review',
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_user.id'], name=op.f('fk_journey_review_decided_by_staff_user')),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_review_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_review')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_journey_review_instance_id'))
    )
    with op.batch_alter_table('journey_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_review_status'), ['status'], unique=False)

    op.create_table('journey_risk_profile',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('level', sa.String(length=2), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('questionnaire_version', sa.String(length=32), nullable=False),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_journey_risk_profile_customer_id_customer')),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_risk_profile_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_risk_profile'))
    )
    with op.batch_alter_table('journey_risk_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_risk_profile_customer_id'), ['customer_id'], unique=False)

    op.create_table('journey_step',
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('step_key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('data_encrypted', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['journey_instance.id'], name=op.f('fk_journey_step_instance_id_journey_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_step')),
    sa.UniqueConstraint('instance_id', 'step_key', name=op.f('uq_journey_step_instance_id_step_key'))
    )
    with op.batch_alter_table('journey_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_step_instance_id'), ['instance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('journey_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_step_instance_id'))

    op.drop_table('journey_step')
    with op.batch_alter_table('journey_risk_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_risk_profile_customer_id'))

    op.drop_table('journey_risk_profile')
    with op.batch_alter_table('journey_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_review_status'))

    op.drop_table('journey_review')
    op.drop_table('journey_request')
    with op.batch_alter_table('journey_renewal_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_renewal_order_status'))

    op.drop_table('journey_renewal_order')
    with op.batch_alter_table('journey_payroll_enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_payroll_enrollment_enterprise_id'))

    op.drop_table('journey_payroll_enrollment')
    with op.batch_alter_table('journey_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_document_instance_id'))

    op.drop_table('journey_document')
    with op.batch_alter_table('journey_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_consent_instance_id'))
        batch_op.drop_index(batch_op.f('ix_journey_consent_customer_id'))

    op.drop_table('journey_consent')
    with op.batch_alter_table('journey_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_instance_status'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_started_at'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_source_qr_code_id'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_prospect_id'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_journey_key'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_expires_at'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_execute_after'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_customer_id'))
        batch_op.drop_index(batch_op.f('ix_journey_instance_campaign_id'))

    op.drop_table('journey_instance')
    op.drop_table('journey_prospect')
