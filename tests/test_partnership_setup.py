"""Setting up from an empty database: the first admin on the command line, then partnerships, staff
invited by one-time links, roles given and taken, accounts unlocked and deactivated, on the web."""

import io
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

import main
from core.audit import CLI_ACTOR
from governance import repository, staffing
from governance.models import Invitation, Role, utcnow
from tests.builders import PASSWORD, a_partnership, a_staff_member, csrf_from, sign_in


def cli(capsys, database_url: str, *args: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main.main([*args, "--database-url", database_url])
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip()


def actions(db) -> list[str]:
    with db.session() as session:
        return [row[0] for row in session.exec(sa.text("SELECT action FROM audit_event ORDER BY seq")).all()]


class TestSettingUpFromTheCommandLine:
    def test_admin_partnership_invitation_and_roles(self, db, database_url, capsys, monkeypatch):
        code, out, err = cli(capsys, database_url, "admin", "create", "--username", "Root",
                             "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
        assert code == 0, err
        assert "Administrator root created" in out

        code, out, err = cli(capsys, database_url, "partnership", "create", "--name", "Bollington Partnership",
                             "--area", "sk10, SK11 ,Bollington East")
        assert code == 0, err
        partnership_id = int(out)

        code, link, err = cli(capsys, database_url, "staff", "invite", "--partnership", str(partnership_id),
                              "--role", "chair", "--email", "chair@example.org")
        assert code == 0, err
        token = link.rsplit("/invitations/", 1)[1]

        with db.session(write=True) as session:
            chair = staffing.accept_invitation(session, token, username="pat", display_name="Pat Chair",
                                               password=PASSWORD, password_again=PASSWORD)
            chair_id = chair.id
        code, out, err = cli(capsys, database_url, "staff", "role", "add", "--username", "pat", "--partnership",
                             str(partnership_id), "--role", "officer")
        assert code == 0, err
        code, out, err = cli(capsys, database_url, "staff", "role", "remove", "--username", "pat",
                             "--partnership", str(partnership_id), "--role", "chair")

        assert code == 2 and "must keep a chair" in err
        with db.session() as session:
            partnership = repository.get_partnership(session, partnership_id)
            assert partnership.area == "SK10, SK11, Bollington East"
            assert repository.roles_in(session, chair_id, partnership_id) == {"chair", "officer"}
            admin = repository.staff_by_username(session, "root")
            assert admin.is_admin and admin.password_hash != PASSWORD
            stored = session.exec(sa.select(Invitation.token_hash)).scalars().all()
        assert token not in stored
        assert {"partnership.created", "staff.invited", "staff.invitation_accepted", "member.added"} <= set(
            actions(db))

    def test_the_password_is_asked_for_twice(self, db, database_url, capsys, monkeypatch):
        answers = iter([PASSWORD, PASSWORD + "!"])
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
        code, _, err = cli(capsys, database_url, "admin", "create", "--username", "root")
        assert code == 2 and "not the same" in err

        answers = iter([PASSWORD, PASSWORD])
        code, out, err = cli(capsys, database_url, "admin", "create", "--username", "root")
        assert code == 0 and "Administrator root created" in out

    def test_bad_input_is_a_message_not_a_traceback(self, db, database_url, capsys, monkeypatch):
        code, _, err = cli(capsys, database_url, "admin", "create", "--username", "root", "--password-stdin",
                           stdin="short\n", monkeypatch=monkeypatch)
        assert code == 2 and "at least 12 characters" in err
        code, _, err = cli(capsys, database_url, "partnership", "create", "--name", "X", "--area", "12345")
        assert code == 2 and "neither a postcode district" in err
        code, _, err = cli(capsys, database_url, "staff", "invite", "--partnership", "999", "--role", "chair",
                           "--email", "a@b.org")
        assert code == 2 and "There is no partnership 999" in err


class TestInvitations:
    def _invite(self, db, role="steward", now=None):
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            _, token = staffing.invite(session, CLI_ACTOR, partnership_id=partnership.id, role=role,
                                       email="new@example.org", now=now)
        return partnership, token

    def test_the_link_makes_an_account_with_its_role_and_signs_in(self, db, client):
        partnership, token = self._invite(db)

        page = client.get(f"/invitations/{token}")
        assert page.status_code == 200 and "You are invited as steward" in page.text
        made = client.post(f"/invitations/{token}", data={
            "csrf_token": csrf_from(page.text), "display_name": "Sam Steward", "username": "sam",
            "password": PASSWORD, "password_again": PASSWORD}, follow_redirects=False)

        assert made.status_code == 303 and made.headers["location"] == "/manage"
        assert client.get("/desk").status_code == 200
        with db.session() as session:
            sam = repository.staff_by_username(session, "sam")
            assert repository.roles_in(session, sam.id, partnership.id) == {"steward"}

    def test_a_used_link_cannot_be_used_again(self, db, client):
        _, token = self._invite(db)
        with db.session(write=True) as session:
            staffing.accept_invitation(session, token, username="sam", display_name="Sam", password=PASSWORD,
                                       password_again=PASSWORD)

        again = client.get(f"/invitations/{token}")

        assert again.status_code == 409 and "already been used" in again.text

    def test_an_expired_link_says_so(self, db, client):
        _, token = self._invite(db, now=utcnow() - timedelta(days=8))

        page = client.get(f"/invitations/{token}")

        assert page.status_code == 410 and "expired on" in page.text

    def test_a_forged_link_is_not_valid(self, db, client):
        self._invite(db)

        page = client.get("/invitations/" + "A" * 43)

        assert page.status_code == 404 and "not valid" in page.text

    def test_a_mistake_in_the_form_keeps_what_was_typed(self, db, client):
        _, token = self._invite(db)
        page = client.get(f"/invitations/{token}")

        refused = client.post(f"/invitations/{token}", data={
            "csrf_token": csrf_from(page.text), "display_name": "Sam Steward", "username": "sam",
            "password": PASSWORD, "password_again": PASSWORD + "x"})

        assert refused.status_code == 422 and "not the same" in refused.text
        assert 'value="Sam Steward"' in refused.text and 'value="sam"' in refused.text
        assert client.get(f"/invitations/{token}").status_code == 200  # still usable


class TestTheAdminPages:
    def _admin(self, db, client):
        with db.session(write=True) as session:
            a_staff_member(session, None, None, "root", is_admin=True)
        return sign_in(client, "root")

    def test_create_a_partnership_invite_a_chair_and_give_a_role(self, db, client):
        token = self._admin(db, client)

        created = client.post("/admin/partnerships", data={"csrf_token": token, "name": "Tytherington Partnership",
                                                           "area": "SK10", "description": "Meets monthly."})
        assert created.status_code == 200 and "Partnership created" in created.text
        partnership_id = int(re.search(r"/admin/partnerships/(\d+)", str(created.url)).group(1))
        invited = client.post(f"/admin/partnerships/{partnership_id}/invitations",
                              data={"csrf_token": token, "email": "chair@example.org", "role": "chair"})
        link = re.search(r'<code id="invitation-link">([^<]+)</code>', invited.text).group(1)
        assert "/invitations/" in link
        assert 'id="invitation-link"' not in client.get(f"/admin/partnerships/{partnership_id}").text  # shown once
        with db.session(write=True) as session:
            other = a_staff_member(session, None, None, "olive")
        given = client.post(f"/admin/partnerships/{partnership_id}/roles",
                            data={"csrf_token": token, "staff_id": str(other.id), "role": "officer"})
        twice = client.post(f"/admin/partnerships/{partnership_id}/roles",
                            data={"csrf_token": token, "staff_id": str(other.id), "role": "officer"})

        assert given.status_code == 200 and "The officer role was given: Olive" in given.text
        assert twice.status_code == 409 and "Olive is already officer of Tytherington Partnership" in twice.text

    def test_the_last_chair_cannot_be_removed(self, db, client):
        token = self._admin(db, client)
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            chair = a_staff_member(session, partnership, Role.chair, "chair")

        refused = client.post(f"/admin/partnerships/{partnership.id}/roles/remove",
                              data={"csrf_token": token, "staff_id": str(chair.id), "role": "chair"})

        assert refused.status_code == 409 and "must keep a chair" in refused.text

    def test_take_a_role_away_and_the_history_says_so(self, db, client):
        token = self._admin(db, client)
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            a_staff_member(session, partnership, Role.chair, "chair")
            officer = a_staff_member(session, partnership, Role.officer, "officer")

        taken = client.post(f"/admin/partnerships/{partnership.id}/roles/remove",
                            data={"csrf_token": token, "staff_id": str(officer.id), "role": "officer"})
        again = client.post(f"/admin/partnerships/{partnership.id}/roles/remove",
                            data={"csrf_token": token, "staff_id": str(officer.id), "role": "officer"})

        assert taken.status_code == 200 and "The officer role was taken away: Officer" in taken.text
        assert again.status_code == 404 and "Officer is not officer of" in again.text
        assert "member.removed" in actions(db)

    def test_unlock_an_account_waiting_after_wrong_passwords(self, db, client):
        token = self._admin(db, client)
        with db.session(write=True) as session:
            steward = a_staff_member(session, None, None, "steward")
        from governance import service
        with db.session(write=True) as session:
            for _ in range(service.FREE_FAILURES + 1):
                service.authenticate(session, "steward", "wrong", client=f"10.0.0.{_}")
        assert "waiting" in client.get("/admin").text

        unlocked = client.post(f"/admin/staff/{steward.id}/unlock", data={"csrf_token": token})

        assert unlocked.status_code == 200 and "Steward may sign in again" in unlocked.text
        with db.session(write=True) as session:
            assert service.authenticate(session, "steward", PASSWORD, client="10.0.0.99") is not None

    def test_deactivating_ends_sessions_and_keeps_history(self, db, client, app):
        from fastapi.testclient import TestClient

        token = self._admin(db, client)
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            steward = a_staff_member(session, partnership, Role.steward, "steward")
        with TestClient(app) as steward_device:
            sign_in(steward_device, "steward")
            done = client.post(f"/admin/staff/{steward.id}/deactivate", data={"csrf_token": token})

            assert done.status_code == 200 and "Steward was deactivated" in done.text
            assert steward_device.get("/desk", follow_redirects=False).status_code == 303
        with db.session() as session:
            assert repository.roles_in(session, steward.id, partnership.id) == {"steward"}  # history kept
        assert "staff.deactivated" in actions(db)

    def test_not_for_other_staff(self, db, client):
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            a_staff_member(session, partnership, Role.chair, "chair")
        sign_in(client, "chair")

        assert client.get("/admin").status_code == 403

    def test_after_fifteen_idle_minutes_the_password_again(self, db, client, monkeypatch):
        self._admin(db, client)
        assert client.get("/admin").status_code == 200
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 16 * 60)

        asked = client.get("/admin", follow_redirects=False)
        assert asked.status_code == 303 and asked.headers["location"].startswith("/admin/confirm")
        page = client.get(asked.headers["location"])
        wrong = client.post("/admin/confirm", data={"csrf_token": csrf_from(page.text), "password": "nope",
                                                    "next": "/admin"})
        right = client.post("/admin/confirm", data={"csrf_token": csrf_from(page.text), "password": PASSWORD,
                                                    "next": "/admin"}, follow_redirects=False)

        assert wrong.status_code == 401 and "not your password" in wrong.text
        assert right.status_code == 303 and right.headers["location"] == "/admin"
        assert client.get("/admin").status_code == 200

    @pytest.mark.parametrize("area", ["", "99, ##"])
    def test_a_bad_area_keeps_the_form(self, db, client, area):
        token = self._admin(db, client)

        refused = client.post("/admin/partnerships", data={"csrf_token": token, "name": "Kept Name", "area": area})

        assert refused.status_code == 422 and 'value="Kept Name"' in refused.text
