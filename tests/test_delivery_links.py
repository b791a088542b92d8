"""A grant's recipient organisation has no account: the officer sends it a link, and through it the
organisation reports its spending (with receipts), milestones reached, what the project delivered and
photos. The same checks hold as for officers, a link stops working when it expires or is revoked,
and what the recipient entered is marked as theirs, in the log as "recipient organisation"."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from core.audit import AuditEvent
from core.errors import Conflict, InvalidInput, NotFound
from delivery import links, photos, repository, service
from delivery.models import PhotoStatus, ProjectPhotoFile, RecipientLink
from governance.permissions import actor_for
from scrutiny import service as scrutiny_service
from tests.builders import A_JPEG, csrf_from, sign_in
from tests.test_certification import a_published_round, certify_and_confirm
from tests.test_delivery import PDF, PNG, funded, grant_form

JPEG = A_JPEG
TODAY = date.today()


@pytest.fixture
def awarded(db):
    """A certified round's first funded project with its £60,000 grant."""
    day = a_published_round(db)
    certify_and_confirm(db, day)
    with db.session(write=True) as session:
        grant = service.award_grant(session, actor_for(day.officer, "officer"), round_id=day.round_id,
                                    proposal_id=funded(db, day)[0], form=grant_form())
        return day, grant.id


def a_link(db, day, grant_id, **kwargs) -> tuple[int, str]:
    with db.session(write=True) as session:
        link, token = links.issue_link(session, actor_for(day.officer, "officer"), grant_id, **kwargs)
        return link.id, token


@pytest.fixture
def link(db, awarded):
    day, grant_id = awarded
    link_id, token = a_link(db, day, grant_id)
    return day, grant_id, link_id, token


def post_spend(client, token, *, evidence=None, **values):
    page = client.get(f"/recipient/{token}")
    form = {"csrf_token": csrf_from(page.text), "spent_on": (TODAY - timedelta(days=3)).isoformat(),
            "amount": "250", "description": "Room hire", **values}
    files = {"evidence": evidence} if evidence else None
    return client.post(f"/recipient/{token}/spend", data=form, files=files, follow_redirects=False)


class TestAnOfficersLink:
    def test_only_a_hash_of_the_token_is_kept_and_making_it_is_audited(self, db, link):
        _, grant_id, link_id, token = link
        with db.session() as session:
            stored = session.get(RecipientLink, link_id)
            entry = session.exec(select(AuditEvent).where(AuditEvent.action == "recipient_link.issued")).one()
            opened, opened_grant = links.open_link(session, token)
        assert token not in stored.token_hash and len(token) >= 40
        assert (stored.expires_at.date() - stored.created_at.date()).days == links.DEFAULT_DAYS
        assert entry.subject == f"grant:{grant_id}"
        assert token not in entry.payload and stored.token_hash not in entry.payload
        assert (opened.id, opened_grant.id) == (link_id, grant_id)

    def test_it_stops_working_when_it_expires(self, db, awarded):
        day, grant_id = awarded
        _, token = a_link(db, day, grant_id, days="7")
        with db.session() as session:
            links.open_link(session, token, now=datetime.now(UTC) + timedelta(days=6))
            with pytest.raises(links.LinkGone, match="expired on") as gone:
                links.open_link(session, token, now=datetime.now(UTC) + timedelta(days=8))
        assert gone.value.status_code == 410

    def test_a_revoked_link_stops_working_and_is_revoked_once(self, db, link):
        day, grant_id, link_id, token = link
        officer = actor_for(day.officer, "officer")
        with db.session(write=True) as session:
            links.revoke_link(session, officer, grant_id, link_id)
        with db.session(write=True) as session, pytest.raises(Conflict, match="already revoked"):
            links.revoke_link(session, officer, grant_id, link_id)
        with db.session() as session, pytest.raises(links.LinkGone, match="withdrawn"):
            links.open_link(session, token)
        with db.session(write=True) as session, pytest.raises(NotFound):
            links.revoke_link(session, officer, grant_id, 10**12)

    @pytest.mark.parametrize("token", ["", "short", "x" * 43, "é" * 43, "x" * 5000])
    def test_an_unknown_token_is_not_found(self, db, link, token):
        with db.session() as session, pytest.raises(NotFound, match="not valid"):
            links.open_link(session, token)

    @pytest.mark.parametrize("days", ["0", "367", "-1", "ninety", "٣"])
    def test_a_lifetime_out_of_range_is_refused(self, db, awarded, days):
        day, grant_id = awarded
        with pytest.raises(InvalidInput) as refused:
            a_link(db, day, grant_id, days=days)
        assert refused.value.field == "days"


class TestTheRecipientReportsSpend:
    def test_spend_with_a_receipt_is_added_and_refreshing_does_not_add_it_again(self, db, link, client):
        _, grant_id, link_id, token = link

        sent = post_spend(client, token, evidence=("receipt.pdf", PDF, "application/pdf"))
        after = client.get(sent.headers["location"])
        again = client.get(sent.headers["location"])

        assert sent.status_code == 303 and sent.headers["location"] == f"/recipient/{token}?done=spend"
        assert after.status_code == 200 and "Your spending was added to the ledger" in after.text
        assert "Room hire" in again.text and "Your organisation" in again.text
        assert after.headers["cache-control"] == "no-store"
        with db.session() as session:
            [entry] = repository.spend_of(session, grant_id)
            logged = session.exec(select(AuditEvent).where(AuditEvent.action == "spend.recorded")).one()
            assert repository.evidence_of(session, entry.id).content == PDF
        assert entry.entered_by == f"link:{link_id}" and (entry.amount, entry.evidence_type) == (250, "application/pdf")
        assert (logged.actor_role, logged.actor_ref) == ("recipient", f"link:{link_id}")

    @pytest.mark.parametrize("values, evidence, status, field, message", [
        ({"amount": "-50"}, None, 422, "amount", "cannot be negative"),
        ({"amount": "0"}, None, 422, "amount", "more than £0"),
        ({"amount": "lots"}, None, 422, "amount", "pounds and pence"),
        ({"amount": "12.505"}, None, 422, "amount", "pounds and pence"),
        ({"amount": "12,50"}, None, 422, "amount", "a comma only separates thousands"),
        ({"amount": "1,0,0"}, None, 422, "amount", "a comma only separates thousands"),
        ({"spent_on": (TODAY + timedelta(days=1)).isoformat()}, None, 422, "spent_on", "cannot be in the future"),
        ({"spent_on": "31/03/2026"}, None, 422, "spent_on", "year-month-day"),
        ({"spent_on": "1900-01-01"}, None, 422, "spent_on", "before the grant was awarded on 1 March 2026"),
        ({"spent_on": "2026-02-28"}, None, 422, "spent_on", "before the grant was awarded"),
        ({"description": "   "}, None, 422, "description", "Enter what the money was spent on"),
        ({"amount": "60001"}, None, 422, "amount", "more than the whole grant of £60,000"),
        ({}, ("invoice.pdf", b"MZ\x90 not a pdf", "application/pdf"), 422, "evidence", "PDF or an image"),
        ({}, ("receipt.png", b"\x89PNG\r\n\x1a\n", "image/png"), 422, "evidence", "PDF or an image"),
        ({}, ("receipt.pdf", b"%PDF-1.4 and nothing more", "application/pdf"), 422, "evidence", "PDF or an image"),
        ({}, ("receipt.pdf", b"%PDF-%%EOF", "application/pdf"), 422, "evidence", "PDF or an image"),
        ({}, ("huge.pdf", b"%PDF-" + b"0" * (4 * 1024 * 1024), "application/pdf"), 422, "evidence", "too big"),
    ])
    def test_what_cannot_be_right_is_refused_beside_its_field_keeping_what_was_typed(
            self, db, link, client, values, evidence, status, field, message):
        _, grant_id, _, token = link
        values = dict(values)  # the same parameters serve each database: leave them as they were

        refused = post_spend(client, token, evidence=evidence, description=values.pop("description", "Paint & brushes"),
                             **values)

        assert refused.status_code == status
        assert f'id="{field}-error"' in refused.text and message.replace("'", "&#39;") in refused.text
        assert "Paint &amp; brushes" in refused.text or field == "description"
        with db.session() as session:
            assert repository.spend_of(session, grant_id) == []

    def test_pounds_and_pence_are_kept_as_the_receipt_says(self, db, link, client):
        _, grant_id, _, token = link

        sent = post_spend(client, token, amount="£1,212.50", description="Leaflets")
        page = client.get(sent.headers["location"]).text

        assert sent.status_code == 303 and "£1,212.50" in page
        with db.session() as session:
            [entry] = repository.spend_of(session, grant_id)
            assert entry.amount_pence == 121_250 and service.spent(session, grant_id) == Decimal("1212.50")
        assert "£1,212.50" in client.get(f"/projects/{grant_id}").text

    def test_spend_beyond_the_grant_is_refused_even_when_the_form_claims_an_override(self, db, link, client):
        _, grant_id, _, token = link
        assert post_spend(client, token, amount="59000").status_code == 303

        over = post_spend(client, token, amount="2000", description="Extra", override="yes")

        assert over.status_code == 409 and "over the grant of £60,000. An officer can allow it" in over.text
        with db.session() as session:
            assert len(repository.spend_of(session, grant_id)) == 1

    def test_the_same_entry_twice_is_refused(self, db, link, client):
        _, grant_id, _, token = link
        assert post_spend(client, token).status_code == 303

        twice = post_spend(client, token)

        assert twice.status_code == 409 and "already in the ledger" in twice.text
        with db.session() as session:
            assert len(repository.spend_of(session, grant_id)) == 1

    def test_a_post_without_the_forms_token_is_refused(self, link, client):
        _, _, _, token = link
        client.get(f"/recipient/{token}")
        refused = client.post(f"/recipient/{token}/spend", data={"spent_on": "2026-01-01", "amount": "5",
                                                                  "description": "x"})
        assert refused.status_code == 403


class TestALinkThatNoLongerWorks:
    def test_unknown_revoked_and_expired_links_get_a_clear_page_not_an_error(self, db, link, client):
        day, grant_id, link_id, token = link
        _, expired = a_link(db, day, grant_id, days="1")
        with db.session(write=True) as session:
            stale = session.exec(select(RecipientLink).where(RecipientLink.id != link_id)).one()
            stale.expires_at = datetime.now(UTC) - timedelta(minutes=1)
            session.add(stale)
        page = client.get(f"/recipient/{token}")
        form_token = csrf_from(page.text)
        with db.session(write=True) as session:
            links.revoke_link(session, actor_for(day.officer, "officer"), grant_id, link_id)

        unknown = client.get("/recipient/" + "A" * 43)
        revoked = client.get(f"/recipient/{token}")
        late = client.get(f"/recipient/{expired}")
        late_post = client.post(f"/recipient/{expired}/spend", data={
            "csrf_token": form_token, "spent_on": "2026-01-01", "amount": "5", "description": "x"})
        revoked_post = client.post(f"/recipient/{token}/outputs", data={
            "csrf_token": form_token, "indicator": "x", "value": "1", "unit": "u", "reported_on": "2026-01-01"})

        assert unknown.status_code == 404 and "This link is not valid" in unknown.text
        assert revoked.status_code == 410 and "withdrawn by the council" in revoked.text
        assert late.status_code == 410 and "This link expired on" in late.text
        assert late_post.status_code == 410 and revoked_post.status_code == 410
        with db.session() as session:
            assert repository.spend_of(session, grant_id) == [] and repository.outputs_of(session, grant_id) == []

    def test_the_page_and_its_refusals_are_in_welsh(self, link, client):
        _, _, _, token = link
        page = client.get(f"/recipient/{token}?lang=cy")
        refused = post_spend(client, token, spent_on=(TODAY + timedelta(days=1)).isoformat())
        gone = client.get("/recipient/" + "A" * 43)

        assert page.headers["content-language"] == "cy" and "Adroddiad ar eich grant" in page.text
        assert "Ni all y dyddiad fod yn y dyfodol." in refused.text
        assert "Nid yw'r ddolen hon yn ddilys" in gone.text.replace("&#39;", "'")


class TestProgressThroughTheLink:
    def test_a_milestone_reached_and_what_was_delivered(self, db, link, client):
        day, grant_id, link_id, token = link
        with db.session(write=True) as session:
            milestone = service.add_milestone(session, actor_for(day.officer, "officer"), grant_id,
                                              title="First class", planned_on="2026-04-01", today=TODAY)
            milestone_id = milestone.id
        form_token = csrf_from(client.get(f"/recipient/{token}").text)

        future = client.post(f"/recipient/{token}/milestones/{milestone_id}/done", data={
            "csrf_token": form_token, "actual_on": (TODAY + timedelta(days=2)).isoformat()})
        long_ago = client.post(f"/recipient/{token}/milestones/{milestone_id}/done", data={
            "csrf_token": form_token, "actual_on": "1999-01-01"})
        done = client.post(f"/recipient/{token}/milestones/{milestone_id}/done", data={
            "csrf_token": form_token, "actual_on": "2026-04-03"}, follow_redirects=False)
        twice = client.post(f"/recipient/{token}/milestones/{milestone_id}/done", data={
            "csrf_token": form_token, "actual_on": "2026-04-03"})
        output = client.post(f"/recipient/{token}/outputs", data={
            "csrf_token": form_token, "indicator": "Residents at healthy eating classes", "value": "88",
            "unit": "residents", "reported_on": "2026-10-01"}, follow_redirects=False)
        old_output = client.post(f"/recipient/{token}/outputs", data={
            "csrf_token": form_token, "indicator": "Sessions", "value": "11", "unit": "sessions",
            "reported_on": "1900-01-01"})
        bad_output = client.post(f"/recipient/{token}/outputs", data={
            "csrf_token": form_token, "indicator": "Sessions", "value": "eleven", "unit": "sessions",
            "reported_on": "2026-10-01"})

        assert future.status_code == 422 and 'id="actual_on-error"' in future.text
        # A date before the award would clear a late flag without anything having happened.
        assert long_ago.status_code == 422 and "before the grant was awarded" in long_ago.text
        assert old_output.status_code == 422 and 'id="reported_on-error"' in old_output.text
        assert done.status_code == 303 and twice.status_code == 409
        assert output.status_code == 303 and bad_output.status_code == 422 and 'value="eleven"' in bad_output.text
        with db.session() as session:
            [reached] = repository.milestones_of(session, grant_id)
            [delivered] = repository.outputs_of(session, grant_id)
            actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.actor_role == "recipient"))]
        assert (reached.status, reached.actual_on) == ("done", date(2026, 4, 3))
        assert (delivered.value, delivered.unit) == (88, "residents")
        assert actions == ["milestone.done", "output.reported"]
        public = client.get(f"/projects/{grant_id}").text
        assert "88 residents" in public and "done 2026-04-03" in public


class TestTheOfficerSide:
    def test_the_officer_makes_a_link_sees_it_once_and_sees_who_entered_what(self, db, awarded, client, app):
        from fastapi.testclient import TestClient

        day, grant_id = awarded
        token = sign_in(client, "officer")

        made = client.post(f"/manage/grants/{grant_id}/links", data={"csrf_token": token, "days": "30"},
                           follow_redirects=False)
        shown = client.get(made.headers["location"]).text
        address = shown.split('id="new-link" class="wide" readonly value="')[1].split('"')[0]
        shown_again = client.get(made.headers["location"]).text
        refused = client.post(f"/manage/grants/{grant_id}/links", data={"csrf_token": token, "days": "1000"})

        assert made.status_code == 303 and "/recipient/" in address
        assert 'id="new-link"' not in shown_again  # the token is shown once
        assert refused.status_code == 422 and 'id="days-error"' in refused.text
        with db.session(write=True) as session:
            service.record_spend(session, actor_for(day.officer, "officer"), grant_id, spent_on="2026-04-01",
                                 amount="100", description="Tools", today=TODAY)
        recipient, sent_token = TestClient(app), address.rsplit("/", 1)[1]
        assert post_spend(recipient, sent_token).status_code == 303

        books = client.get(f"/manage/grants/{grant_id}").text
        assert "Recipient organisation (link 1)" in books and day.officer.display_name in books
        link_id = int(books.split("/links/")[1].split("/revoke")[0])
        revoked = client.post(f"/manage/grants/{grant_id}/links/{link_id}/revoke", data={"csrf_token": token},
                              follow_redirects=False)
        assert revoked.status_code == 303
        assert recipient.get(f"/recipient/{sent_token}").status_code == 410

    def test_another_partnerships_officer_cannot_make_a_link(self, db, awarded, client):
        from governance.models import Role
        from tests.builders import a_partnership, a_staff_member

        _, grant_id = awarded
        with db.session(write=True) as session:
            a_staff_member(session, a_partnership(session, name="Elsewhere", slug="elsewhere"), Role.officer,
                           "stranger")
        token = sign_in(client, "stranger")
        refused = client.post(f"/manage/grants/{grant_id}/links", data={"csrf_token": token})
        assert refused.status_code == 403
        with db.session() as session:
            assert repository.links_of(session, grant_id) == []


class TestPhotos:
    def test_a_recipients_photo_waits_for_an_officer_then_is_public_with_its_alt_text_until_removed(
            self, db, link, client):
        day, grant_id, link_id, token = link
        form_token = csrf_from(client.get(f"/recipient/{token}").text)

        sent = client.post(f"/recipient/{token}/photos", data={"csrf_token": form_token,
                                                               "alt_text": "Toddlers and parents on yoga mats"},
                           files={"photo": ("class.jpg", JPEG, "image/jpeg")}, follow_redirects=False)
        with db.session() as session:
            [photo] = repository.photos_of(session, grant_id)
        public_path = f"/projects/{grant_id}/photos/{photo.id}"
        before = client.get(public_path)
        page_before = client.get(f"/projects/{grant_id}").text
        with db.session(write=True) as session:
            photos.show_photo(session, actor_for(day.officer, "officer"), grant_id, photo.id)
        after = client.get(public_path)
        page_after = client.get(f"/projects/{grant_id}").text
        with db.session(write=True) as session:
            photos.remove_photo(session, actor_for(day.officer, "officer"), grant_id, photo.id)

        assert sent.status_code == 303 and photo.status == PhotoStatus.waiting
        assert before.status_code == 404 and public_path not in page_before
        assert after.status_code == 200 and after.content == JPEG and after.headers["content-type"] == "image/jpeg"
        assert f'<img src="{public_path}" alt="Toddlers and parents on yoga mats"' in page_after
        assert client.get(public_path).status_code == 404
        with db.session() as session:
            assert session.get(ProjectPhotoFile, photo.id) is None  # the file itself is gone
            actions = [e.action for e in session.exec(select(AuditEvent).where(
                AuditEvent.action.startswith("project_photo.")).order_by(AuditEvent.seq))]
        assert actions == ["project_photo.added", "project_photo.shown", "project_photo.removed"]

    @pytest.mark.parametrize("content, alt_text, field, message", [
        (PDF, "A receipt", "photo", "JPEG, PNG or WebP"),
        (b"<svg onload=alert(1)>", "A drawing", "photo", "JPEG, PNG or WebP"),
        (PNG + b"0" * (4 * 1024 * 1024), "Too big", "photo", "too big"),
        (PNG, "   ", "alt_text", "Describe the photo"),
        (PNG, "x" * 301, "alt_text", "at most 300"),
        (None, "Nothing sent", "photo", "Choose a photo"),
    ])
    def test_what_is_not_a_photo_or_has_no_description_is_refused(self, db, awarded, content, alt_text, field,
                                                                   message):
        day, grant_id = awarded
        with db.session(write=True) as session, pytest.raises(InvalidInput, match=message) as refused:
            photos.add_photo(session, actor_for(day.officer, "officer"), grant_id, content=content, alt_text=alt_text)
        assert refused.value.field == field

    def test_an_officers_photo_is_shown_at_once_and_officers_see_waiting_ones(self, db, link, client):
        day, grant_id, _, token = link
        with db.session(write=True) as session:
            mine = photos.add_photo(session, actor_for(day.officer, "officer"), grant_id, content=PNG,
                                    alt_text="The new workshop")
            theirs = photos.add_photo(session, links.actor_for(session.get(RecipientLink, 1)), grant_id,
                                      content=JPEG, alt_text="Volunteers painting")
            mine_id, theirs_id = mine.id, theirs.id
        sign_in(client, "officer")

        assert mine.status == PhotoStatus.shown and theirs.status == PhotoStatus.waiting
        assert client.get(f"/projects/{grant_id}/photos/{mine_id}").status_code == 200
        assert client.get(f"/manage/grants/{grant_id}/photos/{theirs_id}").content == JPEG
        assert f"Show photo {theirs_id} on the public page" in client.get(f"/manage/grants/{grant_id}").text


class TestTheTrail:
    def test_the_recipient_is_shown_as_the_recipient_organisation_never_a_name(self, db, link, client):
        _, grant_id, _, token = link
        post_spend(client, token)
        with db.session() as session:
            entries = list(session.exec(select(AuditEvent).where(AuditEvent.actor_role == "recipient")))
            [shown] = scrutiny_service.show(session, entries)
            issued = scrutiny_service.show(session, list(session.exec(select(AuditEvent).where(
                AuditEvent.action == "recipient_link.issued"))))[0]
        assert shown.who == "Recipient organisation" and shown.name == ""
        assert shown.label == "Spending recorded" and shown.subject_link == f"/projects/{grant_id}"
        assert issued.label == "Link sent to a grant's recipient organisation"
