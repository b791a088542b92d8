"""resident accounts and their sign-in links

Revision ID: residents
Revises: screen
Create Date: 2026-11-28

Residents who comment and propose sign in by a single-use link sent by email. Only a keyed hash
of a link's token is stored; the account is made when a link is first used.
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


def downgrade() -> None:
    op.drop_table("residents_sign_in_link")
    op.drop_table("residents_resident")
