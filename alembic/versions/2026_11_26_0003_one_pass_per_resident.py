"""one pass per resident

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

One pass per resident per round, enforced by the database as well as the desk.
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A unique index, not a constraint: on SQLite a new constraint would rebuild the table, and the
    # rebuilt copy would lose WITHOUT ROWID, which keeps the register's order from meaning anything.
    op.drop_index("ix_voting_pass_holder_ref", table_name="voting_pass")
    op.create_index("uq_voting_pass_round_holder", "voting_pass", ["round_id", "holder_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_voting_pass_round_holder", table_name="voting_pass")
    op.create_index("ix_voting_pass_holder_ref", "voting_pass", ["holder_ref"], unique=False)
