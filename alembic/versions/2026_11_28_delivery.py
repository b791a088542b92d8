"""certification of results; grants, spend, milestones, outputs and outcomes

Revision ID: delivery
Revises: screen
Create Date: 2026-11-28

The event's reconciliation sheet as the chair signed it off; the chair's certification of a
published result and a second member's confirmation; the
delivery of funded projects: grants, a spend ledger with evidence files, milestones, outputs
and estimated outcomes.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "delivery"
down_revision = "partnership"
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


    op.create_table(
        "voting_reconciliation",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("signed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("signed_by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("signed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("round_id"),
    )
    op.create_table(
        "delivery_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recipient_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recipient_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("award_date", sa.Date(), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("fund_source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("conditions", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("returned_amount", sa.Integer(), nullable=True),
        sa.Column("returned_to_round", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals_proposal.id"]),
        sa.ForeignKeyConstraint(["returned_to_round"], ["governance_round.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["governance_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id"),
    )
    with op.batch_alter_table("delivery_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_grant_round_id"), ["round_id"], unique=False)
    op.create_table(
        "delivery_spend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entered_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("over_grant_override", sa.Boolean(), nullable=False),
        sa.Column("evidence_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("grant_id", "spent_on", "amount", "description"),
    )
    with op.batch_alter_table("delivery_spend", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_spend_grant_id"), ["grant_id"], unique=False)
    op.create_table(
        "delivery_spend_evidence",
        sa.Column("spend_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["spend_id"], ["delivery_spend.id"]),
        sa.PrimaryKeyConstraint("spend_id"),
    )
    op.create_table(
        "delivery_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("actual_on", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_milestone_grant_id"), ["grant_id"], unique=False)
    op.create_table(
        "delivery_output",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_output", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_output_grant_id"), ["grant_id"], unique=False)
    op.create_table(
        "delivery_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("savings_per_year", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_outcome_grant_id"), ["grant_id"], unique=False)


def downgrade() -> None:
    for table in ("delivery_outcome", "delivery_output", "delivery_milestone", "delivery_spend_evidence",
                  "delivery_spend", "delivery_grant"):
        op.drop_table(table)
    op.drop_table("voting_reconciliation")
    op.drop_table("voting_certification")
