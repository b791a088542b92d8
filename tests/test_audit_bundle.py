"""Acceptance 3, from outside: a scrutiny member takes a round's bundle away and verifies it with only the
published key; every tampered copy fails, naming what was changed."""

import base64
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from core import audit, merkle
from core.settings import PROJECT_ROOT
from scrutiny.bundle import build_bundle
from scrutiny.offline_verify import BundleProblem, verify_bundle
from tests.builders import a_pb_day, passes_for
from tests.test_ballot_secrecy import cast, close_and_publish
from voting.ballots import BallotChoices
from voting.models import BallotReceipt

LATER = audit.Actor(role="officer", ref="staff:1")
VOTERS = 45  # two batches during the vote and a last one at close


def a_published_round(db):
    day = a_pb_day(db)
    for n, code in enumerate(passes_for(db, day.round_id, VOTERS)):
        cast(db, day.round_id, code, BallotChoices(scores={day.proposals[n % 4].id: 1 + n % 5,
                                                           day.proposals[(n + 1) % 4].id: 5}))
    close_and_publish(db, day.round_id)
    return day


@pytest.fixture
def bundle(db, tmp_path):
    day = a_published_round(db)
    with db.session() as session:
        data = build_bundle(session, day.round_id)
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    return path


def published_key() -> str:
    return audit.public_key_b64()


def offline(*args) -> subprocess.CompletedProcess:
    """The verifier as a scrutiny member runs it: no DATABASE_URL and no signing key in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AUDIT_SIGNING_KEY", "SECRET_KEY")}
    return subprocess.run([sys.executable, "main.py", "audit", "verify", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def members(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name).decode() for name in z.namelist()}


def write_copy(tmp_path, files: dict[str, str], name="tampered.zip"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for member, text in files.items():
            z.writestr(member, text)
    return path


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows)


class TestABundleVerifiesOffline:
    def test_with_only_the_public_key_it_verifies(self, bundle):
        result = offline("--bundle", str(bundle), "--public-key", published_key())

        assert result.returncode == 0, result.stderr
        assert f"{VOTERS} ballots recounted" in result.stdout
        assert "warning" not in result.stderr

    def test_without_a_key_it_trusts_the_bundles_own_with_a_warning(self, bundle):
        result = offline("--bundle", str(bundle))

        assert result.returncode == 0, result.stderr
        assert "trusting the key inside the bundle" in result.stderr

    def test_a_bundle_taken_after_later_unsigned_activity_still_verifies(self, db):
        # After the results, life goes on (grants awarded, another round's proposals): entries the
        # next checkpoint has not signed yet. The bundle stops at the newest signed checkpoint.
        day = a_published_round(db)
        with db.session(write=True) as session:
            audit.append(session, LATER, "grant.awarded", f"round:{day.round_id}", {"amount": 100})
            audit.append(session, LATER, "proposal.submitted", "proposal:999", {})
        with db.session() as session:
            data = build_bundle(session, day.round_id)
            signed_up_to = max(c.seq for c in session.exec(select(audit.AuditCheckpoint)))

        report = verify_bundle(io.BytesIO(data), published_key())  # before the fix: "not covered by any ..."

        assert report.ballots == VOTERS and report.entries == signed_up_to

    def test_it_holds_no_tracking_code_and_no_time_of_a_ballot(self, bundle, db):
        files = members(bundle)
        with db.session() as session:
            codes = [r.tracking_code for r in session.exec(select(BallotReceipt))]

        assert set(files) == {"manifest.json", "log.jsonl", "checkpoints.jsonl", "ballots.jsonl", "round.pb",
                              "result.json", "public-key.txt", "README.txt"}
        assert not any(code in text for code in codes for text in files.values())
        assert all(set(b) == {"batch", "nonce", "choices"} for b in lines(files["ballots.jsonl"]))

    def test_the_bundle_is_downloadable_once_results_are_published(self, client, db):
        day = a_published_round(db)

        response = client.get(f"/rounds/{day.round_id}/audit-bundle.zip")

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert "ballots.jsonl" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()

    def test_before_publication_there_is_no_bundle(self, client, db):
        day = a_pb_day(db)

        response = client.get(f"/rounds/{day.round_id}/audit-bundle.zip")

        assert response.status_code == 409


class TestEveryTamperedCopyFailsNamingTheEntry:
    def fails(self, tmp_path, files) -> str:
        path = write_copy(tmp_path, files)
        with pytest.raises(BundleProblem) as problem:
            verify_bundle(str(path), published_key())
        result = offline("--bundle", str(path), "--public-key", published_key())
        assert result.returncode == 1
        assert str(problem.value) in result.stderr
        return str(problem.value)

    def test_an_altered_entry(self, bundle, tmp_path):
        files = members(bundle)
        log = lines(files["log.jsonl"])
        opened = next(e for e in log if e.get("action") == "vote.opened")
        opened["payload"] = opened["payload"].replace('"budget":100000', '"budget":900000')
        files["log.jsonl"] = jsonl(log)

        problem = self.fails(tmp_path, files)

        assert problem == f"entry {opened['seq']} (vote.opened {opened['subject']}) was altered: its content " \
                          "does not match its hash"

    def test_a_removed_entry(self, bundle, tmp_path):
        files = members(bundle)
        log = lines(files["log.jsonl"])
        removed = next(e for e in log if e.get("action") == "ballot.cast")
        files["log.jsonl"] = jsonl([e for e in log if e is not removed])

        problem = self.fails(tmp_path, files)

        assert problem.startswith(f"entry {removed['seq']} is missing")

    def test_an_altered_ballot(self, bundle, tmp_path):
        files = members(bundle)
        ballots = lines(files["ballots.jsonl"])
        ballots[3]["choices"] = ballots[3]["choices"].replace(":5", ":1")
        files["ballots.jsonl"] = jsonl(ballots)

        problem = self.fails(tmp_path, files)

        assert problem.startswith(f"ballots.jsonl line 4 (nonce {ballots[3]['nonce']}) matches no leaf of batch")

    def test_a_ballot_removed_from_a_batch(self, bundle, tmp_path):
        files = members(bundle)
        ballots = lines(files["ballots.jsonl"])
        removed = ballots.pop(7)
        files["ballots.jsonl"] = jsonl(ballots)
        batch_entry = next(e for e in lines(files["log.jsonl"]) if e.get("action") == "ballots.batched"
                           and json.loads(e["payload"])["batch"] == removed["batch"])

        problem = self.fails(tmp_path, files)

        assert problem.startswith(f"batch {removed['batch']} (entry {batch_entry['seq']}) lists 1 ballot leaf(s) "
                                  "with no ballot")

    def test_a_forged_checkpoint(self, bundle, tmp_path):
        """The sealing checkpoint moved onto an earlier head, keeping its signature."""
        files = members(bundle)
        log, checkpoints = lines(files["log.jsonl"]), lines(files["checkpoints.jsonl"])
        forged = checkpoints[1]
        earlier = log[forged["seq"] - 3]
        body, _, signature = forged["note"].partition("\n\n")
        origin, _, _, *rest = body.split("\n")
        root = base64.b64encode(bytes.fromhex(earlier["hash"])).decode()
        forged["note"] = "\n".join([origin, str(earlier["seq"]), root, *rest]) + "\n\n" + signature
        forged["seq"], forged["hash"] = earlier["seq"], earlier["hash"]
        files["checkpoints.jsonl"] = jsonl(checkpoints)

        problem = self.fails(tmp_path, files)

        assert problem == f"checkpoint at entry {earlier['seq']} ({forged['reason']}): its signature is bad"

    def test_a_checkpoint_signed_by_another_key(self, bundle, tmp_path):
        files = members(bundle)
        checkpoints = lines(files["checkpoints.jsonl"])
        other = Ed25519PrivateKey.generate()
        resigned = checkpoints[0]
        resigned["note"] = audit.sign_note(resigned["note"].partition("\n\n")[0] + "\n", other)
        resigned["public_key"] = audit.public_key_hex(other)
        files["checkpoints.jsonl"] = jsonl(checkpoints)
        files["public-key.txt"] = base64.b64encode(bytes.fromhex(resigned["public_key"])).decode()

        problem = self.fails(tmp_path, files)

        assert problem == f"checkpoint at entry {resigned['seq']} ({resigned['reason']}) is signed by an unknown key"


class TestTheDatabaseVerifiesWithOnlyThePublicKey:
    """Fault 4: `audit verify` failed without the private seed ("signed by an unknown key")."""

    def test_verify_with_the_published_key_and_no_secret(self, db, database_url):
        a_published_round(db)
        env = {k: v for k, v in os.environ.items() if k != "AUDIT_SIGNING_KEY"}

        result = subprocess.run([sys.executable, "main.py", "audit", "verify", "--database-url", database_url,
                                 "--public-key", published_key()], cwd=PROJECT_ROOT, env=env, capture_output=True,
                                text=True, timeout=120)

        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("OK: ")


class TestMerkleHashing:
    """RFC 9162: the bottom-up root equals the recursive definition, and every audit path verifies."""

    def recursive_root(self, leaves):
        if len(leaves) == 1:
            return leaves[0]
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return merkle.node_hash(self.recursive_root(leaves[:k]), self.recursive_root(leaves[k:]))

    def test_every_size_up_to_forty(self):
        for n in range(1, 41):
            leaves = [merkle.leaf_hash(bytes([i])) for i in range(n)]
            root = merkle.root(leaves)

            assert root == self.recursive_root(leaves)
            for i in range(n):
                proof = merkle.inclusion_proof(i, leaves)
                assert merkle.verify_inclusion(leaves[i], i, n, proof, root)
                assert not merkle.verify_inclusion(leaves[(i + 1) % n], i, n, proof, root) or n == 1
