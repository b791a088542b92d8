"""Who may do what in scrutiny. Reading the public trail, the queries and the statements needs
nobody; the staff trail needs a scrutiny member or an admin; a query is raised by a scrutiny
member of the partnership concerned and answered by its chair (admins are admitted everywhere)."""

from governance.models import Role
from governance.permissions import CHAIR

RAISES_QUERIES = frozenset({Role.scrutiny})
ANSWERS_QUERIES = CHAIR
