"""spend in pounds and pence

Revision ID: spendpence
Revises: deliveryx
Create Date: 2026-11-29

A receipt says £12.50; the ledger kept whole pounds and refused it. Spend entries now keep their
amount in pence (grants stay whole pounds). The duplicate-entry rule moves to the new column and
gets a name, so it can be found again on both databases.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "spendpence"
down_revision = "deliveryx"
branch_labels = None
depends_on = None

UNIQUE = "uq_delivery_spend_entry"


def _spend_table(amount_column: str, *rules: sa.UniqueConstraint) -> sa.Table:
    """The table as SQLite's copy-and-move should rebuild it: without the old, unnamed rule, which
    reflection would otherwise carry over."""
    return sa.Table(
        "delivery_spend", sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=amount_column != "amount"),
        sa.Column("amount_pence", sa.Integer(), nullable=amount_column != "amount_pence"),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entered_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("over_grant_override", sa.Boolean(), nullable=False),
        sa.Column("evidence_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_delivery_spend_grant_id", "grant_id"),
        *rules,
    )


def upgrade() -> None:
    op.add_column("delivery_spend", sa.Column("amount_pence", sa.Integer(), nullable=True))
    op.execute("UPDATE delivery_spend SET amount_pence = amount * 100")
    # On PostgreSQL, dropping `amount` drops the old rule with it; SQLite rebuilds from copy_from.
    with op.batch_alter_table("delivery_spend", copy_from=_spend_table("amount")) as batch:
        batch.drop_column("amount")
        batch.alter_column("amount_pence", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(UNIQUE, ["grant_id", "spent_on", "amount_pence", "description"])


def downgrade() -> None:
    op.add_column("delivery_spend", sa.Column("amount", sa.Integer(), nullable=True))
    # Whole pounds, rounded up: a downgrade never shows less spent than there was.
    op.execute("UPDATE delivery_spend SET amount = (amount_pence + 99) / 100")
    old_rule = ("grant_id", "spent_on", "amount", "description")
    if op.get_bind().dialect.name == "sqlite":
        # The old rule had no name; SQLite gets it back by rebuilding the table with it.
        table = _spend_table("amount_pence", sa.UniqueConstraint(*old_rule), sa.UniqueConstraint(
            "grant_id", "spent_on", "amount_pence", "description", name=UNIQUE))
        with op.batch_alter_table("delivery_spend", copy_from=table) as batch:
            batch.drop_constraint(UNIQUE, type_="unique")
            batch.drop_column("amount_pence")
            batch.alter_column("amount", existing_type=sa.Integer(), nullable=False)
        return
    op.drop_column("delivery_spend", "amount_pence")  # and its rule with it
    op.alter_column("delivery_spend", "amount", existing_type=sa.Integer(), nullable=False)
    op.create_unique_constraint("delivery_spend_grant_id_spent_on_amount_description_key", "delivery_spend",
                                list(old_rule))
