"""Who may do what in delivery: officers and the chair keep the books; only an officer may allow
spend beyond the grant. Everyone may read a funded project's public page."""

from governance.models import Role

KEEPS_BOOKS = frozenset({Role.officer, Role.chair})
OVERRIDES_SPEND = frozenset({Role.officer})
