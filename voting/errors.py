from core.errors import Conflict, InvalidInput, NotAllowed
from core.i18n import N_


class UnknownPass(NotAllowed):
    title = N_("Pass not recognised")


class PassAlreadyUsed(Conflict):
    title = N_("Pass already used")


class VoteNotOpen(Conflict):
    title = N_("Voting is not open")


class InvalidBallot(InvalidInput):
    title = N_("Ballot not accepted")


class NotEligible(NotAllowed):
    title = N_("Not eligible")


class ResultsNotPublished(Conflict):
    title = N_("Results not published")


class NotCertified(Conflict):
    title = "Results not certified"


class RoundFrozen(Conflict):
    title = "Results certified"


class PassVoided(UnknownPass):
    title = N_("Pass cancelled")


class AlreadyHasPass(Conflict):
    title = "Already has a pass"

    def __init__(self, message: str, *, can_reprint: bool) -> None:
        super().__init__(message)
        self.can_reprint = can_reprint


class LikelyMatch(Conflict):
    title = "Possibly the same resident"
