"""The audit bundle of a published round: everything needed to verify it offline, nothing personal.

A zip holding the log (this round's entries in full, every other entry as its hashes only, so the
chain still links), every checkpoint as a signed note, the anonymised ballots (nonce and choices,
sorted by nonce: their order says nothing), the Pabulib file, the published result, the public key
and a README. `python main.py audit verify --bundle FILE.zip` checks it without a database or a
secret (scrutiny/offline_verify.py); docs/audit-format.md says how to write another verifier.
"""

import io
import json
import zipfile

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import Session, select

from core import access, audit
from core.audit import AuditCheckpoint, AuditEvent
from core.web import SessionDep
from governance import repository as governance_repo
from governance.models import VoteStatus
from voting import repository as voting_repo
from voting.errors import ResultsNotPublished
from voting.export import pabulib_for_round

FORMAT = "common-purse-audit-bundle/1"
router = APIRouter()

README = """Audit bundle of round {round_id} ({title})
=====================================================================

What is here
  manifest.json     the round, the format and the log size this bundle covers: the log up to its
                    newest signed checkpoint (entries after it are in a later bundle)
  log.jsonl         the audit log, one entry a line in log order. Entries about this round are
                    complete; every other entry is given by seq, prev_hash and hash only
                    ("redacted": true), so the hash chain still links from entry 1.
  checkpoints.jsonl every signed checkpoint; "note" is a C2SP signed note (origin, log size,
                    head hash in base64, then an Ed25519 signature line)
  ballots.jsonl     the anonymised ballots: batch, nonce and choices, sorted by nonce. No tracking
                    codes, no times, no order of casting.
  round.pb          the same ballots as a Pabulib file, to recount with pabutools
  result.json       the result as published (its SHA-256 is in the results.published entry)
  public-key.txt    the Ed25519 key found in this database (base64). Compare it with the key
                    published on the site (/api/v1/audit/public-key) before trusting it.

How to verify
  python main.py audit verify --bundle {filename} --public-key KEY

  It checks, with no database and no secret: the hash chain; every checkpoint's signature by KEY
  and that it matches the chain; every ballot's leaf, recomputed from its nonce and choices, is in
  its ballots.batched entry and every leaf in the log has its ballot; receipts = ballots = ballots
  cast; the Merkle root sealed at close, recomputed from every leaf; the published result, recounted
  from the ballots with the round's rule; the Pabulib file holds the same ballots.

Checking your own ballot
  The tracking code on your receipt gives receipt leaf SHA-256(0x00 || "receipt|{round_id}|CODE").
  It is in one ballots.batched entry and in the sealed tree; /rounds/{round_id}/check.json?code=CODE
  gives its inclusion proof. Nothing links it to your choices.

docs/audit-format.md (in the Common Purse source) has the exact encodings and hashing rules.
"""


def _jsonl(rows) -> str:
    return "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows)


def build_bundle(session: Session, round_id: int, filename: str = "bundle.zip") -> bytes:
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.vote_status != VoteStatus.published:
        raise ResultsNotPublished("A round's audit bundle holds its ballots, so it is published with the results.")
    subject = f"round:{round_id}"
    # The log as far as its newest signed checkpoint: what came after (a grant awarded, spend in
    # another round) is not signed yet, and an unsigned tail would make every bundle fail to verify
    # until the next checkpoint. It is in the next bundle taken after a later checkpoint.
    signed_up_to = session.exec(select(func.max(AuditCheckpoint.seq))).one() or 0
    entries = []
    for event in session.exec(select(AuditEvent).where(AuditEvent.seq <= signed_up_to).order_by(AuditEvent.seq)):
        if event.subject == subject:
            entries.append(audit.entry_as_dict(event))
        else:
            entries.append({"seq": event.seq, "prev_hash": event.prev_hash, "hash": event.hash, "redacted": True})
    checkpoints = [{"seq": c.seq, "hash": c.hash, "reason": c.reason, "signed_at": c.signed_at,
                    "public_key": c.public_key, "signature": c.signature, "note": c.note}
                   for c in session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))]
    ballots = sorted(({"batch": b.batch, "nonce": b.nonce, "choices": b.choices}
                      for b in voting_repo.ballots_of(session, round_id)), key=lambda b: b["nonce"])
    result = voting_repo.result_of(session, round_id)
    manifest = {"format": FORMAT, "round": round_id, "title": voting_round.title, "log_size": len(entries)}

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        bundle.writestr("log.jsonl", _jsonl(entries))
        bundle.writestr("checkpoints.jsonl", _jsonl(checkpoints))
        bundle.writestr("ballots.jsonl", _jsonl(ballots))
        bundle.writestr("round.pb", pabulib_for_round(session, round_id))
        bundle.writestr("result.json", result.outcome)
        bundle.writestr("public-key.txt", audit.public_key_b64() + "\n")
        bundle.writestr("README.txt", README.format(round_id=round_id, title=voting_round.title, filename=filename))
    return buffer.getvalue()


@access.public
@router.get("/rounds/{round_id}/audit-bundle.zip")
def audit_bundle(round_id: int, session: SessionDep):
    """The round's audit bundle, to verify offline with `python main.py audit verify --bundle`."""
    filename = f"round-{round_id}-audit-bundle.zip"
    return Response(build_bundle(session, round_id, filename), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
