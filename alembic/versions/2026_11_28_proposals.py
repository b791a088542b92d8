"""residents' proposals: cost lines, versions, photos, messages, review and merges; declarations of interest

Revision ID: proposals
Revises: residents
Create Date: 2026-11-28

Proposals officers put straight on the ballot keep working: existing rows stay "on_ballot", their
cost the single figure they had. Each existing proposal gets its first version from what it says now.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "proposals"
down_revision = "residents"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("proposals_proposal") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("cost_lines", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("org_number", S(), nullable=False, server_default=""))
        batch.add_column(sa.Column("category", S(), nullable=False, server_default=""))
        batch.add_column(sa.Column("proposer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("proposer_name", S(), nullable=False, server_default=""))
        batch.add_column(sa.Column("entered_on_behalf", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("entered_by_staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_reason", S(), nullable=False, server_default=""))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("status_before_merge", S(), nullable=False, server_default=""))
        batch.add_column(sa.Column("hidden_reason", S(), nullable=False, server_default=""))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")))
        batch.create_index("ix_proposals_proposal_proposer_id", ["proposer_id"])
        batch.create_foreign_key("fk_proposals_proposal_proposer", "residents_resident", ["proposer_id"], ["id"])
        batch.create_foreign_key("fk_proposals_proposal_entered_by", "governance_staff", ["entered_by_staff_id"],
                                 ["id"])
        batch.create_foreign_key("fk_proposals_proposal_merged_into", "proposals_proposal", ["merged_into_id"],
                                 ["id"])

    op.create_table(
        "proposals_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author", S(), nullable=False),
        sa.Column("note", S(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals_proposal.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "number"),
    )
    op.create_index("ix_proposals_version_proposal_id", "proposals_version", ["proposal_id"])
    op.create_table(
        "proposals_photo",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("content_type", S(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", S(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals_proposal.id"]),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    op.create_table(
        "proposals_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("from_staff_id", sa.Integer(), nullable=True),
        sa.Column("author", S(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals_proposal.id"]),
        sa.ForeignKeyConstraint(["from_staff_id"], ["governance_staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposals_message_proposal_id", "proposals_message", ["proposal_id"])
    op.create_table(
        "governance_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("organisation", S(), nullable=False),
        sa.Column("description", S(), nullable=False),
        sa.Column("declared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["partnership_id"], ["governance_partnership.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["governance_staff.id"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals_proposal.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_governance_declaration_partnership_id", "governance_declaration", ["partnership_id"])
    op.create_index("ix_governance_declaration_staff_id", "governance_declaration", ["staff_id"])

    # Every existing proposal's first version: what it says now.
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title, summary, cost, location, delivered_by, status, created_at "
                                "FROM proposals_proposal")).mappings().all()
    import json

    for row in rows:
        content = {"title": row["title"], "summary": row["summary"], "description": "", "cost": row["cost"],
                   "cost_lines": [], "location": row["location"], "delivered_by": row["delivered_by"],
                   "org_number": "", "category": "", "status": row["status"], "photo": None}
        conn.execute(sa.text("INSERT INTO proposals_version (proposal_id, number, content, author, note, created_at) "
                             "VALUES (:p, 1, :c, 'an officer', 'entered before versions were kept', :at)"),
                     {"p": row["id"], "c": json.dumps(content, sort_keys=True), "at": row["created_at"]})


def downgrade() -> None:
    op.drop_index("ix_governance_declaration_staff_id", table_name="governance_declaration")
    op.drop_index("ix_governance_declaration_partnership_id", table_name="governance_declaration")
    op.drop_table("governance_declaration")
    op.drop_index("ix_proposals_message_proposal_id", table_name="proposals_message")
    op.drop_table("proposals_message")
    op.drop_table("proposals_photo")
    op.drop_index("ix_proposals_version_proposal_id", table_name="proposals_version")
    op.drop_table("proposals_version")
    with op.batch_alter_table("proposals_proposal") as batch:
        batch.drop_constraint("fk_proposals_proposal_merged_into", type_="foreignkey")
        batch.drop_constraint("fk_proposals_proposal_entered_by", type_="foreignkey")
        batch.drop_constraint("fk_proposals_proposal_proposer", type_="foreignkey")
        batch.drop_index("ix_proposals_proposal_proposer_id")
        for name in ("updated_at", "version", "hidden_reason", "status_before_merge", "merged_into_id",
                     "review_reason", "entered_by_staff_id", "entered_on_behalf", "proposer_name", "proposer_id",
                     "category", "org_number", "cost_lines", "description"):
            batch.drop_column(name)
