"""Markup typed into any field comes back as text, never as markup.

Over two hundred payloads (tags, attributes, javascript: addresses, template syntax, htmx
attributes, Unicode tricks), each carrying its own marker, go into every field a page shows:
stored (partnerships, rounds, proposals, staff names) and reflected (query strings, form values
kept after an error, error messages, pass codes). Each page is parsed as a browser would and must
contain no element, attribute or script that a payload brought in. One app serves every payload,
so this stays quick.
"""

import itertools
import shutil
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlmodel import text

from core.audit import CLI_ACTOR
from core.settings import Settings
from governance import service as governance_service
from governance.models import Role
from tests.builders import a_round, a_staff_member, csrf_from, passes_for, sign_in
from voting import register
from voting import service as voting_service

# A dot cannot occur in the random form tokens and codes on the pages (base64url, hex), so no page
# of ours can start an attribute with the marker by chance (a token beginning "xq" once failed the test).
MARK = "xq."

# {m} is the payload's marker. Anything a payload injects carries it: as a tag name, or as the
# exact value of an attribute (id, name...), so an escaped copy inside some attribute value of the
# page's own markup is never mistaken for an injection.
SHAPES = [
    "<{m}>",
    "<script id={m}>alert(1)</script>",
    "<script>/*{m}*/alert(1)</script>",
    "<img src=x id={m} onerror=alert(1)>",
    "<svg id={m} onload=alert(1)>",
    "<svg><script id={m}>alert(1)</script></svg>",
    "<iframe id={m} srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<a id={m} href=\"javascript:alert(1)\">click</a>",
    "<a id={m} href=\"&#106;avascript:alert(1)\">click</a>",
    "<form id={m} action=\"javascript:alert(1)\"><button>go</button></form>",
    "<div id={m} hx-get=\"/logout\" hx-trigger=\"load\"></div>",
    "<div id={m} data-hx-post=\"/logout\" data-hx-trigger=\"load\"></div>",
    "<button id={m} hx-on:click=\"alert(1)\">x</button>",
    "<div id={m} hx-on::load=\"alert(1)\"></div>",
    "<div id={m} hx-headers='{{\"X-CSRF-Token\": \"x\"}}' hx-vals='js:{{a: alert(1)}}'></div>",
    "<input id={m} autofocus onfocus=alert(1)>",
    "<details id={m} open ontoggle=alert(1)>",
    "<body id={m} onload=alert(1)>",
    "<base id={m} href=\"https://evil.example/\">",
    "<meta id={m} http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
    "<link id={m} rel=stylesheet href=\"https://evil.example/x.css\">",
    "<style id={m}>body{{display:none}}</style>",
    "<math><mtext><table><mglyph><style><img id={m} src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img id={m} src=x onerror=alert(1)>\">",
    "<!--<img id={m} src=x onerror=alert(1)>-->",
    "<b id={m}",
    "<scr<script>ipt id={m}>alert(1)</script>",
    "<IMG SRC=x ID={m} ONERROR=alert(1)>",
    "<img src=x id={m} onerror=alert(1)//",
    "<object id={m} data=\"javascript:alert(1)\"></object>",
    "<embed id={m} src=\"javascript:alert(1)\">",
    "<template id={m}><img src=x onerror=alert(1)></template>",
    "{{{{7*7}}}}{m}",
    "{{{{ config }}}}{m}",
    "{{% raw %}}{m}{{% endraw %}}",
    "${{7*7}}{m}",
    "#{{7*7}}{m}",
    "javascript:alert('{m}')",
    "\u202e<b id={m}>\u202c",
    "\ufeff<b id={m}>",
    "\uff1cscript id={m}\uff1ealert(1)\uff1c/script\uff1e",
    "<b id={m}>\u0000</b>",
    "%3Cb%20id%3D{m}%3E",
    "&lt;b id={m}&gt;",
    "&#60;b id={m}&#62;",
]
# Ways out of the context a value might land in: element text, a quoted attribute, the title, a comment.
BREAKOUTS = ["", "\">", "'>", "</title>", "-->"]

PAYLOADS = [breakout + shape.format(m=f"{MARK}{n}")
            for n, (shape, breakout) in enumerate(itertools.product(SHAPES, BREAKOUTS))]


class InjectionFinder(HTMLParser):
    """Parse a page as a browser would and note anything that came from a payload."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and MARK in data:
            self.found.append(f"script text {data[:60]!r}")
        if "49" + MARK in data:  # {{7*7}} evaluated by a template engine
            self.found.append(f"evaluated template syntax {data[:60]!r}")

    def _check(self, tag, attrs):
        if MARK in tag:
            self.found.append(f"element <{tag}>")
        for name, value in attrs:
            text = (value or "").strip()
            if MARK in name or text.startswith(MARK) and " " not in text and "<" not in text:
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name.startswith("on"):
                self.found.append(f"event handler <{tag} {name}>")
            elif name in ("href", "src", "action", "formaction", "data") and text.lower().startswith("javascript:"):
                self.found.append(f"javascript: address <{tag} {name}>")


def injections(html: str) -> list[str]:
    finder = InjectionFinder()
    finder.feed(html)
    finder.close()
    return finder.found


@pytest.fixture(scope="module")
def stored(tmp_path_factory, sqlite_template):
    """One app whose partnerships, rounds, proposals and staff are all named with payloads."""
    from main import create_app

    path = tmp_path_factory.mktemp("xss") / "xss.db"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///{path}"), run_migrations=False)
    db = app.state.db
    rounds = []
    with db.session(write=True) as session:
        admin = a_staff_member(session, None, None, "admin", is_admin=True)
        admin.display_name = PAYLOADS[0]
        for n, payload in enumerate(PAYLOADS):
            partnership = governance_service.create_partnership(
                session, CLI_ACTOR, name=payload, slug=f"p{n}", area=payload, description=payload)
            voting_round = a_round(session, partnership, ballot="approval", costs=(), title=payload)
            voting_round.summary = voting_round.fund_source = voting_round.priorities = payload
            session.add(voting_round)
            from proposals import service as proposals_service

            proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title=payload,
                                           cost=1000, summary=payload, location=payload, delivered_by=payload)
            voting_service.open_vote(session, CLI_ACTOR, voting_round.id)
            rounds.append(voting_round.id)
        steward = a_staff_member(session, None, None, "steward-all", is_admin=True)
        steward.display_name = PAYLOADS[1]
    # Half the rounds are counted and published, so their results pages show the outcome too.
    published = rounds[::2]
    with db.session(write=True) as session:
        for round_id in published:
            [issued] = register.issue_passes(session, CLI_ACTOR, round_id=round_id, count=1)
            code = issued.code
            project = voting_service.proposals_repo.on_ballot(session, round_id)[0]
            voting_service.cast_ballot(session, round_id=round_id, pass_code=code,
                                       choices=voting_service.BallotChoices(approvals=[project.id]))
            voting_service.close_vote(session, CLI_ACTOR, round_id)
            voting_service.publish_results(session, CLI_ACTOR, round_id)
    with TestClient(app) as client:
        yield app, client, rounds, published
    app.state.db.dispose()


def assert_clean(response, where: str) -> None:
    assert response.status_code < 500, where
    found = injections(response.text)
    assert found == [], f"{where}: {found[:5]}"


class TestStoredMarkupIsShownAsText:
    def test_there_are_at_least_two_hundred_payloads(self):
        assert len(set(PAYLOADS)) >= 200

    def test_the_public_pages_of_every_round(self, stored):
        _, client, rounds, published = stored
        assert_clean(client.get("/"), "/")
        for round_id in rounds:
            for address in (f"/rounds/{round_id}", f"/rounds/{round_id}/results", f"/screen/{round_id}"):
                assert_clean(client.get(address), address)

    def test_the_live_screen_fragments(self, stored):
        app, _, rounds, _ = stored
        for round_id in rounds:
            assert injections(app.state.screen_hub.render(round_id)) == [], round_id

    def test_the_kiosk_ballot_and_review_pages(self, stored):
        app, client, rounds, published = stored
        for round_id in sorted(set(rounds) - set(published)):
            [code] = passes_for(app.state.db, round_id)
            ballot = client.get("/kiosk", params={"code": code})
            assert_clean(ballot, f"ballot {round_id}")
            pick = ballot.text.split('name="pick" value="', 1)[1].split('"', 1)[0]
            assert_clean(client.post("/kiosk/review", data={"code": code, "pick": pick}), f"review {round_id}")

    def test_the_staff_pages(self, stored):
        app, client, rounds, _ = stored
        sign_in(client, "admin")
        assert_clean(client.get("/manage"), "/manage")
        assert_clean(client.get("/desk"), "/desk")
        for round_id in rounds:
            assert_clean(client.get(f"/manage/rounds/{round_id}"), f"/manage/rounds/{round_id}")
        client.cookies.clear()


class TestReflectedMarkupIsShownAsText:
    def test_query_strings(self, stored):
        _, client, rounds, _ = stored
        for payload in PAYLOADS:
            for address, params in (("/login", {"next": payload}), ("/kiosk", {"code": payload}),
                                    (f"/rounds/{rounds[0]}/check", {"code": payload}),
                                    ("/no-such-page", {"q": payload})):
                assert_clean(client.get(address, params=params), f"{address} {payload!r}")

    def test_forms_kept_after_an_error_and_error_messages(self, stored):
        app, client, rounds, _ = stored
        for payload in PAYLOADS:
            assert_clean(client.post("/kiosk", data={"code": payload}), f"kiosk {payload!r}")
            token = csrf_from(client.get("/login").text)
            assert_clean(client.post("/login", data={"username": payload, "password": "x", "csrf_token": token,
                                                     "next": payload}), f"login {payload!r}")
            client.cookies.clear()

    def test_staff_forms_kept_after_an_error(self, stored):
        app, client, rounds, _ = stored
        with app.state.db.session(write=True) as session:
            partnership = governance_service.create_partnership(session, CLI_ACTOR, name="Plain", slug="plain")
            a_staff_member(session, partnership, Role.chair, "plainchair")
            # The login test above made this client wait; that is not what is tested here.
            session.exec(text("DELETE FROM governance_sign_in_throttle"))
        token = sign_in(client, "steward-all")
        for payload in PAYLOADS:
            assert_clean(client.post("/desk/passes", data={"csrf_token": token, "round_id": str(rounds[1]),
                                                           "name": payload, "postcode": payload}),
                         f"desk {payload!r}")
        client.cookies.clear()
        token = sign_in(client, "plainchair")
        for payload in PAYLOADS:
            assert_clean(client.post("/manage/rounds", data={
                "csrf_token": token, "partnership_id": str(partnership.id), "title": payload, "budget": payload,
                "fund_source": payload, "summary": payload, "eligible_postcodes": payload, "priorities": payload,
                "ballot_kind": payload, "score_max": "5", "max_picks": "", "counting_rule": payload}),
                f"round form {payload!r}")
        client.cookies.clear()

    def test_the_finder_would_see_an_injection(self):
        """The check itself: an unescaped payload on a page is caught."""
        assert injections("<p><img src=x id=xq.3 onerror=alert(1)></p>") != []
        assert injections('<input value=""><svg id=xq.4 onload=alert(1)>">') != []
        assert injections('<a href="javascript:alert(1)">x</a>') != []
        assert injections("<p>49xq.5</p>") != []
        assert injections("<p>&lt;img src=x id=xq.3 onerror=alert(1)&gt;</p>") == []
        assert injections('<input value="&quot;&gt;&lt;svg id=xq.4 onload=alert(1)&gt;">') == []


