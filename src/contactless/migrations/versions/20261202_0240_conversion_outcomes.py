"""conversion_outcomes: a conversion is one business outcome, pending until the books settle it

Revision ID: 0009
Revises: custsess
Create Date: 2026-12-02 02:40:00

Conversions recorded before are kept as ``unverified`` (keyed by their journey): nothing tells
which deposit or order they were, so no report counts them as realised.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = 'custsess'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('qr_conversion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('reference_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('journeys', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expected_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('entry_id', sa.Uuid(), nullable=True))
    op.execute("UPDATE qr_conversion SET business_key = 'journey:' || journey_id, "
               "kind = 'journey', status = 'unverified', journeys = 1, "
               "expected_amount = amount")
    with op.batch_alter_table('qr_conversion', schema=None) as batch_op:
        batch_op.alter_column('business_key', existing_type=sa.String(length=80),
                              nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=24), nullable=False)
        batch_op.alter_column('status', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('journeys', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('expected_amount', existing_type=sa.BigInteger(),
                              nullable=False)
        batch_op.drop_constraint('uq_qr_conversion_journey_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_qr_conversion_business_key'),
                                          ['business_key'])
        batch_op.create_index(batch_op.f('ix_qr_conversion_journey_id'), ['journey_id'],
                              unique=False)
        batch_op.create_index('ix_qr_conversion_status_settled', ['status', 'settled_at'],
                              unique=False)

    with op.batch_alter_table('qr_credit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected', sa.BigInteger(), nullable=False,
                                      server_default='0'))

    with op.batch_alter_table('qr_journey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('conversion_id', sa.Uuid(), nullable=True))
    op.execute("UPDATE qr_journey SET "
               "completed_at = (SELECT c.completed_at FROM qr_conversion c "
               "WHERE c.journey_id = qr_journey.journey_id), "
               "conversion_id = (SELECT c.id FROM qr_conversion c "
               "WHERE c.journey_id = qr_journey.journey_id)")


def downgrade() -> None:
    with op.batch_alter_table('qr_journey', schema=None) as batch_op:
        batch_op.drop_column('conversion_id')
        batch_op.drop_column('completed_at')

    with op.batch_alter_table('qr_credit', schema=None) as batch_op:
        batch_op.drop_column('expected')

    # one conversion per journey again: outcomes several journeys shared keep the latest
    with op.batch_alter_table('qr_conversion', schema=None) as batch_op:
        batch_op.drop_index('ix_qr_conversion_status_settled')
        batch_op.drop_index(batch_op.f('ix_qr_conversion_journey_id'))
        batch_op.drop_constraint(batch_op.f('uq_qr_conversion_business_key'), type_='unique')
        batch_op.create_unique_constraint('uq_qr_conversion_journey_id', ['journey_id'])
        batch_op.drop_column('entry_id')
        batch_op.drop_column('settled_at')
        batch_op.drop_column('expected_amount')
        batch_op.drop_column('journeys')
        batch_op.drop_column('status')
        batch_op.drop_column('reference_id')
        batch_op.drop_column('kind')
        batch_op.drop_column('business_key')
