"""turnout by channel

Revision ID: screen
Revises: 0003
Create Date: 2026-11-27

A counter per round and channel (kiosk, own phone, online), so the results can show how people
voted without the ballot box saying which ballot came which way.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'screen'
down_revision = 'scrutiny'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_channel_count",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("round_id", "channel"),
    )


def downgrade() -> None:
    op.drop_table("voting_channel_count")
