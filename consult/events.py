from enum import StrEnum


class ConsultEvent(StrEnum):
    comment_posted = "comment.posted"
    priorities_ranked = "priorities.ranked"
    # "moderation." actions are on the staff trail (scrutiny.repository.STAFF_TRAIL_PREFIXES).
    comment_hidden = "moderation.comment_hidden"
    comment_restored = "moderation.comment_restored"
