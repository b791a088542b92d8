from enum import StrEnum


class GovernanceEvent(StrEnum):
    partnership_created = "partnership.created"
    staff_created = "staff.created"
    staff_signed_out = "staff.signed_out"
    sign_in_throttled = "sign_in.throttled"
    staff_locked = "staff.locked"
    staff_signed_in = "staff.signed_in"
    member_added = "member.added"
    round_created = "round.created"
    round_phase_changed = "round.phase_changed"
    round_timeline_changed = "round.timeline_changed"
    round_ballot_settings_changed = "round.ballot_settings_changed"
    round_details_changed = "round.details_changed"
    round_archived = "round.archived"
    round_restored = "round.restored"
