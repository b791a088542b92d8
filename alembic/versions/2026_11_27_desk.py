"""desk, closing and fixing mistakes

Revision ID: desk
Revises: 0003
Create Date: 2026-11-27

The desk can void and reprint passes and spot a likely second pass; a pass records (coarsely, and
only until the vote closes) when a kiosk opened it, so closing can wait for ballots in progress;
a round can close after a grace period and be archived.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'desk'
down_revision = 'hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch rebuild: the rebuilt register would lose WITHOUT ROWID.
    op.add_column('voting_pass', sa.Column('voided', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('voting_pass', sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('voting_pass', sa.Column('first_name_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('voting_pass', sa.Column('last_name_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_index('ix_voting_pass_first_name_ref', 'voting_pass', ['first_name_ref'], unique=False)
    op.create_index('ix_voting_pass_last_name_ref', 'voting_pass', ['last_name_ref'], unique=False)
    op.add_column('governance_round', sa.Column('archived', sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    op.add_column('governance_round', sa.Column('closing_deadline', sqlmodel.sql.sqltypes.UTCDateTime(),
                                                nullable=True))
    op.create_table(
        'voting_desk_ticket',
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('pass_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['governance_round.id']),
        sa.PrimaryKeyConstraint('token_hash'),
    )


def downgrade() -> None:
    op.drop_table('voting_desk_ticket')
    with op.batch_alter_table('governance_round', schema=None) as batch_op:
        batch_op.drop_column('closing_deadline')
        batch_op.drop_column('archived')
    op.drop_index('ix_voting_pass_last_name_ref', table_name='voting_pass')
    op.drop_index('ix_voting_pass_first_name_ref', table_name='voting_pass')
    op.drop_column('voting_pass', 'last_name_ref')
    op.drop_column('voting_pass', 'first_name_ref')
    op.drop_column('voting_pass', 'opened_at')
    op.drop_column('voting_pass', 'voided')
