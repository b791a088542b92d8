from enum import StrEnum


class ScrutinyEvent(StrEnum):
    query_raised = "query.raised"
    query_answered = "query.answered"
    register_purged = "register.purged"
    decision_called_in = "decision.called_in"
    decision_reconsidered = "decision.reconsidered"
