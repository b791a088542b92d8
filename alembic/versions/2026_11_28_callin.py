"""call-in of partnership decisions; hourly checkpoint marks

Revision ID: callin
Revises: paper
Create Date: 2026-11-28

A decision may name the round whose steps it authorises; a scrutiny member's call-in of a
decision and the outcome of its reconsideration; one mark per open round and clock hour that had
its hourly checkpoint, so several workers take it once.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "callin"
down_revision = "paper"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("governance_decision") as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_governance_decision_round_id", "governance_round", ["round_id"], ["id"])
    op.create_table(
        "scrutiny_call_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("called_by", sa.Integer(), nullable=False),
        sa.Column("called_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("amended_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("outcome_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reconsidered_at_meeting_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["governance_decision.id"]),
        sa.ForeignKeyConstraint(["partnership_id"], ["governance_partnership.id"]),
        sa.ForeignKeyConstraint(["called_by"], ["governance_staff.id"]),
        sa.ForeignKeyConstraint(["reconsidered_at_meeting_id"], ["governance_meeting.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["governance_staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id"),
    )
    with op.batch_alter_table("scrutiny_call_in") as batch_op:
        batch_op.create_index(batch_op.f("ix_scrutiny_call_in_partnership_id"), ["partnership_id"], unique=False)
    op.create_table(
        "audit_hourly_mark",
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("hour", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "hour"),
    )


def downgrade() -> None:
    op.drop_table("audit_hourly_mark")
    with op.batch_alter_table("scrutiny_call_in") as batch_op:
        batch_op.drop_index(batch_op.f("ix_scrutiny_call_in_partnership_id"))
    op.drop_table("scrutiny_call_in")
    with op.batch_alter_table("governance_decision") as batch_op:
        batch_op.drop_constraint("fk_governance_decision_round_id", type_="foreignkey")
        batch_op.drop_column("round_id")
