"""Staff sign in through the council's identity provider: a real OpenID Connect provider
(oidc-provider-mock) runs in a thread for these tests; the app finds it by discovery, sends the
browser there with PKCE, and links an account by the provider's subject through an invitation."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from core.audit import CLI_ACTOR
from core.settings import Settings
from governance import repository, staffing
from tests.builders import a_partnership, csrf_from


@pytest.fixture(scope="module")
def provider():
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def council_app(database_url, provider):
    from main import create_app

    application = create_app(Settings(database_url=database_url, oidc_issuer=provider, oidc_client_id="common-purse",
                                      oidc_client_secret="not-a-real-secret-only-for-the-mock"),
                             run_migrations=False)
    yield application
    application.state.db.dispose()


@pytest.fixture
def browser(council_app):
    with TestClient(council_app) as client:
        yield client


def go_to_provider(browser, data: dict) -> str:
    """Press the council sign-in button; returns the provider's authorization address."""
    token = csrf_from(browser.get("/login").text)
    sent = browser.post("/login/oidc/start", data={"csrf_token": token, **data}, follow_redirects=False)
    assert sent.status_code == 302, sent.text
    return sent.headers["location"]


def sign_in_at_provider(authorize_url: str, subject: str) -> str:
    """The person signs in at the provider, which sends them back with a code; returns that address."""
    answered = httpx.post(authorize_url, data={"sub": subject}, follow_redirects=False)
    assert answered.status_code == 302, answered.text
    return answered.headers["location"]


def come_back(browser, return_url: str):
    parts = urlsplit(return_url)
    return browser.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def an_invitation(db) -> str:
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        _, token = staffing.invite(session, CLI_ACTOR, partnership_id=partnership.id, role="officer",
                                   email="jo@council.example")
    return token


class TestCouncilSignIn:
    def test_linked_by_an_invitation_then_signs_in_and_out(self, db, browser):
        invitation = an_invitation(db)
        page = browser.get(f"/invitations/{invitation}")
        assert "Use my council sign-in" in page.text

        authorize = go_to_provider(browser, {"invitation": invitation})
        assert "code_challenge=" in authorize and "code_challenge_method=S256" in authorize
        linked = come_back(browser, sign_in_at_provider(authorize, "jo@council.example"))

        assert linked.status_code == 303 and linked.headers["location"] == "/manage"
        assert browser.get("/manage").status_code == 200
        with db.session() as session:
            jo = repository.staff_by_oidc_subject(session, "jo@council.example")
            assert jo is not None and jo.password_hash is None
            assert repository.roles_in(session, jo.id, 1) == {"officer"}

        token = csrf_from(browser.get("/manage").text)
        browser.post("/logout", data={"csrf_token": token})
        assert browser.get("/manage", follow_redirects=False).status_code == 303  # signed out

        again = come_back(browser, sign_in_at_provider(go_to_provider(browser, {}), "jo@council.example"))
        assert again.status_code == 303 and browser.get("/manage").status_code == 200

    def test_a_tampered_state_is_refused(self, db, browser):
        authorize = go_to_provider(browser, {})
        back = sign_in_at_provider(authorize, "jo@council.example")
        state = parse_qs(urlsplit(back).query)["state"][0]

        refused = come_back(browser, back.replace(state, state[:-2] + "xx"))

        assert refused.status_code == 400 and "did not match a sign-in started from this browser" in refused.text
        assert browser.get("/manage", follow_redirects=False).status_code == 303

    def test_an_unknown_person_is_refused_with_a_message(self, db, browser):
        refused = come_back(browser, sign_in_at_provider(go_to_provider(browser, {}), "stranger@example.com"))

        assert refused.status_code == 403 and "not linked to a staff account" in refused.text
        assert browser.get("/manage", follow_redirects=False).status_code == 303

    def test_local_accounts_keep_working(self, db, browser):
        from tests.builders import a_staff_member, sign_in

        with db.session(write=True) as session:
            a_staff_member(session, None, None, "local")

        sign_in(browser, "local")

        assert browser.get("/manage").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
class TestAProviderThatIsDown:
    def test_says_so_and_offers_the_password(self, database_url):
        from main import create_app
        from tests.conftest import free_port

        application = create_app(Settings(database_url=database_url, oidc_issuer=f"http://127.0.0.1:{free_port()}",
                                          oidc_client_id="x", oidc_client_secret="y"), run_migrations=False)
        with TestClient(application) as client:
            token = csrf_from(client.get("/login").text)
            answer = client.post("/login/oidc/start", data={"csrf_token": token}, follow_redirects=False)
        application.state.db.dispose()

        assert answer.status_code == 502 and "cannot be reached" in answer.text
