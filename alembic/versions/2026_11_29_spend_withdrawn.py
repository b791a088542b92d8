"""spend entries withdrawn by an officer

Revision ID: spendwithdrawn
Revises: spendpence
Create Date: 2026-11-29

A ledger line entered in error (a typing mistake on a public page) is withdrawn by an officer with
a reason, not deleted: it stays on the ledger, struck through, and stops counting as spent.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "spendwithdrawn"
down_revision = "spendpence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_spend", schema=None) as batch:
        batch.add_column(sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_spend", schema=None) as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
