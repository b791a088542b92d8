"""resident accounts and their sign-in links

Revision ID: residents
Revises: screen
Create Date: 2026-11-28

Residents who comment and propose sign in by a single-use link sent by email. Only a keyed hash
of a link's token is stored; the account is made when a link is first used. A round records the
steps of the arc it skipped, planned dates for its steps and its PB day. Residents comment on a
round's priorities and rank them (consult_comment, consult_priority_ranking).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "residents"
down_revision = "screen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "residents_resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("residents_resident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_resident_email"), ["email"], unique=True)

    op.create_table(
        "residents_sign_in_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("next_path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("residents_sign_in_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_sign_in_link_client_hash"), ["client_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_residents_sign_in_link_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_residents_sign_in_link_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_residents_sign_in_link_token_hash"), ["token_hash"], unique=True)


    # The arc: steps skipped (never shown as done), planned dates, the PB day.
    with op.batch_alter_table("governance_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped_phases", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("phase_dates", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("pb_day_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("pb_day_place", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("pb_day_opens", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("pb_day_closes", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))

    # Consult: comments on a round's priorities (post-moderated) and the priority poll.
    op.create_table(
        "consult_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hidden_by"], ["governance_staff.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["residents_resident.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consult_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consult_comment_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consult_comment_round_id"), ["round_id"], unique=False)

    op.create_table(
        "consult_priority_ranking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("choices", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents_resident.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "resident_id"),
    )
    with op.batch_alter_table("consult_priority_ranking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consult_priority_ranking_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consult_priority_ranking_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    op.drop_table("consult_priority_ranking")
    op.drop_table("consult_comment")
    with op.batch_alter_table("governance_round", schema=None) as batch_op:
        for column in ("pb_day_closes", "pb_day_opens", "pb_day_place", "pb_day_date", "phase_dates",
                       "skipped_phases"):
            batch_op.drop_column(column)
    op.drop_table("residents_sign_in_link")
    op.drop_table("residents_resident")
