"""risk: reference rates, so amounts in other currencies are decided in CNY

Revision ID: riskrates
Revises: riskdrift
Create Date: 2026-12-03 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'riskrates'
down_revision: str | None = 'riskdrift'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'risk_reference_rate',
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('rate', sa.String(length=40), nullable=False),
        sa.Column('set_by', sa.String(length=64), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('currency', 'effective_from'),
    )


def downgrade() -> None:
    op.drop_table('risk_reference_rate')
