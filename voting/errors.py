from core.errors import Conflict, InvalidInput, NotAllowed


class UnknownPass(NotAllowed):
    title = "Pass not recognised"


class PassAlreadyUsed(Conflict):
    title = "Pass already used"


class VoteNotOpen(Conflict):
    title = "Voting is not open"


class InvalidBallot(InvalidInput):
    title = "Ballot not accepted"


class NotEligible(NotAllowed):
    title = "Not eligible"


class ResultsNotPublished(Conflict):
    title = "Results not published"


class NotCertified(Conflict):
    title = "Results not certified"


class RoundFrozen(Conflict):
    title = "Results certified"


class PassVoided(UnknownPass):
    title = "Pass cancelled"


class AlreadyHasPass(Conflict):
    title = "Already has a pass"

    def __init__(self, message: str, *, can_reprint: bool) -> None:
        super().__init__(message)
        self.can_reprint = can_reprint


class LikelyMatch(Conflict):
    title = "Possibly the same resident"
