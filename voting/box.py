"""The ballot box in the log: shuffled batches of leaves while the vote is open, a Merkle root at close.

Why this shape (docs/secrecy.md): nothing stored or published may tie a ballot to a moment finer
than a batch of at least BATCH_SIZE ballots, yet every acknowledged ballot must be provably
recorded and unchanged. So casting logs only a count; ballots and receipts enter the log in
batches, each list sorted (order says nothing); at close the box is sealed by a Merkle root over
every leaf (RFC 9162 hashing, core/merkle.py), and a voter proves their receipt is in it.

Leaf data (docs/audit-format.md):
    ballot leaf  = SHA-256(0x00 || "ballot|<round>|<nonce>|<choices>")
    receipt leaf = SHA-256(0x00 || "receipt|<round>|<tracking code>")
"""

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, select

from core import audit, merkle
from core.audit import VOTER, Actor, AuditCheckpoint, AuditEvent
from governance.models import Round, VoteStatus
from voting import repository as voting_repo
from voting.errors import VoteNotOpen
from voting.events import VotingEvent
from voting.models import Ballot, BallotBoxState, BallotReceipt

BATCH_SIZE = 20
# Batching waits for twice the batch size, then takes a random half: every batch holds at least
# BATCH_SIZE ballots, and which of the pending ballots went first says nothing about when they came.
BATCH_TRIGGER = 2 * BATCH_SIZE
BOX_ACTOR = Actor(role="system", ref="ballot-box")
_random = secrets.SystemRandom()


def ballot_leaf(round_id: int, nonce: str, choices: str) -> bytes:
    return merkle.leaf_hash(f"ballot|{round_id}|{nonce}|{choices}".encode())


def receipt_leaf(round_id: int, tracking_code: str) -> bytes:
    return merkle.leaf_hash(f"receipt|{round_id}|{tracking_code}".encode())


def sealed_leaves(ballot_leaves: list[bytes], receipt_leaves: list[bytes]) -> list[bytes]:
    """The sealed tree's leaves: every ballot and receipt leaf of the round, sorted by value."""
    return sorted(ballot_leaves + receipt_leaves)


def open_box(session: Session, round_id: int) -> None:
    if voting_repo.box_state(session, round_id) is None:
        session.add(BallotBoxState(round_id=round_id))
        session.flush()


@dataclass(frozen=True)
class BoxCount:
    cast: int     # ballots acknowledged, this one included
    pending: int  # of those, not yet in a batch


def record_cast(session: Session, round_id: int, ballots: int = 1) -> BoxCount:
    """Count `ballots` more acknowledged ballots; the running count is all the log learns at casting."""
    audit.lock_head(session)  # the chair's close takes the head, then this row: same order here
    counted = voting_repo.count_cast(session, round_id, ballots)
    if counted is not None:
        return BoxCount(*counted)
    state = voting_repo.box_state(session, round_id, for_update=True)
    if state is not None:  # the vote closed while these ballots waited for the lock
        raise VoteNotOpen("Voting is not open for this round.")
    # A round opened before the box kept counts.
    session.add(BallotBoxState(round_id=round_id, cast=ballots, pending=ballots))
    session.flush()
    return BoxCount(cast=ballots, pending=ballots)


def batch_if_due(session: Session, round_id: int, pending: int) -> None:
    """Batch while at least BATCH_TRIGGER ballots are pending (a group's ballots are counted
    together, so the count can pass the mark by more than one)."""
    while pending >= BATCH_TRIGGER:
        state = voting_repo.box_state(session, round_id, for_update=True)
        _batch(session, state, BATCH_SIZE)
        pending = state.pending


def count_casts(session: Session, channels: list[str], *, round_id: int) -> None:
    """Count ballots just put in the box, one per entry of `channels` (the channel each came by):
    the box's running counts, the channel counts, one `ballot.cast` entry each, then any batch
    that came due and the hourly checkpoint. The kiosk and the API leave this to the end of their
    group commit, so the log's head is locked for this step alone (core/group_commit.py)."""
    counted = record_cast(session, round_id, len(channels))
    for channel, ballots in sorted(Counter(channels).items()):
        voting_repo.count_ballot_channel(session, round_id, channel, ballots)
    for cast in range(counted.cast - len(channels) + 1, counted.cast + 1):
        audit.append(session, VOTER, VotingEvent.ballot_cast, f"round:{round_id}", {"ballots": cast})
    batch_if_due(session, round_id, counted.pending)
    audit.checkpoint_if_stale(session, f"hourly while round:{round_id} is open")


def _batch(session: Session, state: BallotBoxState, size: int | None) -> None:
    """Move `size` random pending ballots and receipts (all, when None) into the next batch.

    Ballots and receipts are drawn independently: nothing joins a receipt to its ballot, so a
    tracking code's batch does not even say which batch its ballot is in. Rows are deleted and
    written again in shuffled order, so on PostgreSQL neither heap position nor xmin keeps the
    casting order (what remains is in docs/secrecy.md).
    """
    ballots = voting_repo.pending_ballots(session, state.round_id)
    receipts = voting_repo.pending_receipts(session, state.round_id)
    if size is not None:
        ballots, receipts = _random.sample(ballots, size), _random.sample(receipts, size)
    if not ballots and not receipts:
        return
    number = state.batches + 1
    fresh_ballots = [Ballot(id=b.id, round_id=b.round_id, nonce=b.nonce, choices=b.choices, batch=number)
                     for b in ballots]
    fresh_receipts = [BallotReceipt(tracking_code=r.tracking_code, round_id=r.round_id, batch=number)
                      for r in receipts]
    for row in ballots + receipts:
        session.delete(row)
    session.flush()
    _random.shuffle(fresh_ballots)
    _random.shuffle(fresh_receipts)
    session.add_all(fresh_ballots)
    session.flush()
    session.add_all(fresh_receipts)
    session.flush()
    state.batches = number
    state.pending -= len(ballots)
    session.add(state)
    audit.append(session, BOX_ACTOR, VotingEvent.ballots_batched, f"round:{state.round_id}", {
        "batch": number,
        "ballot_leaves": sorted(ballot_leaf(b.round_id, b.nonce, b.choices).hex() for b in fresh_ballots),
        "receipt_leaves": sorted(receipt_leaf(r.round_id, r.tracking_code).hex() for r in fresh_receipts),
    })


def seal_ballot_box(session: Session, actor: Actor, round_id: int) -> AuditEvent:
    """At close: batch whatever is pending, then sign the box's Merkle root into the log."""
    state = voting_repo.box_state(session, round_id, for_update=True)
    if state is None:
        state = BallotBoxState(round_id=round_id)
        session.add(state)
        session.flush()
    _batch(session, state, None)
    ballots = voting_repo.ballots_of(session, round_id)
    receipts = voting_repo.receipts_of(session, round_id)
    leaves = sealed_leaves([ballot_leaf(round_id, b.nonce, b.choices) for b in ballots],
                           [receipt_leaf(round_id, r.tracking_code) for r in receipts])
    entry = audit.append(session, actor, VotingEvent.ballot_box_sealed, f"round:{round_id}", {
        "cast": state.cast, "ballots": len(ballots), "receipts": len(receipts), "batches": state.batches,
        "tree_size": len(leaves), "root": merkle.root(leaves).hex(),
    })
    state.sealed_seq = entry.seq
    session.add(state)
    session.flush()
    return entry


# --- the voter's check ------------------------------------------------------------------------

@dataclass
class BallotCheck:
    """What a tracking code shows: where its receipt is in the log and whether the box still
    matches what was sealed. Never the choices."""

    tracking_code: str
    receipt_leaf: str
    stage: str                      # pending | batched | sealed
    batch: int | None = None
    batch_entry: int | None = None
    box_matches: bool | None = None
    problem: str | None = None
    counted: bool = False
    sealed_entry: int | None = None
    tree_size: int | None = None
    root: str | None = None
    leaf_index: int | None = None
    proof: list[str] = field(default_factory=list)
    proof_verified: bool = False
    checkpoint: str | None = None

    def as_json(self) -> dict:
        return {
            "tracking_code": self.tracking_code, "stage": self.stage, "receipt_leaf": self.receipt_leaf,
            "batch": self.batch, "batch_entry": self.batch_entry, "box_matches": self.box_matches,
            "problem": self.problem, "counted": self.counted,
            "inclusion": None if self.stage != "sealed" else {
                "sealed_entry": self.sealed_entry, "tree_size": self.tree_size, "root": self.root,
                "leaf_index": self.leaf_index, "proof": self.proof, "verified": self.proof_verified,
                "checkpoint": self.checkpoint,
                "hashing": "RFC 9162: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right)",
            },
        }


def _trusted_entry(session: Session, seq: int) -> AuditEvent | None:
    """The log entry at seq, if its content still matches its hash."""
    entry = session.get(AuditEvent, seq)
    if entry is None:
        return None
    digest = audit.entry_hash(entry.prev_hash, seq=entry.seq, at=entry.at, actor_role=entry.actor_role,
                              actor_ref=entry.actor_ref, action=entry.action, subject=entry.subject,
                              payload=entry.payload)
    return entry if digest == entry.hash else None


def _signed_checkpoint(session: Session, entry: AuditEvent) -> str | None:
    """The signed note vouching for this entry, checked against the published key."""
    cp = session.get(AuditCheckpoint, entry.seq)
    if cp is None or not cp.note:
        return None
    try:
        note = audit.parse_note(cp.note, bytes.fromhex(audit.public_key_hex(audit.signing_key())))
    except ValueError:
        return None
    return cp.note if (note.size, note.head_hash) == (entry.seq, entry.hash) else None


def check_receipt(session: Session, voting_round: Round, receipt: BallotReceipt) -> BallotCheck:
    leaf = receipt_leaf(voting_round.id, receipt.tracking_code)
    check = BallotCheck(tracking_code=receipt.tracking_code, receipt_leaf=leaf.hex(), stage="pending",
                        batch=receipt.batch)
    state = voting_repo.box_state(session, voting_round.id)
    if state is not None and state.sealed_seq is not None:
        return _check_sealed(session, voting_round, state, leaf, check)
    if receipt.batch is not None:
        return _check_batch(session, voting_round, receipt.batch, leaf, check)
    return check


def _check_batch(session: Session, voting_round: Round, batch: int, leaf: bytes, check: BallotCheck) -> BallotCheck:
    check.stage = "batched"
    entries = session.exec(select(AuditEvent).where(AuditEvent.action == VotingEvent.ballots_batched,
                                                    AuditEvent.subject == f"round:{voting_round.id}"))
    for entry in entries:
        payload = json.loads(entry.payload)
        if payload["batch"] != batch:
            continue
        check.batch_entry = entry.seq
        in_box = sorted(ballot_leaf(voting_round.id, b.nonce, b.choices).hex()
                        for b in voting_repo.ballots_in_batch(session, voting_round.id, batch))
        check.box_matches = (_trusted_entry(session, entry.seq) is not None and leaf.hex() in payload["receipt_leaves"]
                             and in_box == payload["ballot_leaves"])
        break
    if not check.box_matches:
        check.box_matches = False
        check.problem = f"batch {batch} in the ballot box does not match its entry in the public log"
    return check


def _check_sealed(session: Session, voting_round: Round, state: BallotBoxState, leaf: bytes,
                  check: BallotCheck) -> BallotCheck:
    check.stage = "sealed"
    check.sealed_entry = state.sealed_seq
    entry = _trusted_entry(session, state.sealed_seq)
    if entry is None or entry.action != VotingEvent.ballot_box_sealed or entry.subject != f"round:{voting_round.id}":
        check.box_matches = False
        check.problem = "the log entry that sealed the ballot box is missing or was altered"
        return check
    check.checkpoint = _signed_checkpoint(session, entry)
    sealed = json.loads(entry.payload)
    leaves = sealed_leaves(
        [ballot_leaf(voting_round.id, b.nonce, b.choices) for b in voting_repo.ballots_of(session, voting_round.id)],
        [receipt_leaf(voting_round.id, r.tracking_code) for r in voting_repo.receipts_of(session, voting_round.id)])
    check.tree_size, check.root = sealed["tree_size"], sealed["root"]
    check.box_matches = (check.checkpoint is not None and len(leaves) == sealed["tree_size"]
                         and merkle.root(leaves).hex() == sealed["root"])
    if not check.box_matches:
        check.problem = ("the ballot box does not match the sealed record in the public log: it was changed "
                         "after the vote closed")
        return check
    check.leaf_index = leaves.index(leaf)
    proof = merkle.inclusion_proof(check.leaf_index, leaves)
    check.proof = [p.hex() for p in proof]
    check.proof_verified = merkle.verify_inclusion(leaf, check.leaf_index, len(leaves), proof,
                                                   bytes.fromhex(sealed["root"]))
    check.counted = check.proof_verified and voting_round.vote_status == VoteStatus.published
    return check
