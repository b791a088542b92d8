"""sign-in throttling and revocable staff sessions

Revision ID: hardening
Revises: 0003
Create Date: 2026-11-27

The per-account hard lock (which anyone could trigger for any account) gives way to a growing
delay per client and per username tried; each staff account gets a session version that signing
out increases, so a copied session cookie stops working.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'hardening'
down_revision = 'kiosk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'governance_sign_in_throttle',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.Float(), nullable=False),
        sa.Column('wait_until', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index(op.f('ix_governance_sign_in_throttle_last_failure_at'), 'governance_sign_in_throttle',
                    ['last_failure_at'], unique=False)
    with op.batch_alter_table('governance_staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')


def downgrade() -> None:
    with op.batch_alter_table('governance_staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.drop_column('session_version')
    op.drop_index(op.f('ix_governance_sign_in_throttle_last_failure_at'), table_name='governance_sign_in_throttle')
    op.drop_table('governance_sign_in_throttle')
