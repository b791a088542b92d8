"""staff invitations, meetings, minutes and decisions

Revision ID: partnership
Revises: screen
Create Date: 2026-11-28

One-time invitation links (kept as keyed hashes) that make staff accounts with a role; a
partnership's meetings with who attended, their minutes (drafted, approved at a later meeting,
corrected by new linked entries) and their decisions.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'partnership'
down_revision = 'proposals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'governance_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('invited_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['invited_by'], ['governance_staff.id']),
        sa.ForeignKeyConstraint(['partnership_id'], ['governance_partnership.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['governance_staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('governance_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_invitation_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_invitation_token_hash'), ['token_hash'], unique=True)

    op.create_table(
        'governance_meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('place', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('agenda', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('residents_attending', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['governance_partnership.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('governance_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_meeting_partnership_id'), ['partnership_id'], unique=False)

    op.create_table(
        'governance_meeting_attendance',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['governance_meeting.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['governance_staff.id']),
        sa.PrimaryKeyConstraint('meeting_id', 'staff_id'),
    )

    op.create_table(
        'governance_minutes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('corrects_id', sa.Integer(), nullable=True),
        sa.Column('approved_at_meeting_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['approved_at_meeting_id'], ['governance_meeting.id']),
        sa.ForeignKeyConstraint(['corrects_id'], ['governance_minutes.id']),
        sa.ForeignKeyConstraint(['meeting_id'], ['governance_meeting.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('governance_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_minutes_meeting_id'), ['meeting_id'], unique=False)

    op.create_table(
        'governance_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['governance_meeting.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('governance_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_decision_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    for table, index in (('governance_decision', 'meeting_id'), ('governance_minutes', 'meeting_id')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{index}'))
        op.drop_table(table)
    op.drop_table('governance_meeting_attendance')
    with op.batch_alter_table('governance_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_meeting_partnership_id'))
    op.drop_table('governance_meeting')
    with op.batch_alter_table('governance_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_invitation_token_hash'))
        batch_op.drop_index(batch_op.f('ix_governance_invitation_partnership_id'))
    op.drop_table('governance_invitation')
