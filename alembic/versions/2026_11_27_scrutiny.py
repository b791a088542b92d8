"""scrutiny queries and register purges

Revision ID: scrutiny
Revises: 0003
Create Date: 2026-11-27

Scrutiny's own tables: queries raised on the audit log (their texts; the log holds their hashes)
and the counts a round's register is reduced to once its retention period is over.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'scrutiny'
down_revision = 'desk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scrutiny_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('about', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('raised_by', sa.Integer(), nullable=False),
    sa.Column('raised_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['governance_staff.id'], ),
    sa.ForeignKeyConstraint(['partnership_id'], ['governance_partnership.id'], ),
    sa.ForeignKeyConstraint(['raised_by'], ['governance_staff.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scrutiny_query', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scrutiny_query_about'), ['about'], unique=False)
        batch_op.create_index(batch_op.f('ix_scrutiny_query_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('scrutiny_register_purge',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('purged_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('desk_passes', sa.Integer(), nullable=False),
    sa.Column('batch_passes', sa.Integer(), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )


def downgrade() -> None:
    op.drop_table('scrutiny_register_purge')
    with op.batch_alter_table('scrutiny_query', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scrutiny_query_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_scrutiny_query_about'))

    op.drop_table('scrutiny_query')
