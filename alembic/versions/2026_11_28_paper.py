"""paper ballots entered twice by two stewards

Revision ID: paper
Revises: delivery
Create Date: 2026-11-28

A paper sheet's state (entered once, mismatched, counted, spoilt) and each steward's entry of it.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "paper"
down_revision = "delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_paper_sheet",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("spoilt_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("round_id", "number"),
    )
    op.create_table(
        "voting_paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("keyed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("keyed_by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("marks", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("spoilt", sa.Boolean(), nullable=False),
        sa.Column("spoilt_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_voting_paper_entry_keyer", "voting_paper_entry", ["round_id", "number", "keyed_by"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_voting_paper_entry_keyer", table_name="voting_paper_entry")
    op.drop_table("voting_paper_entry")
    op.drop_table("voting_paper_sheet")
