from enum import StrEnum


class VotingEvent(StrEnum):
    vote_opened = "vote.opened"
    vote_closing = "vote.closing"
    vote_closed = "vote.closed"
    results_published = "results.published"
    reconciliation_signed = "reconciliation.signed"
    results_certified = "results.certified"
    certification_confirmed = "results.certification_confirmed"
    pass_issued = "pass.issued"
    passes_issued = "passes.issued"
    pass_voided = "pass.voided"
    pass_reprinted = "pass.reprinted"
    ballot_cast = "ballot.cast"
    ballots_batched = "ballots.batched"
    ballot_box_sealed = "ballot_box.sealed"
    voting_point_locked = "voting_point.locked"
    voting_point_unlocked = "voting_point.unlocked"
    vote_checkpointed = "vote.checkpointed"
