"""The audit log: the domain-event table, append-only and hash-chained.

Each entry's hash is SHA-256(prev_hash || canonical entry). Altering, removing or reordering
any entry breaks every hash after it. Checkpoints sign the head hash with Ed25519 at the
moments that matter (a vote opens, closes and is sealed, results are published, and hourly
while a vote is open), as C2SP signed notes. Every checkpoint is also appended to a witness
file outside the database, so a copy of the database whose history was rewritten after its
checkpoints were deleted is still caught. docs/audit-format.md gives the exact rules.
"""

import base64
import contextlib
import hashlib
import json
import os
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import event as sa_event
from sqlmodel import Field, Session, SQLModel, select

from core.bus import DomainEvent
from core.settings import VAR_DIR, get_settings, write_private_file

GENESIS_HASH = "0" * 64


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: str
    actor_role: str
    actor_ref: str
    action: str = Field(index=True)
    subject: str = Field(index=True)
    payload: str
    prev_hash: str
    hash: str


class AuditHead(SQLModel, table=True):
    """One row: the newest entry. Locking it serialises appends, so the chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = GENESIS_HASH


_EVENT = AuditEvent.__table__
_HEAD = AuditHead.__table__


class AuditCheckpoint(SQLModel, table=True):
    __tablename__ = "audit_checkpoint"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: str
    reason: str
    signed_at: str
    public_key: str
    signature: str
    note: str = ""      # the C2SP signed note; empty only on checkpoints taken before notes existed


class AuditHourlyMark(SQLModel, table=True):
    """One row per subject (an open round) and clock hour that had its hourly checkpoint. The primary
    key is the guard that lets several workers run the hourly task: only one of them takes it."""

    __tablename__ = "audit_hourly_mark"

    subject: str = Field(primary_key=True)
    hour: str = Field(primary_key=True)      # "2026-11-28T11:00Z"
    seq: int                                 # the entry the checkpoint signed


@dataclass(frozen=True)
class Actor:
    """Who did something, as the log shows it: a role and a reference that is not personal data."""

    role: str
    ref: str


CLI_ACTOR = Actor(role="operator", ref="cli")
VOTER = Actor(role="voter", ref="anonymous")


def _json_default(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable in an audit payload: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def entry_hash(prev_hash: str, *, seq: int, at: str, actor_role: str, actor_ref: str, action: str,
               subject: str, payload: str) -> str:
    entry = canonical_json({
        "seq": seq, "at": at, "actor_role": actor_role, "actor_ref": actor_ref,
        "action": action, "subject": subject, "payload": payload,
    })
    return hashlib.sha256(bytes.fromhex(prev_hash) + entry.encode("utf-8")).hexdigest()


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# Built once: every ballot runs these inside the write lock, and a statement object that is
# reused keeps its compiled form.
_READ_HEAD = sa.select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_MOVE_HEAD = _HEAD.update().where(_HEAD.c.id == 1).values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
_INSERT_EVENT = _EVENT.insert()
_HELD_HEAD = "audit_head_held"


def _locked_head(session: Session) -> tuple[int, str]:
    """The head's (seq, hash), locked for this transaction. Read as a plain row, not an ORM
    object, so a head that `append` has moved since is never served stale from the session.

    Once locked it is remembered until the transaction ends: nobody else can move it meanwhile,
    and `append` keeps the remembered value current."""
    held = session.info.get(_HELD_HEAD)
    if held is not None:
        return held
    row = session.execute(_READ_HEAD).one()
    session.info[_HELD_HEAD] = (row.seq, row.hash)
    return row.seq, row.hash


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_held_head(session, transaction) -> None:
    # A released savepoint keeps the head it moved (the outer transaction still holds the lock);
    # the outer transaction's end releases the lock, so the head must be read again next time.
    if not transaction.nested:
        session.info.pop(_HELD_HEAD, None)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_head(session, _transaction) -> None:
    # Any rollback, a savepoint's included, may have moved the head back.
    session.info.pop(_HELD_HEAD, None)


def lock_head(session: Session) -> None:
    """Take the log's lock early, for a transaction that must lock its own rows after it: every
    writer then takes the head first, and two writers can never wait on each other."""
    _locked_head(session)


def append(session: Session, actor: Actor, action: str, subject: str, payload: dict[str, Any]) -> AuditEvent:
    """Append one entry in the caller's transaction; it is published on the bus after commit."""
    # Plain statements rather than the ORM's unit of work: every ballot appends, inside the write lock.
    head_seq, head_hash = _locked_head(session)
    seq = head_seq + 1
    at = now_utc()
    payload_text = canonical_json(payload)
    digest = entry_hash(head_hash, seq=seq, at=at, actor_role=actor.role, actor_ref=actor.ref,
                        action=str(action), subject=subject, payload=payload_text)
    row = {"seq": seq, "at": at, "actor_role": actor.role, "actor_ref": actor.ref, "action": str(action),
           "subject": subject, "payload": payload_text, "prev_hash": head_hash, "hash": digest}
    session.execute(_INSERT_EVENT, row)
    session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": digest})
    session.info[_HELD_HEAD] = (seq, digest)
    event = AuditEvent(**row)
    session.info.setdefault("events", []).append(
        DomainEvent(seq=seq, action=str(action), subject=subject, payload=payload))
    return event


# --- signing: checkpoints as C2SP signed notes ------------------------------------------------

KEY_NAME = "common-purse.audit"
ORIGIN_PREFIX = "common-purse.audit/"
HOURLY = timedelta(hours=1)


def signing_key() -> Ed25519PrivateKey:
    configured = get_settings().audit_signing_key
    if configured:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(configured))
    key_file = VAR_DIR / "audit-signing.key"
    if not key_file.exists():
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        with contextlib.suppress(FileExistsError):  # another worker made it a moment ago
            write_private_file(key_file, base64.b64encode(seed).decode())
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(Path(key_file).read_text()))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def public_key_b64() -> str:
    """The key that signs every checkpoint, as published on the site (base64 of the raw 32 bytes)."""
    return base64.b64encode(bytes.fromhex(public_key_hex(signing_key()))).decode()


def key_id(public_key: bytes) -> bytes:
    """C2SP signed-note key ID for an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(KEY_NAME.encode() + b"\n\x01" + public_key).digest()[:4]


def log_origin(first_entry_hash: str) -> str:
    """Each database's log names itself after its first entry, so notes of two logs never mix."""
    return ORIGIN_PREFIX + first_entry_hash[:16]


def note_body(origin: str, size: int, head_hash: str, reason: str) -> str:
    root = base64.b64encode(bytes.fromhex(head_hash)).decode()
    return f"{origin}\n{size}\n{root}\nreason {reason}\n"


def sign_note(body: str, key: Ed25519PrivateKey) -> str:
    public = bytes.fromhex(public_key_hex(key))
    signature = key.sign(body.encode("utf-8"))
    return f"{body}\n\u2014 {KEY_NAME} {base64.b64encode(key_id(public) + signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    origin: str
    size: int
    head_hash: str
    reason: str


def parse_note(text: str, public_key: bytes) -> Note:
    """Check a signed note's signature by `public_key` and read it; ValueError says what is wrong."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise ValueError("it is not a signed note (no blank line before the signatures)")
    body += "\n"
    lines = body.splitlines()
    if len(lines) < 3 or not (lines[1].isascii() and lines[1].isdigit()):
        raise ValueError("its body is not origin, size and root hash")
    for line in signatures.splitlines():
        dash, _, rest = line.partition(" ")
        name, _, blob = rest.partition(" ")
        if dash != "\u2014" or name != KEY_NAME:
            continue
        raw = base64.b64decode(blob, validate=True)
        if raw[:4] != key_id(public_key):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(raw[4:], body.encode("utf-8"))
        except InvalidSignature:
            raise ValueError("its signature is bad") from None
        reason = next((x.removeprefix("reason ") for x in lines[3:] if x.startswith("reason ")), "")
        return Note(origin=lines[0], size=int(lines[1]), head_hash=base64.b64decode(lines[2]).hex(), reason=reason)
    raise ValueError("it is not signed by the trusted key")


def witness_path() -> Path:
    configured = get_settings().audit_witness_file
    return Path(configured) if configured else VAR_DIR / "audit-witness.txt"


def _write_witness(notes: list[str]) -> None:
    path = witness_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write per note with O_APPEND: two processes appending at once never interleave a line.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        for note in notes:
            os.write(fd, (json.dumps(note) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def read_witness(path: Path | None = None) -> list[str] | None:
    """The witnessed notes, or None when there is no witness file."""
    path = path or witness_path()
    if not path.exists():
        return None
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            notes.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash mid-write vouches for nothing
    return notes


def checkpoint(session: Session, reason: str) -> AuditCheckpoint:
    """Sign the current head. Call after the entry it vouches for was appended."""
    head_seq, head_hash = _locked_head(session)
    existing = session.get(AuditCheckpoint, head_seq)
    if existing is not None:  # checkpoints are append-only too: one per head
        return existing
    first = session.get(AuditEvent, 1)
    key = signing_key()
    note = sign_note(note_body(log_origin(first.hash if first else GENESIS_HASH), head_seq, head_hash, reason), key)
    signature = key.sign(checkpoint_message(head_seq, head_hash, reason))
    row = AuditCheckpoint(seq=head_seq, hash=head_hash, reason=reason, signed_at=now_utc(),
                          public_key=public_key_hex(key), signature=signature.hex(), note=note)
    session.add(row)
    session.flush()
    # The witness file is written only once the checkpoint is committed, so it never vouches
    # for a head that was rolled back.
    pending = session.info.setdefault("witness_notes", [])
    if not pending:
        sa_event.listen(session, "after_commit", _flush_witness, once=True)
        sa_event.listen(session, "after_rollback", _drop_witness, once=True)
    pending.append(note)
    return row


def _flush_witness(session) -> None:
    _write_witness(session.info.pop("witness_notes", []))


def _drop_witness(session) -> None:
    session.info.pop("witness_notes", None)


# The newest checkpoint this process has seen signed, per engine, so that every ballot need not
# ask the log; a checkpoint it signs itself is seen by the next ballot, once committed.
_latest_checkpoint_seen: "weakref.WeakKeyDictionary[Any, datetime]" = weakref.WeakKeyDictionary()


def checkpoint_if_stale(session: Session, reason: str, max_age: timedelta = HOURLY) -> None:
    """While a vote is open the log is signed at least hourly, lazily on the next append."""
    engine = session.get_bind()
    now = datetime.now(UTC)
    seen = _latest_checkpoint_seen.get(engine)
    if seen is not None and seen >= now - max_age:
        return
    latest = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()
    signed = datetime.fromisoformat(latest.signed_at.replace("Z", "+00:00")) if latest is not None else None
    if signed is None or signed < now - max_age:
        checkpoint(session, reason)
        return
    _latest_checkpoint_seen[engine] = signed


def hour_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00Z")


def last_signed_about(session: Session, subject: str) -> datetime | None:
    """When the newest checkpoint whose reason names `subject` ("... round:3" or "... round:3 is open")
    was signed."""
    latest = session.exec(select(AuditCheckpoint).where(
        sa.or_(AuditCheckpoint.reason.endswith(f" {subject}"), AuditCheckpoint.reason.contains(f" {subject} ")))
        .order_by(AuditCheckpoint.seq.desc()).limit(1)).first()
    return datetime.fromisoformat(latest.signed_at.replace("Z", "+00:00")) if latest is not None else None


def checkpoint_hourly(session: Session, actor: Actor, action: str, subject: str, payload: dict[str, Any],
                      now: datetime, max_age: timedelta = HOURLY) -> AuditCheckpoint | None:
    """The hourly checkpoint of `subject`, if it is due: nothing about it was signed within `max_age`
    and no checkpoint was taken for it in this clock hour. An entry saying so is appended first, so
    the checkpoint signs a new head even when nothing else happened in the hour (checkpoints are one
    per head). Several workers may call this at once: the log's lock serialises them, and the mark's
    primary key turns away a second checkpoint for the same subject and hour."""
    _locked_head(session)  # every writer takes the head first, so the checks below see the others' work
    hour = hour_of(now)
    if session.get(AuditHourlyMark, (subject, hour)) is not None:
        return None
    signed = last_signed_about(session, subject)
    if signed is not None and signed > now - max_age:
        return None
    entry = append(session, actor, action, subject, {**payload, "hour": hour})
    session.add(AuditHourlyMark(subject=subject, hour=hour, seq=entry.seq))
    session.flush()
    return checkpoint(session, f"hourly while {subject} is open")


def checkpoint_message(seq: int, digest: str, reason: str) -> bytes:
    """What checkpoints taken before signed notes signed; still checked on those old rows."""
    return f"common-purse checkpoint|{seq}|{digest}|{reason}".encode()


# --- verification --------------------------------------------------------------------------

@dataclass
class ChainReport:
    ok: bool
    entries: int
    head_hash: str
    checkpoints: int
    problem: str | None = None
    warnings: list[str] | None = None


def _describe(entry: dict[str, Any]) -> str:
    return f"entry {entry['seq']} ({entry.get('action', 'redacted')} {entry.get('subject', '')})".replace(" )", ")")


def verify_entries(entries: list[dict[str, Any]], checkpoints: list[dict[str, Any]],
                   stored_head: tuple[int, str] | None = None, trusted_key: str | None = None,
                   witness: list[str] | None = None) -> ChainReport:
    """Re-walk the chain. Works on plain dicts so an offline bundle is checked the same way.

    An entry marked "redacted" (another round's, in a bundle) carries only seq, prev_hash and
    hash: it is linked into the chain but its content cannot be recomputed.
    """
    prev = GENESIS_HASH
    hashes: dict[int, str] = {}
    for expected_seq, entry in enumerate(entries, start=1):
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(False, expected_seq - 1, prev, 0,
                               f"entry {expected_seq} is missing (found entry {seq} in its place)")
        if entry["prev_hash"] != prev:
            return ChainReport(False, seq - 1, prev, 0, f"{_describe(entry)}: prev_hash does not "
                               "match the hash of the entry before it")
        if entry.get("redacted"):
            digest = entry["hash"]
        else:
            digest = entry_hash(prev, seq=seq, at=entry["at"], actor_role=entry["actor_role"],
                                actor_ref=entry["actor_ref"], action=entry["action"], subject=entry["subject"],
                                payload=entry["payload"])
            if digest != entry["hash"]:
                return ChainReport(False, seq - 1, prev, 0,
                                   f"{_describe(entry)} was altered: its content does not match its hash")
        hashes[seq] = digest
        prev = digest
    if stored_head is not None and stored_head != (len(entries), prev):
        return ChainReport(False, len(entries), prev, 0,
                           f"the log head says entry {stored_head[0]} but the log ends at entry {len(entries)}: "
                           "entries were removed or added outside the application")
    origin = log_origin(hashes.get(1, GENESIS_HASH))
    last_size = 0
    for cp in checkpoints:
        where = f"checkpoint at entry {cp['seq']} ({cp['reason']})"
        if hashes.get(cp["seq"]) != cp["hash"]:
            return ChainReport(False, len(entries), prev, 0, f"{where} does not match the log")
        if trusted_key is not None and cp["public_key"] != trusted_key:
            return ChainReport(False, len(entries), prev, 0, f"{where} is signed by an unknown key")
        if cp.get("note"):
            try:
                note = parse_note(cp["note"], bytes.fromhex(cp["public_key"]))
            except ValueError as bad:
                return ChainReport(False, len(entries), prev, 0, f"{where}: {bad}")
            if (note.origin, note.size, note.head_hash) != (origin, cp["seq"], cp["hash"]):
                return ChainReport(False, len(entries), prev, 0,
                                   f"{where}: its signed note names another log, size or head")
            if note.size < last_size:
                return ChainReport(False, len(entries), prev, 0, f"{where} is out of order")
            last_size = note.size
        else:
            try:
                Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp["public_key"])).verify(
                    bytes.fromhex(cp["signature"]), checkpoint_message(cp["seq"], cp["hash"], cp["reason"]))
            except (InvalidSignature, ValueError):
                return ChainReport(False, len(entries), prev, 0, f"{where} has a bad signature")
    warnings = []
    if witness is None:
        warnings.append("no witness file: checkpoints were not compared with it")
    else:
        problem = _check_witness(witness, origin, hashes, trusted_key, len(checkpoints))
        if problem:
            return ChainReport(False, len(entries), prev, 0, problem)
    return ChainReport(True, len(entries), prev, len(checkpoints), warnings=warnings)


def _check_witness(witness: list[str], origin: str, hashes: dict[int, str], trusted_key: str | None,
                   checkpoint_count: int) -> str | None:
    """Every note the witness file holds for this log must still match it."""
    seen = 0
    for text in witness:
        if not text.startswith(origin + "\n"):
            continue  # another database's log
        lines = text.split("\n")
        size, head = int(lines[1]), base64.b64decode(lines[2]).hex()
        if trusted_key is not None:
            try:
                parse_note(text, bytes.fromhex(trusted_key))
            except ValueError:
                continue  # a line nobody with the key wrote vouches for nothing
        seen += 1
        if size > len(hashes):
            return (f"the witness file holds a checkpoint at entry {size} but the log ends at entry {len(hashes)}: "
                    "the tail of the log was cut off")
        if hashes[size] != head:
            return (f"entry {size} does not match the checkpoint the witness file holds for it: "
                    "history was rewritten")
    if seen == 0 and checkpoint_count > 0:
        return ("the witness file holds no checkpoint of this log although the log has checkpoints: the log was "
                "rewritten from its first entry, or this is not the witness file of this database")
    return None


def entry_as_dict(event: AuditEvent) -> dict[str, Any]:
    return event.model_dump()


def verify_chain(session: Session, trusted_key: str | None = None, *, use_witness: bool = True) -> ChainReport:
    entries = [entry_as_dict(e) for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    checkpoints = [c.model_dump() for c in session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))]
    head = session.get(AuditHead, 1)
    stored = (head.seq, head.hash) if head else None
    witness = read_witness() if use_witness else None
    return verify_entries(entries, checkpoints, stored, trusted_key, witness)
