"""Who may call a route, declared in one line above it:

    @router.get("/desk")
    @access.staff()                        # any signed-in staff member
    def desk(...): ...

    @router.post("/manage/rounds/{round_id}/open", dependencies=[CsrfChecked])
    @access.staff_of(CHAIR)                # a chair of the round's partnership (admins too)
    def open_vote(...): ...

The declaration is what the route promises; the route's own checks (CurrentStaff,
require_round_role ...) keep the promise. tests/test_route_access.py walks the application's whole
route table, calls every route as every role (own partnership and another's) and fails on any
route without a declaration and on any cell where what happened differs from what was declared.

Kinds:
- public: anyone, signed in or not (staff may see more on the page, that is not access).
- resident: a visitor with a resident session (residents sign in to propose); staff are not residents.
- staff(): any signed-in staff member, whatever their roles (the page shows what is theirs);
  staff(ROLES): one holding one of ROLES in some partnership (the route has no object of its own).
- staff_of(ROLES): a staff member holding one of ROLES in the partnership the route's object
  belongs to (a round, a proposal, a meeting, a partnership); refused on another partnership's.
- admin: administrators only.
Administrators are admitted by staff() and staff_of() too.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Set on the endpoint function; read by the role x route matrix test.
ATTRIBUTE = "__access__"

# The session key that marks a signed-in resident. The residents' sign-in (residents.permissions) sets
# it; until that lands nothing does, and resident-only routes refuse everyone.
RESIDENT_SESSION_KEY = "resident_id"

PUBLIC = "public"
RESIDENT = "resident"
STAFF = "staff"
ADMIN = "admin"


@dataclass(frozen=True)
class Access:
    kind: str
    roles: frozenset[str] = frozenset()  # the roles admitted (none: any staff member)
    on_object: bool = False  # the role must be held in the partnership of the route's object

    def allows(self, role: str, own: bool) -> bool:
        """Whether someone with `role` ("anonymous", "resident", "admin" or a partnership role) may
        call the route, on an object of their own partnership (`own`) or of another."""
        if self.kind == PUBLIC:
            return True
        if self.kind == RESIDENT:
            return role == "resident"
        if role == "admin":
            return True
        if self.kind == ADMIN or role in ("anonymous", "resident"):
            return False
        if not self.roles:
            return True
        return role in self.roles and (own or not self.on_object)

    def describe(self) -> str:
        if self.kind == STAFF and self.roles:
            where = "of the object's partnership" if self.on_object else "of any partnership"
            return f"{' or '.join(sorted(self.roles))} {where}, or admin"
        return {PUBLIC: "anyone", RESIDENT: "a signed-in resident", STAFF: "any signed-in staff member",
                ADMIN: "admins only"}[self.kind]


def _declare(declared: Access) -> Callable:
    def mark(endpoint: Callable) -> Callable:
        setattr(endpoint, ATTRIBUTE, declared)
        return endpoint
    return mark


public = _declare(Access(PUBLIC))
resident = _declare(Access(RESIDENT))
admin = _declare(Access(ADMIN))


def staff(roles: Iterable[str] = ()) -> Callable:
    """Any signed-in staff member; with roles, one who holds one of them in some partnership."""
    return _declare(Access(STAFF, frozenset(str(r) for r in roles)))


def staff_of(roles: Iterable[str]) -> Callable:
    """A holder of one of `roles` in the partnership of the route's object (or an admin)."""
    roles = frozenset(str(r) for r in roles)
    if not roles:
        raise ValueError("staff_of needs at least one role; use staff() for any staff member")
    return _declare(Access(STAFF, roles, on_object=True))


def declared(endpoint: Callable) -> Access | None:
    return getattr(endpoint, ATTRIBUTE, None)


@dataclass(frozen=True)
class RouteEntry:
    path: str
    methods: tuple[str, ...]  # ("WEBSOCKET",) for a websocket
    endpoint: Callable
    route: object  # the APIRoute / APIWebSocketRoute, for its parameters


def route_table(app) -> tuple[list[RouteEntry], list[str]]:
    """Every route the application answers (included routers flattened, prefixes applied), and the
    paths of mounted applications (static files), which have no endpoint of their own."""
    entries: list[RouteEntry] = []
    mounts: list[str] = []

    def add(route, path: str) -> None:
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None:
            mounts.append(path)
            return
        methods = tuple(sorted(getattr(route, "methods", None) or ("WEBSOCKET",)))
        entries.append(RouteEntry(path, methods, endpoint, route))

    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI 0.16x)
            for context in route.effective_route_contexts():
                add(context.original_route, context.path or getattr(context.original_route, "path", ""))
        else:
            add(route, getattr(route, "path", ""))
    return entries, mounts


def undeclared(app) -> list[str]:
    """"METHOD /path" of every route that does not say who may call it."""
    entries, _ = route_table(app)
    return [f"{'/'.join(e.methods)} {e.path}" for e in entries if declared(e.endpoint) is None]
