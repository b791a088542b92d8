"""certification of results

Revision ID: delivery
Revises: screen
Create Date: 2026-11-28

The chair's certification of a published result and a second member's confirmation.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "delivery"
down_revision = "screen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_certification",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("certified_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("certified_by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("certified_role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("certified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("confirmed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("confirmed_by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("confirmed_role", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("checkpoint_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("round_id"),
    )


def downgrade() -> None:
    op.drop_table("voting_certification")
