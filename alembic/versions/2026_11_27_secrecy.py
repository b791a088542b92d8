"""ballot secrecy in the log

Revision ID: secrecy
Revises: 0003
Create Date: 2026-11-27

The ballot box splits in two: `voting_ballot` (random id, nonce, choices, batch) and
`voting_receipt` (tracking code, batch), with nothing joining them (docs/secrecy.md). Checkpoints
become signed notes and, like the log, refuse UPDATE and DELETE.

Ballots cast before this migration keep their choices and tracking codes, each given a fresh
nonce; their rounds' logs hold the old per-ballot entries, which `audit verify` reports as such.
"""

import secrets

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'secrecy'
down_revision = '0003'
branch_labels = None
depends_on = None


def _box_table(name: str) -> None:
    op.create_table(name,
                    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('round_id', sa.Integer(), nullable=False),
                    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('choices', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('batch', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id']),
                    sa.PrimaryKeyConstraint('id'),
                    sqlite_with_rowid=False)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table('voting_receipt',
                    sa.Column('tracking_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('round_id', sa.Integer(), nullable=False),
                    sa.Column('batch', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id']),
                    sa.PrimaryKeyConstraint('tracking_code'),
                    sqlite_with_rowid=False)
    op.create_index('ix_voting_receipt_round_batch', 'voting_receipt', ['round_id', 'batch'])
    op.create_table('voting_box_state',
                    sa.Column('round_id', sa.Integer(), nullable=False),
                    sa.Column('cast', sa.Integer(), nullable=False),
                    sa.Column('pending', sa.Integer(), nullable=False),
                    sa.Column('batches', sa.Integer(), nullable=False),
                    sa.Column('sealed_seq', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id']),
                    sa.PrimaryKeyConstraint('round_id'))
    _box_table('voting_ballot_new')
    # Copied in the order of their random keys: the new tables' storage order means nothing either.
    old = bind.execute(sa.text("SELECT id, round_id, tracking_code, choices FROM voting_ballot ORDER BY id")).all()
    for ballot_id, round_id, _tracking_code, choices in old:
        bind.execute(sa.text("INSERT INTO voting_ballot_new (id, round_id, nonce, choices) VALUES (:i, :r, :n, :c)"),
                     {"i": ballot_id, "r": round_id, "n": secrets.token_hex(16), "c": choices})
    for (tracking_code, round_id) in sorted((t, r) for _, r, t, _ in old):
        bind.execute(sa.text("INSERT INTO voting_receipt (tracking_code, round_id) VALUES (:t, :r)"),
                     {"t": tracking_code, "r": round_id})
    op.drop_index('ix_voting_ballot_round_id', table_name='voting_ballot')
    op.drop_table('voting_ballot')
    op.rename_table('voting_ballot_new', 'voting_ballot')
    op.create_index('ix_voting_ballot_round_batch', 'voting_ballot', ['round_id', 'batch'])

    op.add_column('audit_checkpoint', sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                                server_default=''))
    if sqlite:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_checkpoint_no_{verb.lower()} BEFORE {verb} ON audit_checkpoint "
                       "BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END")
    else:
        op.execute("CREATE FUNCTION audit_checkpoint_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'checkpoints are append-only'; END $$")
        op.execute("CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint "
                   "FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoint_append_only()")
    with op.batch_alter_table('audit_checkpoint') as batch_op:
        batch_op.drop_column('note')
    # The receipts cannot be joined back to their ballots (that is the point), so a downgrade
    # gives every old-style row a fresh tracking code and an empty hash.
    op.create_table('voting_ballot_old',
                    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('round_id', sa.Integer(), nullable=False),
                    sa.Column('tracking_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('choices', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('ballot_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.ForeignKeyConstraint(['round_id'], ['governance_round.id']),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('tracking_code'),
                    sqlite_with_rowid=False)
    bind.execute(sa.text("INSERT INTO voting_ballot_old (id, round_id, tracking_code, choices, ballot_hash) "
                         "SELECT id, round_id, id, choices, '' FROM voting_ballot"))
    op.drop_index('ix_voting_ballot_round_batch', table_name='voting_ballot')
    op.drop_table('voting_ballot')
    op.rename_table('voting_ballot_old', 'voting_ballot')
    op.create_index('ix_voting_ballot_round_id', 'voting_ballot', ['round_id'])
    op.drop_table('voting_box_state')
    op.drop_index('ix_voting_receipt_round_batch', table_name='voting_receipt')
    op.drop_table('voting_receipt')
