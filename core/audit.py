"""The audit log: the domain-event table, append-only and hash-chained.

Each entry's hash is SHA-256(prev_hash || canonical entry). Altering, removing or reordering
any entry breaks every hash after it. Checkpoints sign the head hash with Ed25519 at the
moments that matter (a vote opens, closes, results are published).
"""

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
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


class AuditCheckpoint(SQLModel, table=True):
    __tablename__ = "audit_checkpoint"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: str
    reason: str
    signed_at: str
    public_key: str
    signature: str


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


def append(session: Session, actor: Actor, action: str, subject: str, payload: dict[str, Any]) -> AuditEvent:
    """Append one entry in the caller's transaction; it is published on the bus after commit."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    seq = head.seq + 1
    at = now_utc()
    payload_text = canonical_json(payload)
    digest = entry_hash(head.hash, seq=seq, at=at, actor_role=actor.role, actor_ref=actor.ref,
                        action=str(action), subject=subject, payload=payload_text)
    event = AuditEvent(seq=seq, at=at, actor_role=actor.role, actor_ref=actor.ref, action=str(action),
                       subject=subject, payload=payload_text, prev_hash=head.hash, hash=digest)
    head.seq, head.hash = seq, digest
    session.add(event)
    session.add(head)
    session.flush()
    session.info.setdefault("events", []).append(
        DomainEvent(seq=seq, action=str(action), subject=subject, payload=payload))
    return event


# --- signing -------------------------------------------------------------------------------

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


def checkpoint_message(seq: int, digest: str, reason: str) -> bytes:
    return f"common-purse checkpoint|{seq}|{digest}|{reason}".encode()


def checkpoint(session: Session, reason: str) -> AuditCheckpoint:
    """Sign the current head. Call after the entry it vouches for was appended."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    key = signing_key()
    signature = key.sign(checkpoint_message(head.seq, head.hash, reason))
    row = AuditCheckpoint(seq=head.seq, hash=head.hash, reason=reason, signed_at=now_utc(),
                          public_key=public_key_hex(key), signature=signature.hex())
    session.merge(row)
    session.flush()
    return row


# --- verification --------------------------------------------------------------------------

@dataclass
class ChainReport:
    ok: bool
    entries: int
    head_hash: str
    checkpoints: int
    problem: str | None = None


def verify_entries(entries: list[dict[str, Any]], checkpoints: list[dict[str, Any]],
                   stored_head: tuple[int, str] | None = None, trusted_key: str | None = None) -> ChainReport:
    """Re-walk the chain. Works on plain dicts so an offline bundle is checked the same way."""
    prev = GENESIS_HASH
    hashes: dict[int, str] = {}
    for expected_seq, entry in enumerate(entries, start=1):
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(False, expected_seq - 1, prev, 0,
                               f"entry {expected_seq} is missing (found entry {seq} in its place)")
        if entry["prev_hash"] != prev:
            return ChainReport(False, seq - 1, prev, 0, f"entry {seq} ({entry['action']}): prev_hash does not "
                               "match the hash of the entry before it")
        digest = entry_hash(prev, seq=seq, at=entry["at"], actor_role=entry["actor_role"],
                            actor_ref=entry["actor_ref"], action=entry["action"], subject=entry["subject"],
                            payload=entry["payload"])
        if digest != entry["hash"]:
            return ChainReport(False, seq - 1, prev, 0,
                               f"entry {seq} ({entry['action']} {entry['subject']}) was altered: its content "
                               "does not match its hash")
        hashes[seq] = digest
        prev = digest
    if stored_head is not None and stored_head != (len(entries), prev):
        return ChainReport(False, len(entries), prev, 0,
                           f"the log head says entry {stored_head[0]} but the log ends at entry {len(entries)}: "
                           "entries were removed or added outside the application")
    for cp in checkpoints:
        if hashes.get(cp["seq"]) != cp["hash"]:
            return ChainReport(False, len(entries), prev, 0,
                               f"checkpoint at entry {cp['seq']} ({cp['reason']}) does not match the log")
        if trusted_key is not None and cp["public_key"] != trusted_key:
            return ChainReport(False, len(entries), prev, 0,
                               f"checkpoint at entry {cp['seq']} ({cp['reason']}) is signed by an unknown key")
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp["public_key"])).verify(
                bytes.fromhex(cp["signature"]), checkpoint_message(cp["seq"], cp["hash"], cp["reason"]))
        except (InvalidSignature, ValueError):
            return ChainReport(False, len(entries), prev, 0,
                               f"checkpoint at entry {cp['seq']} ({cp['reason']}) has a bad signature")
    return ChainReport(True, len(entries), prev, len(checkpoints))


def entry_as_dict(event: AuditEvent) -> dict[str, Any]:
    return event.model_dump()


def verify_chain(session: Session, trusted_key: str | None = None) -> ChainReport:
    entries = [entry_as_dict(e) for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    checkpoints = [c.model_dump() for c in session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))]
    head = session.get(AuditHead, 1)
    stored = (head.seq, head.hash) if head else None
    return verify_entries(entries, checkpoints, stored, trusted_key)
