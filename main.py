"""Common Purse: the web application and the command line.

    python main.py serve [--host 127.0.0.1 --port 8000 --workers 1]
    python main.py demo
    python main.py admin create --username U [--password-stdin]
    python main.py partnership create --name N --area SK10,SK11
    python main.py staff invite --partnership ID --role ROLE --email E
    python main.py staff role add|remove --username U --partnership ID --role ROLE
    python main.py passes issue --round ID --count N [--json]
    python main.py round create --partnership ID --title T --budget N --kind {approval,scores,points,ranking} ...
    python main.py round open|close|publish ID
    python main.py round reconcile ID [--sign]
    python main.py round certify ID [--as USERNAME] | round certify ID --confirm --as USERNAME
    python main.py proposal add --round ID --title T --cost N [--summary S]
    python main.py audit verify [--database-url URL | --bundle FILE.zip [--public-key KEY]]
    python main.py audit bundle --round ID -o FILE.zip
    python main.py register purge [--database-url URL]
    python main.py export {pabulib,csv,360giving} --round ID [-o FILE]
    python main.py tally FILE.pb --rule {greedy,mes,phragmen} [--satisfaction ...] [--completion] --json

`python main.py --help` lists every command with its arguments.
"""

import argparse
import asyncio
import json
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from core import access
from core.bus import InProcessBus
from core.database import Database, is_sqlite, migrate, normalise_url
from core.errors import install_error_handlers
from core.i18n import LocaleMiddleware
from core.pg_bus import PostgresBus
from core.settings import PROJECT_ROOT, Settings, get_settings
from core.templating import render
from core.web import BodySizeLimit, SecureCookiesOnHttps, SecurityHeaders


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> FastAPI:
    from consult.routes import api_router as consult_api_router
    from consult.routes import router as consult_router
    from core.database import keep_checkpointing_wal
    from delivery.recipient import router as recipient_router
    from delivery.routes import router as delivery_router
    from governance.admin import router as admin_router
    from governance.arc_steps import router as arc_router
    from governance.oidc import router as oidc_router
    from governance.partnerships import api as partnerships_api
    from governance.partnerships import router as partnerships_router
    from governance.routes import router as governance_router
    from proposals.pages import api_router as proposals_api_router
    from proposals.pages import router as proposal_pages_router
    from proposals.routes import router as proposals_router
    from residents.routes import router as residents_router
    from scrutiny.api import router as audit_api_router
    from scrutiny.bundle import router as bundle_router
    from scrutiny.decisions import api as decisions_api
    from scrutiny.decisions import router as decisions_router
    from scrutiny.routes import router as scrutiny_router
    from voting import certify, chair, desk, kiosk, kiosk_lock, results
    from voting.api import router as api_router
    from voting.hourly import keep_signing
    from voting.live import ScreenHub
    from voting.live import router as live_router
    from voting.paper_pages import router as paper_pages_router

    settings = settings or get_settings()
    # On PostgreSQL every worker listens to the others, so a ballot cast on one worker reaches a
    # big screen connected to another; SQLite serves one worker.
    bus = PostgresBus(settings.database_url) if not is_sqlite(normalise_url(settings.database_url)) else InProcessBus()
    db = Database(settings.database_url, bus)
    hub = ScreenHub(db)
    bus.subscribe(hub.on_event)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if run_migrations:
            await asyncio.to_thread(migrate, settings.database_url)
        bus.attach(asyncio.get_running_loop())
        if isinstance(bus, PostgresBus):
            await bus.wait_until_listening()
        _prepare_routes(app)
        hourly_task = asyncio.create_task(keep_signing(db, settings.hourly_checkpoint_poll_seconds))
        wal_task = asyncio.create_task(keep_checkpointing_wal(db)) if db.is_sqlite else None
        yield
        hourly_task.cancel()
        if wal_task is not None:
            wal_task.cancel()
        if isinstance(bus, PostgresBus):
            await bus.close()
        db.dispose()

    # FastAPI's own /docs page loads Swagger UI from a CDN with an inline script, which the
    # Content-Security-Policy forbids; ours serves a vendored copy from static/.
    app = FastAPI(title="Common Purse", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  # Served below, so that it too declares who may call it.
                  openapi_url=None,
                  description="Participatory budgeting for neighbourhood partnerships.")
    app.state.db = db
    app.state.bus = bus
    app.state.screen_hub = hub
    app.state.settings = settings
    # Added innermost first: a request meets the security headers, then the host check, the body
    # limit, the cookie flag and the session, in that order.
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="cp_session",
                       same_site="lax", max_age=settings.staff_session_hours * 3600,
                       https_only=settings.session_cookie_secure or settings.public_url.startswith("https://"))
    # The request's language (?lang=, the device's cookie, Accept-Language), for pages and errors alike.
    app.add_middleware(LocaleMiddleware)
    # A vote whose grace period has run out is closed on the next request that arrives.
    app.add_middleware(chair.FinishClosingsWhenDue)
    app.add_middleware(SecureCookiesOnHttps)
    app.add_middleware(BodySizeLimit)
    # The Host header is the client's to choose; only the configured names are answered.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.host_names)
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    @app.get("/healthz", tags=["health"])
    @access.public
    def healthz():
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False)
    @access.public
    def api_docs(request: Request):
        return render(request, "api_docs.html")

    @app.get("/openapi.json", include_in_schema=False)
    @access.public
    def openapi_schema():
        return app.openapi()

    @app.get("/favicon.ico", include_in_schema=False)
    @access.public
    def favicon():
        return RedirectResponse("/static/favicon.svg", status_code=301)

    # The JSON API first: a burst of ballots is matched against its few routes, not after walking
    # every page's (matching cost about an eighth of a ballot's CPU when the API came last).
    app.include_router(api_router)
    app.include_router(proposals_api_router)
    app.include_router(audit_api_router)
    app.include_router(consult_api_router)
    app.include_router(partnerships_api)
    app.include_router(decisions_api)
    # /openapi.json describes the JSON API; the HTML pages are for people, not integrators.
    for router in (governance_router, proposals_router, kiosk.router, kiosk_lock.router, desk.router, chair.router,
                   results.router, certify.router, live_router, bundle_router, scrutiny_router, residents_router,
                   arc_router, consult_router, admin_router, partnerships_router, oidc_router, delivery_router):
        app.include_router(router, include_in_schema=False)
    app.include_router(proposal_pages_router, include_in_schema=False)
    app.include_router(paper_pages_router, include_in_schema=False)
    app.include_router(decisions_router, include_in_schema=False)
    app.include_router(recipient_router, include_in_schema=False)
    return app


# --- command line ----------------------------------------------------------------------------

def _prepare_routes(app: FastAPI) -> None:
    """FastAPI works out each included route's settings the first time a request walks past it
    (most of a second for all of ours): walk them all once at start, so the first voter after a
    restart does not wait for it. The address matches no route, so every one is visited."""
    scope = {"type": "http", "method": "GET", "path": "/\u2060warm-up", "root_path": "", "headers": [],
             "query_string": b""}
    for route in app.router.routes:
        route.matches(dict(scope))


def _database(args) -> Database:
    url = getattr(args, "database_url", None) or get_settings().database_url
    migrate(url)
    # On PostgreSQL the CLI's commands notify the running workers too: `round close` from a
    # terminal updates the big screen in the hall.
    return Database(url, None if is_sqlite(normalise_url(url)) else PostgresBus(url))


def cmd_serve(args) -> int:
    from core.serving import serve

    url = get_settings().database_url
    if args.workers > 1 and is_sqlite(normalise_url(url)):
        print("error: several workers need PostgreSQL (DATABASE_URL=postgresql://...); "
              "on SQLite serve with one worker.", file=sys.stderr)
        return 2
    migrate(url)
    # Registers past their retention period are purged on every start as well as by `register purge`.
    startup_db = Database(url)
    for line in _purge_registers(startup_db):
        print(line)
    startup_db.dispose()
    # X-Forwarded-For/-Proto are believed only from the proxies named in TRUSTED_PROXIES.
    serve(args.host, args.port, args.workers, forwarded_allow_ips=get_settings().trusted_proxies)
    return 0


VOTE_STATUS_WORDS = {"draft": "voting not open yet", "open": "voting open", "closed": "voting closed",
                     "published": "results published"}


def cmd_demo(args) -> int:
    from governance import repository as governance_repo
    from voting.demo import seed_demo

    db = _database(args)
    with db.session(write=True) as session:
        accounts = seed_demo(session, ballots=args.ballots, force=args.force)
    print("Demo created." if accounts else "The demo is already there; nothing changed (use --force to add another "
                                            "copy).")
    address = f"http://{args.host}:{args.port}"
    print(f"\nCommon Purse at {address}/")
    with db.session() as session:
        for voting_round in reversed(governance_repo.list_rounds(session)):
            where = VOTE_STATUS_WORDS[voting_round.vote_status]
            if voting_round.vote_status == "draft":  # before the vote, where the round is along the arc
                where = f"{voting_round.public_stage.lower()}; {where}"
            print(f"\n  Round {voting_round.id}: {voting_round.title} ({where})")
            print(f"    public page  {address}/rounds/{voting_round.id}")
            print(f"    big screen   {address}/screen/{voting_round.id}")
            if voting_round.vote_status == "published":
                print(f"    results      {address}/rounds/{voting_round.id}/results")
            postcodes = ", ".join(voting_round.postcode_prefixes) or "anywhere (no postcodes set)"
            print(f"    who can vote residents with a postcode in {postcodes}")
    print(f"\n  Kiosk {address}/kiosk · desk {address}/desk · staff sign-in {address}/login")
    if accounts:
        print("\nStaff sign-in (username / password):")
        for username, password, role in accounts:
            print(f"  {username:<10} {password:<22} {role}")
        from delivery.demo import recipient_link_for_demo

        with db.session(write=True) as session:
            grant_title, token = recipient_link_for_demo(session)
        print(f"\nRecipient organisation's link for the grant to {grant_title} (reports spend without an account):")
        print(f"  {address}/recipient/{token}")
    return 0


def cmd_passes(args) -> int:
    from core.audit import CLI_ACTOR
    from voting import register

    db = _database(args)
    with db.session(write=True) as session:
        issued = register.issue_passes(session, CLI_ACTOR, round_id=args.round, count=args.count)
    codes = [p.code for p in issued]
    print(json.dumps({"round": args.round, "passes": codes}) if args.json else "\n".join(codes))
    return 0


def cmd_round(args) -> int:
    from core.audit import CLI_ACTOR
    from voting import service

    db = _database(args)
    if args.step == "close":
        return _close_round(db, args)
    if args.step == "certify":
        return _certify_round(db, args)
    if args.step == "reconcile":
        return _reconcile_round(db, args)
    step = {"open": service.open_vote, "publish": service.publish_results}[args.step]
    with db.session(write=True) as session:
        step(session, CLI_ACTOR, args.round_id)
    print(f"round {args.round_id}: {args.step} done")
    return 0


def _reconcile_round(db, args) -> int:
    """Print the event's reconciliation sheet; with --sign, the chair's sign-off (as the operator)."""
    from core.audit import CLI_ACTOR
    from voting import reconciliation

    with db.session(write=args.sign) as session:
        figures = reconciliation.sheet(session, args.round_id)
        if args.sign:
            reconciliation.sign_off(session, CLI_ACTOR, args.round_id, name="the operator (command line)")
    print(json.dumps(figures, indent=2))
    if args.sign:
        print(f"round {args.round_id}: reconciliation sheet signed off")
    return 0 if figures["adds_up"] else 1


def _certify_round(db, args) -> int:
    """The chair's certification from the terminal (as the operator, or `--as` a named chair); the
    confirmation only `--as` a named member other than the one who certified (voting/certification.py)."""
    from core.audit import CLI_ACTOR
    from governance.permissions import CHAIR
    from voting import certification

    with db.session(write=True) as session:
        if args.confirm:
            if not args.as_username:
                print("error: a confirmation is made by a named member of the partnership: add --as USERNAME",
                      file=sys.stderr)
                return 2
            actor, name = certification.actor_for_username(session, args.round_id, args.as_username,
                                                           certification.CONFIRMS)
            certification.confirm(session, actor, args.round_id, name=name, via="cli")
        elif args.as_username:
            actor, name = certification.actor_for_username(session, args.round_id, args.as_username, CHAIR)
            certification.certify(session, actor, args.round_id, name=name, via="cli")
        else:
            certification.certify(session, CLI_ACTOR, args.round_id, name="the operator (command line)", via="cli")
    if args.confirm:
        print(f"round {args.round_id}: certification confirmed; the results are certified")
    else:
        print(f"round {args.round_id}: certified; a second member must confirm "
              f"(on the web, or `round certify {args.round_id} --confirm --as USERNAME`)")
    return 0


def _trusted_key_hex(given_b64: str | None) -> str | None:
    """The key checkpoints must be signed by: the one given, else this server's own; None when
    neither is at hand (then the key stored with the checkpoints is used, with a warning)."""
    import base64

    from core.audit import public_key_hex, signing_key
    from core.settings import VAR_DIR

    if given_b64:
        return base64.b64decode(given_b64).hex()
    if get_settings().audit_signing_key or (VAR_DIR / "audit-signing.key").exists():
        return public_key_hex(signing_key())
    return None


def cmd_round_create(args) -> int:
    from core.audit import CLI_ACTOR
    from governance import service
    from governance.models import BallotKind, CountingRule, Phase
    from governance.service import BallotSettings

    settings = BallotSettings(ballot_kind=BallotKind(args.kind), score_min=0 if args.score_max == 10 else 1,
                              score_max=args.score_max, min_picks=args.min_picks, max_picks=args.max_picks,
                              counting_rule=CountingRule(args.rule), points_total=args.points,
                              rank_depth=args.rank_depth)
    db = _database(args)
    with db.session(write=True) as session:
        # Ready for proposals, as a round made with the chair's form is.
        voting_round = service.create_round(session, CLI_ACTOR, partnership_id=args.partnership, title=args.title,
                                            budget=args.budget, eligible_postcodes=args.postcodes,
                                            settings=settings, phase=Phase.collaborate)
        round_id = voting_round.id
    print(round_id)
    return 0


def _close_round(db, args) -> int:
    """Like the chair's button: ballots in progress get the grace period, unless --now."""
    from core.audit import CLI_ACTOR
    from voting import service

    service.finish_due_closings(db)
    with db.session(write=True) as session:
        voting_round = service.governance_repo.get_round(session, args.round_id, for_update=True)
        if voting_round.is_closing:
            if not args.now:
                print(f"round {args.round_id}: closing; ballots in progress may be confirmed until "
                      f"{voting_round.closing_deadline:%H:%M:%S} UTC (run again with --now to close at once)")
                return 0
            service.finish_closing(session, CLI_ACTOR, args.round_id)
        else:
            grace = 0 if args.now else get_settings().close_grace_seconds
            voting_round = service.start_closing(session, CLI_ACTOR, args.round_id, grace)
            if voting_round.is_closing:
                print(f"round {args.round_id}: closing; ballots in progress may be confirmed until "
                      f"{voting_round.closing_deadline:%H:%M:%S} UTC")
                return 0
    print(f"round {args.round_id}: close done")
    return 0


def _read_new_password(args) -> str:
    """From stdin (one line) for scripts, or asked for twice without echo."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        from core.errors import InvalidInput

        raise InvalidInput("The two passwords are not the same; nothing was created.")
    return first


def cmd_admin_create(args) -> int:
    from core.audit import CLI_ACTOR
    from governance import staffing

    password = _read_new_password(args)
    db = _database(args)
    with db.session(write=True) as session:
        staff = staffing.create_admin(session, CLI_ACTOR, username=args.username, password=password,
                                      display_name=args.name or "")
        username = staff.username
    print(f"Administrator {username} created. Sign in at {get_settings().public_url.rstrip('/')}/login, "
          "then open /admin.")
    return 0


def cmd_partnership_create(args) -> int:
    from core.audit import CLI_ACTOR
    from governance import staffing

    db = _database(args)
    with db.session(write=True) as session:
        partnership = staffing.set_up_partnership(session, CLI_ACTOR, name=args.name, area=args.area,
                                                  description=args.description)
        partnership_id = partnership.id
    print(partnership_id)
    return 0


def cmd_staff_invite(args) -> int:
    from core.audit import CLI_ACTOR
    from governance import staffing

    db = _database(args)
    with db.session(write=True) as session:
        _, token = staffing.invite(session, CLI_ACTOR, partnership_id=args.partnership, role=args.role,
                                   email=args.email)
    # No mail is sent: the link is printed once, for whoever runs this to pass on.
    print(staffing.invitation_link(get_settings().public_url, token))
    return 0


def cmd_staff_role(args) -> int:
    from core.audit import CLI_ACTOR
    from governance import staffing

    db = _database(args)
    change = staffing.add_role if args.change == "add" else staffing.remove_role
    with db.session(write=True) as session:
        staff = staffing.staff_named(session, args.username)
        change(session, CLI_ACTOR, staff_id=staff.id, partnership_id=args.partnership, role=args.role)
    print(f"{args.username}: {args.role} of partnership {args.partnership} "
          f"{'given' if args.change == 'add' else 'taken away'}")
    return 0


def cmd_proposal_add(args) -> int:
    from core.audit import CLI_ACTOR
    from proposals import service

    db = _database(args)
    with db.session(write=True) as session:
        proposal = service.add_proposal(session, CLI_ACTOR, round_id=args.round, title=args.title, cost=args.cost,
                                        summary=args.summary)
        proposal_id = proposal.id
    print(proposal_id)
    return 0


def cmd_audit_verify(args) -> int:
    if args.bundle:
        return _verify_bundle(args)
    from core.audit import verify_chain
    from voting.verification import verify_ballot_box

    trusted = _trusted_key_hex(args.public_key)
    db = _database(args)
    with db.session() as session:
        report = verify_chain(session, trusted_key=trusted)
        problem = report.problem if not report.ok else verify_ballot_box(session)
    if problem:
        print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    warnings = list(report.warnings or [])
    if trusted is None:
        warnings.append("no --public-key and no signing key here: checkpoints were checked against the key "
                        "stored with them")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"OK: {report.entries} entries, {report.checkpoints} signed checkpoints, head {report.head_hash}")
    return 0


def _verify_bundle(args) -> int:
    from scrutiny.offline_verify import BundleProblem, verify_bundle

    try:
        report = verify_bundle(args.bundle, args.public_key)
    except BundleProblem as problem:
        print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"OK: round {report.round_id}: {report.entries} entries, {report.checkpoints} signed checkpoints, "
          f"{report.ballots} ballots recounted, sealed root {report.root}, head {report.head_hash}")
    return 0


def cmd_audit_bundle(args) -> int:
    from scrutiny.bundle import build_bundle

    db = _database(args)
    with db.session() as session:
        data = build_bundle(session, args.round, args.output.rsplit("/", 1)[-1])
    with open(args.output, "wb") as out:
        out.write(data)
    print(f"{args.output}: {len(data)} bytes")
    return 0


def _purge_registers(db: Database) -> list[str]:
    from datetime import UTC, datetime

    from core.audit import CLI_ACTOR
    from scrutiny.service import purge_registers

    with db.session(write=True) as session:
        purged = purge_registers(session, CLI_ACTOR, now=datetime.now(UTC),
                                 retention_days=get_settings().register_retention_days)
        return [f"round {record.round_id}: register purged to counts ({record.desk_passes} desk passes, "
                f"{record.batch_passes} printed passes, {record.ballots} ballots)" for record in purged]


def cmd_register_purge(args) -> int:
    done = _purge_registers(_database(args))
    print("\n".join(done) if done else "No register is past its retention period; nothing purged.")
    return 0


def cmd_export(args) -> int:
    """Pabulib is published with the results (anyone may recount before certification); CSV and
    360Giving only for a certified round. CSV writes the ballots beside the results file."""
    from voting import export

    db = _database(args)
    files: dict[str | None, str] = {}
    with db.session() as session:
        if args.format == "pabulib":
            files[args.output] = export.pabulib_for_round(session, args.round)
        elif args.format == "360giving":
            from delivery.giving360 import giving360_for_round

            files[args.output] = giving360_for_round(session, args.round, base_url=get_settings().public_url)
        else:
            files[args.output] = export.results_csv(session, args.round)
            if args.output:
                files[export.ballots_file_name(args.output)] = export.ballots_csv(session, args.round)
    for path, text in files.items():
        if path:
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            print(f"{path}: {len(text.encode('utf-8'))} bytes")
        else:
            sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="Common Purse: participatory budgeting.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve)

    demo = commands.add_parser("demo", help="seed the demo database and print where to find it")
    demo.add_argument("--ballots", type=int, default=0, help="simulated ballots to cast on the demo round")
    demo.add_argument("--force", action="store_true", help="add another copy of the demo")
    demo.add_argument("--host", default="127.0.0.1", help="the address to print (make run passes its HOST)")
    demo.add_argument("--port", type=int, default=8000, help="the port to print (make run passes its PORT)")
    demo.set_defaults(run=cmd_demo)

    passes = commands.add_parser("passes", help="voter passes").add_subparsers(dest="action", required=True)
    issue = passes.add_parser("issue", help="issue single-use passes for printing or the desk")
    issue.add_argument("--round", type=int, required=True)
    issue.add_argument("--count", type=int, required=True)
    issue.add_argument("--json", action="store_true")
    issue.set_defaults(run=cmd_passes)

    rounds = commands.add_parser("round", help="create a round; the chair's steps").add_subparsers(
        dest="step", required=True)
    create = rounds.add_parser("create", help="create a round (prints its id)")
    create.add_argument("--partnership", type=int, required=True)
    create.add_argument("--title", required=True)
    create.add_argument("--budget", type=int, required=True, help="whole pounds")
    create.add_argument("--kind", required=True, choices=["approval", "scores", "points", "ranking"])
    create.add_argument("--rule", default="greedy", choices=["greedy", "mes", "phragmen"])
    create.add_argument("--postcodes", default="", help="postcode districts that can vote, e.g. SK10,SK11")
    create.add_argument("--points", type=int, default=10, help="points ballots: points each resident spreads")
    create.add_argument("--rank-depth", type=int, default=3, help="ranking ballots: places each resident fills")
    create.add_argument("--max-picks", type=int, help="approval ballots: most projects a resident picks")
    create.add_argument("--min-picks", type=int, default=0, help="approval ballots: fewest projects")
    create.add_argument("--score-max", type=int, default=5, help="scores ballots: 5 (1 to 5) or 10 (0 to 10)")
    create.set_defaults(run=cmd_round_create)
    for step in ("open", "close", "publish"):
        chair_step = rounds.add_parser(step, help=f"{step} voting" if step != "publish" else "count and publish")
        chair_step.add_argument("round_id", type=int)
        if step == "close":
            chair_step.add_argument("--now", action="store_true",
                                    help="do not wait for ballots in progress (no grace period)")
        chair_step.set_defaults(run=cmd_round)
    certify = rounds.add_parser("certify", help="certify published results; a second member confirms")
    certify.add_argument("round_id", type=int)
    certify.add_argument("--confirm", action="store_true", help="confirm the chair's certification")
    certify.add_argument("--as", dest="as_username", metavar="USERNAME",
                         help="the staff account doing this step (required with --confirm)")
    certify.set_defaults(run=cmd_round)
    reconcile = rounds.add_parser("reconcile", help="the event's reconciliation sheet; --sign to sign it off")
    reconcile.add_argument("round_id", type=int)
    reconcile.add_argument("--sign", action="store_true", help="sign the sheet off (needed before certifying)")
    reconcile.set_defaults(run=cmd_round)

    admin = commands.add_parser("admin", help="administrator accounts").add_subparsers(dest="action", required=True)
    admin_create = admin.add_parser("create", help="make an administrator (the first one, on a new database)")
    admin_create.add_argument("--username", required=True)
    admin_create.add_argument("--name", help="the name shown on pages (default: the username)")
    admin_create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin_create.add_argument("--database-url")
    admin_create.set_defaults(run=cmd_admin_create)

    partnership = commands.add_parser("partnership", help="partnerships").add_subparsers(dest="action", required=True)
    partnership_create = partnership.add_parser("create", help="create a partnership (prints its id)")
    partnership_create.add_argument("--name", required=True)
    partnership_create.add_argument("--area", required=True, help="postcode districts or wards, e.g. SK10,SK11")
    partnership_create.add_argument("--description", default="")
    partnership_create.add_argument("--database-url")
    partnership_create.set_defaults(run=cmd_partnership_create)

    staff = commands.add_parser("staff", help="staff invitations and roles").add_subparsers(dest="action",
                                                                                           required=True)
    invite = staff.add_parser("invite", help="make a one-time invitation link (prints it)")
    invite.add_argument("--partnership", type=int, required=True)
    invite.add_argument("--role", required=True, choices=["chair", "member", "officer", "steward", "scrutiny"])
    invite.add_argument("--email", required=True)
    invite.add_argument("--database-url")
    invite.set_defaults(run=cmd_staff_invite)
    role = staff.add_parser("role", help="give or take a role").add_subparsers(dest="change", required=True)
    for change in ("add", "remove"):
        role_change = role.add_parser(change, help=f"{'give' if change == 'add' else 'take away'} a role")
        role_change.add_argument("--username", required=True)
        role_change.add_argument("--partnership", type=int, required=True)
        role_change.add_argument("--role", required=True, choices=["chair", "member", "officer", "steward",
                                                                   "scrutiny"])
        role_change.add_argument("--database-url")
        role_change.set_defaults(run=cmd_staff_role)

    proposal = commands.add_parser("proposal", help="proposals").add_subparsers(dest="action", required=True)
    add = proposal.add_parser("add", help="put a proposal on a round's ballot (prints its id)")
    add.add_argument("--round", type=int, required=True)
    add.add_argument("--title", required=True)
    add.add_argument("--cost", type=int, required=True, help="whole pounds")
    add.add_argument("--summary", default="")
    add.set_defaults(run=cmd_proposal_add)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="re-walk the chain, the checkpoints and every count")
    verify.add_argument("--database-url")
    verify.add_argument("--bundle", help="verify an audit bundle offline: no database, no secret")
    verify.add_argument("--public-key", help="the published signing key (base64); else the bundle's, with a warning")
    verify.set_defaults(run=cmd_audit_verify)
    bundle = audit.add_parser("bundle", help="write a published round's audit bundle")
    bundle.add_argument("--round", type=int, required=True)
    bundle.add_argument("-o", "--output", required=True)
    bundle.add_argument("--database-url")
    bundle.set_defaults(run=cmd_audit_bundle)
    register_cmd = commands.add_parser("register", help="the register of voter passes")
    register_actions = register_cmd.add_subparsers(dest="action", required=True)
    purge = register_actions.add_parser("purge", help="purge registers past REGISTER_RETENTION_DAYS to counts")
    purge.add_argument("--database-url")
    purge.set_defaults(run=cmd_register_purge)

    export = commands.add_parser("export", help="export a published (pabulib) or certified (csv, 360giving) round")
    export.add_argument("format", choices=["pabulib", "csv", "360giving"])
    export.add_argument("--round", type=int, required=True)
    export.add_argument("-o", "--output")
    export.add_argument("--database-url")
    export.set_defaults(run=cmd_export)

    # main() hands `tally` its own arguments before this parser runs; it is here to be listed.
    tally = commands.add_parser("tally", add_help=False, help="recount a Pabulib file with a counting rule",
                                usage="main.py tally FILE.pb --rule {greedy,mes,phragmen} "
                                      "[--satisfaction {cost,cardinality}] [--completion] [--json]")
    tally.add_argument("arguments", nargs=argparse.REMAINDER)
    tally.set_defaults(run=lambda args: _tally(args.arguments))

    parser.epilog = "every command:\n" + "\n".join(f"  {line}" for line in _every_command(parser))
    return parser


def _every_command(parser: argparse.ArgumentParser) -> list[str]:
    """Each command's usage line, nested commands included, so `--help` shows them all."""
    lines = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                lines.extend(_every_command(command) or [" ".join(command.format_usage().split()[1:])])
    return lines


def _tally(argv: list[str]) -> int:
    from voting.tally_command import run

    return run(argv)


def main(argv: list[str] | None = None) -> int:
    from core.errors import PlatformError

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["tally"]:
        return _tally(argv[1:])
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 2
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except PlatformError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
