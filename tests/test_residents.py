"""Residents sign in with a single-use link sent by email: no password, no account enumeration."""

import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlmodel import select

from core.audit import AuditEvent
from core.settings import Settings
from governance.models import Role, utcnow
from residents import service as residents_service
from residents.models import Resident, SignInLink
from tests.builders import a_partnership, a_staff_member, csrf_from, sign_in, sign_in_resident
from tests.conftest import free_port

LINK = re.compile(r"https?://[^/\s]+(/signin/[A-Za-z0-9_\-]+)")


class Mailbox:
    """What a real SMTP server (aiosmtpd, in this process) received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted for delivery"

    def link_to(self, address: str) -> str:
        for recipients, text in reversed(self.messages):
            if address in recipients:
                # Quoted-printable may fold a long line: unfold before looking for the link.
                return LINK.search(text.replace("=\r\n", "").replace("=\n", "")).group(1)
        raise AssertionError(f"no message to {address}")


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def _client(database_url, **settings):
    from main import create_app

    return create_app(Settings(database_url=database_url, **settings), run_migrations=False)


@pytest.fixture
def mail_client(database_url, smtp_server):
    controller, _ = smtp_server
    app = _client(database_url, smtp_host="127.0.0.1", smtp_port=controller.port)
    with TestClient(app) as client:
        yield client
    app.state.db.dispose()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    return smtp_server[1]


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox"


@pytest.fixture
def outbox_client(database_url, outbox):
    app = _client(database_url, outbox_dir=str(outbox))
    with TestClient(app) as client:
        yield client
    app.state.db.dispose()


def ask_for_link(client, email: str, next_path: str = "/me"):
    token = csrf_from(client.get("/signin").text)
    return client.post("/signin", data={"csrf_token": token, "email": email, "next": next_path})


def follow_link(client, path: str):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(path, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)


class TestSigningInByEmailLink:
    def test_a_resident_signs_in_by_the_link_the_smtp_server_received(self, mail_client, mailbox, db):
        answer = ask_for_link(mail_client, "  Ann.Lee@Example.ORG ")

        assert answer.status_code == 200
        assert "Check your email" in answer.text and "ann.lee@example.org" in answer.text
        (recipients, text), = mailbox.messages
        assert recipients == ["ann.lee@example.org"]
        assert "Subject: Your sign-in link" in text
        signed_in = follow_link(mail_client, mailbox.link_to("ann.lee@example.org"))
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/me"
        me = mail_client.get("/me")
        assert me.status_code == 200 and "ann.lee@example.org" in me.text
        assert 'href="/me">Your page' in mail_client.get("/").text
        with db.session() as session:
            resident, = session.exec(select(Resident)).all()
            assert resident.email == "ann.lee@example.org"

    def test_opening_the_link_does_not_spend_it_as_mail_scanners_open_links(self, mail_client, mailbox):
        ask_for_link(mail_client, "ann@example.org")
        path = mailbox.link_to("ann@example.org")

        for _ in range(3):
            page = mail_client.get(path)
            assert page.status_code == 200 and "Press the button to sign in" in page.text
        assert mail_client.get("/me", follow_redirects=False).status_code == 303
        assert follow_link(mail_client, path).status_code == 303
        assert mail_client.get("/me").status_code == 200

    def test_after_signing_in_the_resident_returns_where_they_were(self, outbox_client, db):
        ask_for_link(outbox_client, "ann@example.org", next_path="/rounds/7")
        outbox_client.cookies.clear()
        evil = ask_for_link(outbox_client, "bob@example.org", next_path="//evil.example/x")
        assert evil.status_code == 200
        with db.session() as session:
            links = {link.email: link.next_path for link in session.exec(select(SignInLink))}
        assert links == {"ann@example.org": "/rounds/7", "bob@example.org": "/me"}

    def test_a_page_for_residents_only_sends_an_anonymous_visitor_to_sign_in(self, client):
        assert 'href="/signin">Resident sign-in' in client.get("/").text
        page = client.get("/me", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/signin?next=/me"
        api = client.get("/me", headers={"accept": "application/json"})
        assert api.status_code == 401 and "/signin" in api.json()["detail"]

    def test_no_email_address_enters_the_audit_log(self, mail_client, mailbox, db):
        ask_for_link(mail_client, "ann@example.org")
        follow_link(mail_client, mailbox.link_to("ann@example.org"))
        mail_client.post("/signout", data={"csrf_token": csrf_from(mail_client.get("/me").text)})

        with db.session() as session:
            entries = session.exec(select(AuditEvent)).all()
        actions = [e.action for e in entries]
        assert actions == ["signin.link_sent", "signin.account_created", "signin.resident_signed_in",
                           "signin.resident_signed_out"]
        assert not [e for e in entries if "example.org" in e.payload + e.actor_ref + e.subject]
        assert entries[-1].actor_ref.startswith("resident:")


class TestTheOutbox:
    def test_without_smtp_the_message_is_written_to_the_outbox_and_an_admin_reads_it(self, outbox_client, outbox, db):
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            a_staff_member(session, None, None, "admin", is_admin=True)
            a_staff_member(session, partnership, Role.chair, "chair")

        assert ask_for_link(outbox_client, "ann@example.org").status_code == 200
        message, = outbox.glob("*.eml")
        assert "To: ann@example.org" in message.read_text()
        assert oct(message.stat().st_mode & 0o777) == "0o600"
        sign_in(outbox_client, "admin")
        page = outbox_client.get("/dev/outbox")
        assert page.status_code == 200 and "ann@example.org" in page.text
        path = LINK.search(page.text).group(1)
        outbox_client.post("/logout", data={"csrf_token": csrf_from(page.text)})
        assert follow_link(outbox_client, path).status_code == 303

        sign_in(outbox_client, "chair")
        assert outbox_client.get("/dev/outbox").status_code == 403

    def test_the_outbox_page_is_refused_when_mail_goes_through_smtp(self, mail_client, db):
        with db.session(write=True) as session:
            a_staff_member(session, None, None, "admin", is_admin=True)
        sign_in(mail_client, "admin")
        assert mail_client.get("/dev/outbox").status_code == 404

    def test_an_unreachable_smtp_server_is_a_clear_message_not_a_500(self, database_url):
        app = _client(database_url, smtp_host="127.0.0.1", smtp_port=free_port())
        with TestClient(app) as client:
            answer = ask_for_link(client, "ann@example.org")
        app.state.db.dispose()
        assert answer.status_code == 503
        assert "could not be sent" in answer.text and 'value="ann@example.org"' in answer.text


class TestLinksThatCannotBeUsed:
    def _link(self, db, *, minutes_ago: int = 0) -> str:
        with db.session(write=True) as session:
            _, token = residents_service.request_link(session, email="ann@example.org", client="test",
                                                      link_minutes=30,
                                                      now=utcnow() - timedelta(minutes=minutes_ago))
        return f"/signin/{token}"

    def test_an_expired_link_says_so_and_offers_a_new_one(self, client, db):
        path = self._link(db, minutes_ago=31)

        page = client.get(path)
        assert page.status_code == 410
        assert "This link has expired: ask for a new one" in page.text and 'name="email"' in page.text
        posted = client.post(path, data={"csrf_token": csrf_from(page.text)})
        assert posted.status_code == 410 and "expired" in posted.text
        assert client.get("/me", follow_redirects=False).status_code == 303

    def test_a_link_works_once(self, client, db):
        path = self._link(db)
        page = client.get(path)
        assert client.post(path, data={"csrf_token": csrf_from(page.text)},
                           follow_redirects=False).status_code == 303

        client.cookies.clear()
        again = client.get(path)
        assert again.status_code == 410 and "already been used" in again.text
        assert client.post(path, data={"csrf_token": csrf_from(again.text)}).status_code == 410
        assert client.get("/me", follow_redirects=False).status_code == 303

    def test_a_made_up_link_is_refused_plainly(self, client):
        for token in ("x" * 43, "short", "%E2%80%AE" * 10, "a" * 3000, "<script>alert(1)</script>"):
            page = client.get(f"/signin/{token}")
            assert page.status_code in (404, 410), token
            if page.status_code == 410:
                assert "not valid" in page.text and 'name="email"' in page.text
                assert "<script>alert" not in page.text
                assert client.post(f"/signin/{token}", data={"csrf_token": csrf_from(page.text)}).status_code == 410


class TestNoAccountEnumeration:
    def test_a_known_and_an_unknown_address_get_the_same_answer(self, mail_client, mailbox, db):
        ask_for_link(mail_client, "known@example.org")
        follow_link(mail_client, mailbox.link_to("known@example.org"))
        mail_client.post("/signout", data={"csrf_token": csrf_from(mail_client.get("/me").text)})

        known = ask_for_link(mail_client, "known@example.org")
        unknown = ask_for_link(mail_client, "stranger@example.org")

        assert known.status_code == unknown.status_code == 200
        assert known.text.replace("known@", "X@") == unknown.text.replace("stranger@", "X@")
        assert [recipients for recipients, _ in mailbox.messages] == [
            ["known@example.org"], ["known@example.org"], ["stranger@example.org"]]

    def test_asking_too_often_for_one_address_is_throttled_the_same_way_known_or_not(self, mail_client, mailbox):
        ask_for_link(mail_client, "known@example.org")
        follow_link(mail_client, mailbox.link_to("known@example.org"))
        answers = {}
        for address in ("known@example.org", "stranger@example.org"):
            for _ in range(residents_service.MAX_LINKS_PER_ADDRESS - (address == "known@example.org")):
                assert ask_for_link(mail_client, address).status_code == 200
            answers[address] = ask_for_link(mail_client, address)

        known, unknown = answers.values()
        assert known.status_code == unknown.status_code == 429
        assert "already sent 3 links to this address" in known.text and 'value="known@example.org"' in known.text
        assert known.headers["retry-after"] and unknown.headers["retry-after"]
        assert len(mailbox.messages) == 2 * residents_service.MAX_LINKS_PER_ADDRESS

    def test_something_that_is_not_an_address_is_explained_by_the_field(self, outbox_client, outbox):
        for typed in ("", "not-an-address", "ann@", "a@b", "<ann@example.org>", "x" * 300 + "@example.org",
                      "ann@exa mple.org"):
            answer = ask_for_link(outbox_client, typed)
            assert answer.status_code == 422, typed
            assert 'id="email-error"' in answer.text and "email address" in answer.text
        assert not list(outbox.glob("*.eml"))


class TestTheResidentSession:
    def test_signing_out_ends_the_session_on_every_device(self, database_url, db):
        from main import create_app

        app = create_app(Settings(database_url=database_url), run_migrations=False)
        with TestClient(app) as phone, TestClient(app) as laptop:
            sign_in_resident(phone, db)
            sign_in_resident(laptop, db)
            assert phone.get("/me").status_code == laptop.get("/me").status_code == 200

            phone.post("/signout", data={"csrf_token": csrf_from(phone.get("/me").text)})

            assert phone.get("/me", follow_redirects=False).status_code == 303
            assert laptop.get("/me", follow_redirects=False).status_code == 303
        app.state.db.dispose()

    def test_a_staff_session_and_a_resident_session_live_side_by_side(self, client, db):
        with db.session(write=True) as session:
            a_staff_member(session, a_partnership(session), Role.chair, "chair")
        sign_in(client, "chair")
        sign_in_resident(client, db)

        assert client.get("/manage").status_code == 200
        assert client.get("/me").status_code == 200
        client.post("/signout", data={"csrf_token": csrf_from(client.get("/me").text)})
        assert client.get("/me", follow_redirects=False).status_code == 303
        assert client.get("/manage").status_code == 200

    def test_a_closed_account_is_signed_out(self, client, db):
        resident_id = sign_in_resident(client, db)
        with db.session(write=True) as session:
            resident = session.get(Resident, resident_id)
            resident.active = False
            session.add(resident)
        assert client.get("/me", follow_redirects=False).status_code == 303

    def test_a_resident_chooses_the_name_shown_and_bad_names_are_explained(self, client, db):
        sign_in_resident(client, db)
        token = csrf_from(client.get("/me").text)

        saved = client.post("/me", data={"csrf_token": token, "display_name": "  Ann   of Hurdsfield "})
        assert saved.status_code == 200 and 'value="Ann of Hurdsfield"' in saved.text
        for bad, why in (("ann@example.org", "not an email address"), ("A" * 81, "at most 80"),
                         ("<b>Ann</b>" * 20, "at most 80")):
            refused = client.post("/me", data={"csrf_token": token, "display_name": bad})
            assert refused.status_code == 422 and why in refused.text
            assert 'id="display_name-error"' in refused.text
        assert "&lt;b&gt;Ann" in refused.text and "<b>Ann" not in refused.text
