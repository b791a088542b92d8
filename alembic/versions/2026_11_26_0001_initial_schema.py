"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26

The audit log is append-only in the database too: triggers refuse UPDATE and DELETE on
audit_event, so only someone who can drop triggers can rewrite history, and `audit verify`
catches them.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('audit_event',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_subject'), ['subject'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('governance_partnership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('governance_partnership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_partnership_slug'), ['slug'], unique=True)

    op.create_table('governance_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('oidc_subject', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('oidc_subject')
    )
    with op.batch_alter_table('governance_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_staff_username'), ['username'], unique=True)

    op.create_table('governance_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['governance_partnership.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['governance_staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partnership_id', 'staff_id', 'role')
    )
    with op.batch_alter_table('governance_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_membership_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_membership_staff_id'), ['staff_id'], unique=False)

    op.create_table('governance_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('fund_source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('eligible_postcodes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('priorities', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phase', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('highest_phase', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ballot_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('score_min', sa.Integer(), nullable=False),
    sa.Column('score_max', sa.Integer(), nullable=False),
    sa.Column('min_picks', sa.Integer(), nullable=False),
    sa.Column('max_picks', sa.Integer(), nullable=True),
    sa.Column('counting_rule', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('vote_status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['governance_partnership.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('governance_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_round_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('proposals_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('delivered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('proposals_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_proposal_round_id'), ['round_id'], unique=False)

    op.create_table('voting_ballot',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('choices', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ballot_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tracking_code'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('voting_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_ballot_round_id'), ['round_id'], unique=False)

    op.create_table('voting_idempotency',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('request_fingerprint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('tracking_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('key'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('voting_idempotency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_idempotency_round_id'), ['round_id'], unique=False)

    op.create_table('voting_pass',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('holder_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('issued_on', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('voting_pass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_pass_holder_ref'), ['holder_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_voting_pass_round_id'), ['round_id'], unique=False)

    op.create_table('voting_result',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ballots_counted', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )
    op.create_table('voting_pass_use',
    sa.Column('pass_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pass_id'], ['voting_pass.id'], ),
    sa.PrimaryKeyConstraint('pass_id'),
    sqlite_with_rowid=False
    )
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    else:
        op.execute("CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    op.drop_table('voting_pass_use')
    op.drop_table('voting_result')
    with op.batch_alter_table('voting_pass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_pass_round_id'))
        batch_op.drop_index(batch_op.f('ix_voting_pass_holder_ref'))

    op.drop_table('voting_pass')
    with op.batch_alter_table('voting_idempotency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_idempotency_round_id'))

    op.drop_table('voting_idempotency')
    with op.batch_alter_table('voting_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_ballot_round_id'))

    op.drop_table('voting_ballot')
    with op.batch_alter_table('proposals_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_proposal_round_id'))

    op.drop_table('proposals_proposal')
    with op.batch_alter_table('governance_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_round_partnership_id'))

    op.drop_table('governance_round')
    with op.batch_alter_table('governance_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_membership_staff_id'))
        batch_op.drop_index(batch_op.f('ix_governance_membership_partnership_id'))

    op.drop_table('governance_membership')
    with op.batch_alter_table('governance_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_staff_username'))

    op.drop_table('governance_staff')
    with op.batch_alter_table('governance_partnership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_partnership_slug'))

    op.drop_table('governance_partnership')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_subject'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    op.drop_table('audit_checkpoint')
