"""Common Purse: the web application and the command line.

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

from core.bus import InProcessBus
from core.database import Database, is_sqlite, migrate, normalise_url
from core.errors import install_error_handlers
from core.pg_bus import PostgresBus
from core.settings import PROJECT_ROOT, Settings, get_settings
from core.templating import render
from core.web import add_security_headers


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> FastAPI:
    from governance.routes import router as governance_router
    from proposals.routes import router as proposals_router
    from voting import chair, desk, kiosk, results
    from voting.api import router as api_router
    from voting.live import ScreenHub
    from voting.live import router as live_router

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
        yield
        if isinstance(bus, PostgresBus):
            await bus.close()
        db.dispose()

    # FastAPI's own /docs page loads Swagger UI from a CDN with an inline script, which the
    # Content-Security-Policy forbids; ours serves a vendored copy from static/.
    app = FastAPI(title="Common Purse", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Participatory budgeting for neighbourhood partnerships.")
    app.state.db = db
    app.state.bus = bus
    app.state.screen_hub = hub
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="cp_session",
                       same_site="lax", https_only=settings.session_cookie_secure, max_age=12 * 3600)
    app.middleware("http")(add_security_headers)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz():
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request):
        return render(request, "api_docs.html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return RedirectResponse("/static/favicon.svg", status_code=301)

    # /openapi.json describes the JSON API; the HTML pages are for people, not integrators.
    for router in (governance_router, proposals_router, kiosk.router, desk.router, chair.router, results.router,
                   live_router):
        app.include_router(router, include_in_schema=False)
    app.include_router(api_router)
    return app


# --- command line ----------------------------------------------------------------------------

def _database(args) -> Database:
    url = getattr(args, "database_url", None) or get_settings().database_url
    migrate(url)
    # On PostgreSQL the CLI's commands notify the running workers too: `round close` from a
    # terminal updates the big screen in the hall.
    return Database(url, None if is_sqlite(normalise_url(url)) else PostgresBus(url))


def cmd_serve(args) -> int:
    import uvicorn

    url = get_settings().database_url
    if args.workers > 1 and is_sqlite(normalise_url(url)):
        print("error: several workers need PostgreSQL (DATABASE_URL=postgresql://...); "
              "on SQLite serve with one worker.", file=sys.stderr)
        return 2
    migrate(url)
    uvicorn.run("main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                proxy_headers=True)
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
            print(f"\n  Round {voting_round.id}: {voting_round.title} ({VOTE_STATUS_WORDS[voting_round.vote_status]})")
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

    step = {"open": service.open_vote, "close": service.close_vote, "publish": service.publish_results}[args.step]
    db = _database(args)
    with db.session(write=True) as session:
        step(session, CLI_ACTOR, args.round_id)
    print(f"round {args.round_id}: {args.step} done")
    return 0


def cmd_audit_verify(args) -> int:
    from core.audit import public_key_hex, signing_key, verify_chain
    from voting.verification import verify_ballot_box

    db = _database(args)
    with db.session() as session:
        report = verify_chain(session, trusted_key=public_key_hex(signing_key()))
        problem = report.problem if not report.ok else verify_ballot_box(session)
    if problem:
        print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    print(f"OK: {report.entries} entries, {report.checkpoints} signed checkpoints, head {report.head_hash}")
    return 0


def cmd_export(args) -> int:
    from voting.export import pabulib_for_round

    db = _database(args)
    with db.session() as session:
        text = pabulib_for_round(session, args.round)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
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

    round_cmd = commands.add_parser("round", help="the chair's steps")
    round_cmd.add_argument("step", choices=["open", "close", "publish"])
    round_cmd.add_argument("round_id", type=int)
    round_cmd.set_defaults(run=cmd_round)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="re-walk the chain, the checkpoints and every count")
    verify.add_argument("--database-url")
    verify.set_defaults(run=cmd_audit_verify)
    export = commands.add_parser("export", help="export a published round")
    export.add_argument("format", choices=["pabulib"])
    export.add_argument("--round", type=int, required=True)
    export.add_argument("-o", "--output")
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
