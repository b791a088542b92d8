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
