"""risk: the champion model's daily drift reports (PSI per feature and score, precision)

Revision ID: riskdrift
Revises: marketing
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'riskdrift'
down_revision: str | None = 'marketing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'risk_drift_report',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('model_version', sa.String(length=40), nullable=False),
        sa.Column('decisions', sa.Integer(), nullable=False),
        sa.Column('max_psi', sa.Float(), nullable=True),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'model_version', name='uq_risk_drift_report_day'),
    )
    op.create_index('ix_risk_drift_report_created', 'risk_drift_report', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_risk_drift_report_created', table_name='risk_drift_report')
    op.drop_table('risk_drift_report')
