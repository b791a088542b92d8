"""Verify an audit bundle with no database and no secret, following docs/audit-format.md.

The order of the checks is the order of trust: the chain and its signatures first (so every entry
read later is authentic), then the ballots against the batches and the sealed root, then the count.
The first problem found is reported, naming the entry, checkpoint, batch or ballot line.
"""

import base64
import hashlib
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from core import audit, merkle
from voting import box, counting, pabulib
from voting.events import VotingEvent
from voting.rules import count


class BundleProblem(Exception):
    pass


@dataclass
class BundleReport:
    round_id: int
    entries: int
    checkpoints: int
    ballots: int
    head_hash: str
    root: str
    warnings: list[str] = field(default_factory=list)


def _read(bundle: zipfile.ZipFile, name: str) -> str:
    try:
        return bundle.read(name).decode("utf-8")
    except KeyError:
        raise BundleProblem(f"the bundle has no {name}") from None


def _lines(text: str, name: str) -> list[dict]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            raise BundleProblem(f"{name} line {number} is not JSON") from None
    return rows


def verify_bundle(path: str, public_key_b64: str | None = None) -> BundleReport:
    """Raise BundleProblem naming the first bad entry; return what was checked when all is well."""
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(_read(bundle, "manifest.json"))
        entries = _lines(_read(bundle, "log.jsonl"), "log.jsonl")
        checkpoints = _lines(_read(bundle, "checkpoints.jsonl"), "checkpoints.jsonl")
        ballots = _lines(_read(bundle, "ballots.jsonl"), "ballots.jsonl")
        result_text = _read(bundle, "result.json")
        pb_text = _read(bundle, "round.pb")
        bundled_key = _read(bundle, "public-key.txt").strip()
    warnings = []
    if public_key_b64 is None:
        warnings.append("no --public-key given: trusting the key inside the bundle; compare it with the key "
                        "published on the site")
        public_key_b64 = bundled_key
    trusted = base64.b64decode(public_key_b64).hex()
    round_id = manifest["round"]
    subject = f"round:{round_id}"

    # 1. The chain and the signed checkpoints.
    # A bundle carries no witness file: its checkpoints are checked against the trusted key instead.
    report = audit.verify_entries(entries, checkpoints, None, trusted, witness=None)
    if not report.ok:
        raise BundleProblem(report.problem)
    own = [e for e in entries if not e.get("redacted")]
    if any(e["subject"] != subject for e in own):
        raise BundleProblem("the bundle holds complete entries of another subject than its round")
    signed_up_to = max((c["seq"] for c in checkpoints), default=0)
    if own and own[-1]["seq"] > signed_up_to:
        last = own[-1]
        raise BundleProblem(f"entry {last['seq']} ({last['action']} {last['subject']}) is not covered by any "
                            "signed checkpoint")

    # 2. What the log says about the round.
    opened, sealed, published, cast = None, None, None, 0
    batches: dict[int, tuple[int, dict]] = {}
    for entry in own:
        payload = json.loads(entry["payload"])
        if entry["action"] == VotingEvent.vote_opened:
            opened = payload
        elif entry["action"] == VotingEvent.ballot_cast:
            cast += 1
        elif entry["action"] == VotingEvent.ballots_batched:
            batches[payload["batch"]] = (entry["seq"], payload)
        elif entry["action"] == VotingEvent.ballot_box_sealed:
            sealed = (entry["seq"], payload)
        elif entry["action"] == VotingEvent.results_published:
            published = (entry["seq"], payload)
    if opened is None or sealed is None or published is None:
        raise BundleProblem(f"the log of round {round_id} has no vote.opened, ballot_box.sealed or "
                            "results.published entry")

    # 3. Every ballot's leaf is in its batch, and every batch's leaf has its ballot.
    expected = {n: Counter(p["ballot_leaves"]) for n, (_, p) in batches.items()}
    ballot_leaves = []
    for line, ballot in enumerate(ballots, start=1):
        leaf = box.ballot_leaf(round_id, ballot["nonce"], ballot["choices"])
        if expected.get(ballot["batch"], Counter())[leaf.hex()] == 0:
            raise BundleProblem(f"ballots.jsonl line {line} (nonce {ballot['nonce']}) matches no leaf of batch "
                                f"{ballot['batch']} in the log: it was altered or added")
        expected[ballot["batch"]][leaf.hex()] -= 1
        ballot_leaves.append(leaf)
    for number, (seq, _) in sorted(batches.items()):
        missing = sum((+expected[number]).values())
        if missing:
            raise BundleProblem(f"batch {number} (entry {seq}) lists {missing} ballot leaf(s) with no ballot in "
                                "ballots.jsonl: ballots were removed")
    receipt_leaves = [bytes.fromhex(h) for _, p in batches.values() for h in p["receipt_leaves"]]
    seal_seq, seal = sealed
    if not len(ballots) == len(receipt_leaves) == cast == seal["ballots"] == seal["receipts"]:
        raise BundleProblem(f"entry {seal_seq} (ballot_box.sealed): {cast} ballots cast, {len(ballots)} ballots and "
                            f"{len(receipt_leaves)} receipts in the batches, {seal['ballots']} sealed")

    # 4. The sealed root, recomputed from every leaf.
    leaves = box.sealed_leaves(ballot_leaves, receipt_leaves)
    root = merkle.root(leaves).hex()
    if len(leaves) != seal["tree_size"] or root != seal["root"]:
        raise BundleProblem(f"entry {seal_seq} (ballot_box.sealed): the root of the ballots and receipts is {root}, "
                            f"not the sealed {seal['root']}")

    # 5. The published result, recounted from the ballots with the round's rule.
    published_seq, published_payload = published
    if hashlib.sha256(result_text.encode("utf-8")).hexdigest() != published_payload["outcome_hash"]:
        raise BundleProblem(f"result.json is not the result published in entry {published_seq}")
    result = json.loads(result_text)
    recount = _recount(opened, [b["choices"] for b in ballots])
    stated = {str(p["id"]): (p["support"], p["selected"]) for p in result["projects"]}
    if recount != (result["selected"], stated):
        raise BundleProblem(f"recounting the ballots does not give the result published in entry {published_seq}")
    _check_pabulib(pb_text, opened, [b["choices"] for b in ballots])
    return BundleReport(round_id=round_id, entries=report.entries, checkpoints=report.checkpoints,
                        ballots=len(ballots), head_hash=report.head_hash, root=root, warnings=warnings)


def _election(opened: dict, choices: list[str]):
    voting_round = SimpleNamespace(ballot_kind=opened["ballot_kind"], budget=opened["budget"])
    projects = [SimpleNamespace(id=p["id"], cost=p["cost"]) for p in opened["projects"]]
    return counting.election_for(voting_round, projects, choices)


def _recount(opened: dict, choices: list[str]) -> tuple[list[int], dict]:
    outcome = count(_election(opened, choices), rule=opened["rule"], completion=opened["rule"] == "mes")
    support = {pid: (counting._plain(f.support), bool(f.selected)) for pid, f in outcome.projects.items()}
    return [int(p) for p in outcome.selected], support


def _key(ballot) -> object:
    return frozenset(ballot.items()) if isinstance(ballot, dict) else frozenset(ballot)


def _check_pabulib(pb_text: str, opened: dict, choices: list[str]) -> None:
    try:
        from_file = pabulib.loads(pb_text).ballots()
    except pabulib.PabulibError as bad:
        raise BundleProblem(f"round.pb cannot be read: {bad}") from None
    ours = _election(opened, choices).ballots
    if Counter(map(_key, from_file)) != Counter(map(_key, ours)):
        raise BundleProblem("round.pb does not hold the same ballots as ballots.jsonl")
