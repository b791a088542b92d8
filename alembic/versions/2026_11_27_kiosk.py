"""every ballot kind; voting points locked after wrong pass codes

Revision ID: kiosk
Revises: 0003
Create Date: 2026-11-27

Points (cumulative) and ranking ballots need how many points to spread and how many places to
rank. A voting point that keeps getting wrong pass codes is paused, so codes cannot be guessed.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'kiosk'
down_revision = 'secrecy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("governance_round", sa.Column("points_total", sa.Integer(), nullable=False, server_default="10"))
    op.add_column("governance_round", sa.Column("rank_depth", sa.Integer(), nullable=False, server_default="3"))
    # One row per client that typed a wrong pass code: a keyed hash of its address, never the address.
    op.create_table(
        "voting_kiosk_lock",
        sa.Column("client_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("last_wrong_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("client_ref"),
    )


def downgrade() -> None:
    op.drop_table("voting_kiosk_lock")
    op.drop_column("governance_round", "rank_depth")
    op.drop_column("governance_round", "points_total")
