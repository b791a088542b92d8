"""recipient links and project photos

Revision ID: deliveryx
Revises: callin
Create Date: 2026-11-28

Links an officer sends a grant's recipient organisation to report spend and progress without an
account (only a keyed hash of the token is kept); photos of funded projects with their alt text,
checked by an officer before they are public.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "deliveryx"
down_revision = "callin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_recipient_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_recipient_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_recipient_link_grant_id"), ["grant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_recipient_link_token_hash"), ["token_hash"], unique=True)
    op.create_table(
        "delivery_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("alt_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["grant_id"], ["delivery_grant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_photo_grant_id"), ["grant_id"], unique=False)
    op.create_table(
        "delivery_photo_file",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["delivery_photo.id"]),
        sa.PrimaryKeyConstraint("photo_id"),
    )


def downgrade() -> None:
    op.drop_table("delivery_photo_file")
    op.drop_table("delivery_photo")
    op.drop_table("delivery_recipient_link")
