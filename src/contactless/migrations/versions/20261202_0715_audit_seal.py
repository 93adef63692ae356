"""audit_seal: entries are appended without a lock and sealed later into a keyed chain

Revision ID: auditseal
Revises: partners
Create Date: 2026-12-02 07:15:00

The entries lose ``prev_hash`` and ``entry_hash`` (the unkeyed chain read the entry before under
a lock held for the whole bank); ``audit_seal`` holds the keyed seals, and on PostgreSQL
triggers refuse UPDATE and DELETE on both tables. Entries written before are sealed by the
first run of the sealer. A downgrade keeps the entries but cannot restore the unkeyed chain:
their hashes come back as placeholders.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auditseal'
down_revision: str | None = 'partners'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$
"""
TABLES = ('audit_entry', 'audit_seal')


def upgrade() -> None:
    op.create_table('audit_seal',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('prev_head', sa.String(length=64), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('gaps', sa.Text(), nullable=False),
    sa.Column('macs', sa.Text(), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_seal')),
    sa.UniqueConstraint('last_seq', name=op.f('uq_audit_seal_last_seq'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_entry_hash'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(REFUSE_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    op.execute("UPDATE audit_entry SET prev_hash = '" + "0" * 64 + "', "
               "entry_hash = 'unchained-' || CAST(seq AS VARCHAR(20))")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_entry_hash'), ['entry_hash'])
    op.drop_table('audit_seal')
