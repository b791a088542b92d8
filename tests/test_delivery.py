"""After the vote: a funded project becomes a grant, its spending is kept in a ledger that refuses
what cannot be right, and what it delivered is on a public page."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from core.audit import AuditEvent
from core.errors import Conflict, InvalidInput, NotAllowed
from delivery import repository, service
from delivery.service import GrantForm
from governance.permissions import actor_for
from tests.builders import A_PDF, a_png, sign_in
from tests.test_certification import a_published_round, certify_and_confirm
from voting import repository as voting_repo

TODAY = date(2026, 11, 28)
PDF = A_PDF
PNG = a_png()


def grant_form(**overrides) -> GrantForm:
    values = {"recipient_name": "Macc Men's Shed", "recipient_id": "GB-CHC-1187654", "amount": "60000",
              "award_date": "2026-03-01", "planned_start": "2026-03-08", "planned_end": "2027-03-01",
              "fund_source": "Public Health Lifestyle Area Fund", "conditions": "Report every two months."}
    return GrantForm(**{**values, **overrides})


def funded(db, day) -> list[int]:
    import json

    with db.session() as session:
        return json.loads(voting_repo.result_of(session, day.round_id).outcome)["selected"]


@pytest.fixture
def certified(db):
    day = a_published_round(db)
    certify_and_confirm(db, day)
    return day


@pytest.fixture
def grant(db, certified):
    with db.session(write=True) as session:
        awarded = service.award_grant(session, actor_for(certified.officer, "officer"), round_id=certified.round_id,
                                      proposal_id=funded(db, certified)[0], form=grant_form())
        return certified, awarded.id


def spend(db, day, grant_id, *, role="officer", today=TODAY, **values):
    staff = day.officer if role == "officer" else day.chair
    entry = {"spent_on": "2026-04-01", "amount": "1000", "description": "Tools", **values}
    with db.session(write=True) as session:
        return service.record_spend(session, actor_for(staff, role), grant_id, today=today, **entry)


class TestAFundedProjectBecomesAGrant:
    def test_an_officer_awards_a_grant_to_a_funded_project_of_a_certified_round(self, db, grant):
        day, grant_id = grant
        with db.session() as session:
            awarded = repository.get_grant(session, grant_id)
            assert (awarded.recipient_id, awarded.amount, awarded.planned_end) == ("GB-CHC-1187654", 60_000,
                                                                                   date(2027, 3, 1))
            entry = session.exec(select(AuditEvent).where(AuditEvent.action == "grant.awarded")).one()
            assert entry.subject == f"round:{day.round_id}"

    def test_not_before_certification(self, db):
        day = a_published_round(db)
        with db.session(write=True) as session, pytest.raises(Conflict, match="not certified"):
            service.award_grant(session, actor_for(day.officer, "officer"), round_id=day.round_id,
                                proposal_id=funded(db, day)[0], form=grant_form())

    def test_not_for_a_project_the_vote_did_not_fund(self, db, certified):
        loser = next(p.id for p in certified.proposals if p.id not in funded(db, certified))
        with db.session(write=True) as session, pytest.raises(Conflict, match="was not funded"):
            service.award_grant(session, actor_for(certified.officer, "officer"), round_id=certified.round_id,
                                proposal_id=loser, form=grant_form())

    @pytest.mark.parametrize("field, value, message", [
        ("recipient_id", "1187654", "charity number"),
        ("recipient_id", "GB-CHC-12", "charity number"),
        ("recipient_id", "GB-COH-123", "company number"),
        ("amount", "-5", "whole number"),
        ("planned_end", "2026-01-01", "on or after the planned start"),
        ("award_date", "01/03/2026", "year-month-day"),
    ])
    def test_a_bad_field_is_named(self, db, certified, field, value, message):
        with db.session(write=True) as session, pytest.raises(InvalidInput, match=message) as refused:
            service.award_grant(session, actor_for(certified.officer, "officer"), round_id=certified.round_id,
                                proposal_id=funded(db, certified)[0], form=grant_form(**{field: value}))
        assert refused.value.field == field

    def test_a_project_gets_one_grant(self, db, grant):
        day, _ = grant
        with db.session(write=True) as session, pytest.raises(Conflict, match="already has a grant"):
            service.award_grant(session, actor_for(day.officer, "officer"), round_id=day.round_id,
                                proposal_id=funded(db, day)[0], form=grant_form(recipient_id="360G-other"))


class TestTheSpendLedger:
    def test_entries_add_up_against_the_grant_with_their_evidence(self, db, grant):
        day, grant_id = grant
        spend(db, day, grant_id, amount="£1,500", evidence=PDF)
        spend(db, day, grant_id, spent_on="2026-05-01", amount="2000", description="Rent", evidence=PNG)

        with db.session() as session:
            summary = service.summarise(session, repository.get_grant(session, grant_id), TODAY)
            entries = repository.spend_of(session, grant_id)
            assert (summary.spent, summary.remaining) == (3_500, 56_500)
            assert [e.evidence_type for e in entries] == ["application/pdf", "image/png"]
            assert repository.evidence_of(session, entries[0].id).content == PDF

    @pytest.mark.parametrize("values, field, message", [
        ({"amount": "-100"}, "amount", "cannot be negative"),
        ({"amount": "0"}, "amount", "more than £0"),
        ({"spent_on": "2026-11-29"}, "spent_on", "cannot be in the future"),
        ({"description": "  "}, "description", "Enter what the money was spent on"),
        ({"evidence": b"MZ\x90\x00 an executable"}, "evidence", "PDF or an image"),
        ({"evidence": b"%PDF-" + b"0" * (4 * 1024 * 1024)}, "evidence", "too big"),
    ])
    def test_what_cannot_be_right_is_refused_naming_the_field(self, db, grant, values, field, message):
        day, grant_id = grant
        with pytest.raises(InvalidInput, match=message) as refused:
            spend(db, day, grant_id, **values)
        assert refused.value.field == field
        with db.session() as session:
            assert repository.spend_of(session, grant_id) == []

    def test_the_same_entry_twice_is_refused(self, db, grant):
        day, grant_id = grant
        spend(db, day, grant_id)
        with pytest.raises(Conflict, match="already in the ledger"):
            spend(db, day, grant_id)

    def test_spend_beyond_the_grant_needs_an_officers_override_which_is_audited(self, db, grant):
        day, grant_id = grant
        spend(db, day, grant_id, amount="59000")
        with pytest.raises(Conflict, match="over the grant of £60,000"):
            spend(db, day, grant_id, amount="2000", description="Extra")
        with pytest.raises(NotAllowed, match="Only an officer"):
            spend(db, day, grant_id, role="chair", amount="2000", description="Extra", override=True)

        spend(db, day, grant_id, amount="2000", description="Extra", override=True, spent_on="2026-11-20")
        # No override covers one entry bigger than the whole grant: a typing mistake on a public ledger.
        with pytest.raises(InvalidInput, match="more than the whole grant of £60,000"):
            spend(db, day, grant_id, amount="999999999999", description="Typo", override=True)

        with db.session() as session:
            summary = service.summarise(session, repository.get_grant(session, grant_id), TODAY)
            assert summary.flags == ["Overspent by £1,000"]
            allowed = session.exec(select(AuditEvent).where(AuditEvent.action == "spend.over_grant_allowed")).one()
            assert allowed.actor_ref == f"staff:{day.officer.id}" and allowed.subject == f"grant:{grant_id}"


class TestAnEntryInError:
    def test_an_officer_withdraws_it_with_a_reason_and_it_stays_on_the_public_ledger_struck_through(
            self, db, grant, client):
        day, grant_id = grant
        spend(db, day, grant_id, amount="1000", description="Tools")
        typo = spend(db, day, grant_id, amount="12050", description="Paint (typed 12050 for 120.50)")
        with pytest.raises(NotAllowed, match="Only an officer"), db.session(write=True) as session:
            service.withdraw_spend(session, actor_for(day.chair, "chair"), grant_id, typo.id, reason="Typo")
        token = sign_in(client, "officer")

        empty = client.post(f"/manage/grants/{grant_id}/spend/{typo.id}/withdraw",
                            data={"csrf_token": token, "reason": " "})
        done = client.post(f"/manage/grants/{grant_id}/spend/{typo.id}/withdraw",
                           data={"csrf_token": token, "reason": "Typed £12,050 for £120.50"}, follow_redirects=False)
        again = client.post(f"/manage/grants/{grant_id}/spend/{typo.id}/withdraw",
                            data={"csrf_token": token, "reason": "Twice"})

        assert empty.status_code == 422 and "was not withdrawn" in empty.text
        assert done.status_code == 303 and again.status_code == 409
        with db.session() as session:
            assert service.spent(session, grant_id) == 1000  # the withdrawn line no longer counts
            logged = session.exec(select(AuditEvent).where(AuditEvent.action == "spend.withdrawn")).one()
        assert logged.actor_ref == f"staff:{day.officer.id}" and "Typed" not in logged.payload
        client.cookies.clear()
        public = client.get(f"/projects/{grant_id}").text
        assert "<del>Paint (typed 12050 for 120.50)</del>" in public and "Typed £12,050 for £120.50" in public
        assert "<strong>£1,000</strong> of £60,000 spent" in public

    def test_only_those_who_may_withdraw_a_line_are_offered_the_control(self, db, grant, client):
        day, grant_id = grant
        spend(db, day, grant_id, amount="1000", description="Tools")
        sign_in(client, "chair")
        assert "Withdraw this entry" not in client.get(f"/manage/grants/{grant_id}").text
        client.cookies.clear()
        sign_in(client, "officer")
        assert "Withdraw this entry" in client.get(f"/manage/grants/{grant_id}").text


class TestWhatACouncilWatches:
    def test_no_report_for_sixty_days_then_underspent_at_the_end(self, db, grant):
        day, grant_id = grant
        spend(db, day, grant_id, spent_on="2026-04-01")
        with db.session() as session:
            awarded = repository.get_grant(session, grant_id)
            assert service.summarise(session, awarded, date(2026, 5, 31)).flags == []
            assert service.summarise(session, awarded, date(2026, 6, 1)).flags == ["No report for 61 days"]
            assert service.summarise(session, awarded, date(2027, 3, 2)).flags == [
                "Underspent by £59,000 at the end date"]

    def test_milestones_late_and_done_outputs_and_estimates(self, db, grant):
        day, grant_id = grant
        officer = actor_for(day.officer, "officer")
        with db.session(write=True) as session:
            service.add_milestone(session, officer, grant_id, title="Workshop open", planned_on="2026-04-01",
                                  actual_on="2026-04-03", today=TODAY)
            service.add_milestone(session, officer, grant_id, title="Second workshop day", planned_on="2026-08-01",
                                  today=TODAY)
            service.add_output(session, officer, grant_id, indicator="Residents at healthy eating classes",
                               value="88", unit="residents", reported_on="2026-10-01", today=TODAY)
            service.add_outcome(session, officer, grant_id, savings_per_year="555000", source="Table A3",
                                method="Ratio applied")
            with pytest.raises(InvalidInput, match="cannot be in the future") as refused:
                service.add_output(session, officer, grant_id, indicator="x", value="1", unit="u",
                                   reported_on=(TODAY + timedelta(days=1)).isoformat(), today=TODAY)
            assert refused.value.field == "reported_on"
        with db.session() as session:
            summary = service.summarise(session, repository.get_grant(session, grant_id), TODAY)
            assert [m.title for m in summary.late_milestones] == ["Second workshop day"]
            assert summary.savings_per_year == 555_000
            assert summary.last_report == date(2026, 10, 1)


class TestThePages:
    def test_the_public_project_page_shows_promise_spend_milestones_outputs_and_labelled_estimates(
            self, db, grant, client):
        day, grant_id = grant
        spend(db, day, grant_id, amount="1500", evidence=PDF)
        with db.session(write=True) as session:
            service.add_outcome(session, actor_for(day.officer, "officer"), grant_id, savings_per_year="555000",
                                source="Table A3", method="Ratio applied")

        page = client.get(f"/projects/{grant_id}").text

        assert "£1,500</strong> of £60,000 spent" in page
        assert "Estimated savings (estimates, not measured)" in page and "£555,000 a year" in page
        assert "/evidence" not in page  # evidence files are for officers
        assert client.get("/projects/999").status_code == 404
        assert client.get(f"/projects/{10**30}").status_code == 404

    def test_an_officer_records_spend_with_a_file_and_a_mistake_keeps_what_was_typed(self, db, grant, client):
        day, grant_id = grant
        token = sign_in(client, "officer")

        saved = client.post(f"/manage/grants/{grant_id}/spend", data={
            "csrf_token": token, "spent_on": "2026-04-01", "amount": "1200", "description": "Tools"},
            files={"evidence": ("receipt.pdf", PDF, "application/pdf")}, follow_redirects=False)
        refused = client.post(f"/manage/grants/{grant_id}/spend", data={
            "csrf_token": token, "spent_on": "2999-01-01", "amount": "300", "description": "Paint"},
            files={"evidence": ("x.pdf", b"not a pdf", "application/pdf")})

        assert saved.status_code == 303
        assert refused.status_code == 422
        assert "cannot be in the future" in refused.text and 'value="Paint"' in refused.text
        page = client.get(f"/manage/grants/{grant_id}").text
        assert "Tools" in page and "/evidence" in page
        with db.session() as session:
            [entry] = repository.spend_of(session, grant_id)
        download = client.get(f"/manage/grants/{grant_id}/spend/{entry.id}/evidence")
        assert download.content == PDF and download.headers["content-type"] == "application/pdf"

    def test_a_steward_cannot_see_the_books_or_the_evidence(self, db, grant, client):
        _, grant_id = grant
        sign_in(client, "steward")

        assert client.get(f"/manage/grants/{grant_id}").status_code == 403

    def test_the_grants_page_awards_a_grant_and_names_a_bad_identifier(self, db, certified, client):
        token = sign_in(client, "officer")
        project = funded(db, certified)[0]
        form = {"csrf_token": token, "proposal_id": str(project), **vars(grant_form(recipient_id="charity 42"))}

        refused = client.post(f"/manage/rounds/{certified.round_id}/grants", data=form)
        done = client.post(f"/manage/rounds/{certified.round_id}/grants",
                           data={**form, "recipient_id": "GB-CHC-1187654"}, follow_redirects=False)

        assert refused.status_code == 422 and 'id="recipient_id-error"' in refused.text
        assert 'value="Macc Men&#39;s Shed"' in refused.text
        assert done.status_code == 303 and done.headers["location"].startswith("/manage/grants/")


class TestTheCouncilDashboard:
    def test_it_rolls_up_money_flags_and_estimates_and_every_table_downloads(self, db, grant, client):
        day, grant_id = grant
        spend(db, day, grant_id, amount="1500", spent_on=TODAY.isoformat())
        with db.session(write=True) as session:
            service.add_outcome(session, actor_for(day.officer, "officer"), grant_id, savings_per_year="555000",
                                source="Table A3", method="Ratio applied")
            service.add_milestone(session, actor_for(day.officer, "officer"), grant_id, title="Workshop open",
                                  planned_on="2026-04-01", today=TODAY)

        page = client.get("/dashboard").text
        money = client.get("/dashboard/money.csv").text.splitlines()
        late = client.get("/dashboard/late.csv").text
        benefit = client.get("/dashboard/cost-benefit.csv").text

        assert "£100,000</strong> allocated by residents' votes, <strong>£60,000</strong> committed in grants, " \
               "<strong>£1,500</strong> spent" in page
        assert '<svg class="chart"' in page and "<script" not in page.split("<main")[1]
        assert money == ["Partnership,Round,Budget,Allocated by the vote,Committed in grants,Spent",
                         "Macclesfield Neighbourhood Partnership,Community Fund 2026,100000,100000,60000,1500"]
        assert "Workshop open,2026-04-01" in late
        assert "All projects with an estimate,60000,555000,£9.25 a year per £1 (estimate)" in benefit
        assert f'href="/projects/{grant_id}"' in page

    def test_filters_narrow_it_and_nonsense_filters_show_everything(self, db, grant, client):
        day, _ = grant
        other = client.get("/dashboard/money.csv?partnership=999").text.splitlines()
        mine = client.get(f"/dashboard/money.csv?partnership={day.partnership.id}&year={date.today().year}")
        last_year = client.get(f"/dashboard/money.csv?year={date.today().year - 1}").text.splitlines()

        assert len(other) == 1 and len(last_year) == 1  # the header only
        assert len(mine.text.splitlines()) == 2
        assert client.get("/dashboard?partnership=abc&year=%D9%A3").status_code == 200
        assert client.get("/dashboard/nothing.csv").status_code == 404


class TestUnderspendGoesBackToThePartnership:
    def test_after_the_end_what_is_left_is_added_to_the_next_rounds_budget_once(self, db, grant, client):
        from governance import repository as governance_repo
        from tests.builders import a_round

        day, grant_id = grant
        spend(db, day, grant_id, amount="59000")
        officer = actor_for(day.officer, "officer")
        with db.session(write=True) as session, pytest.raises(Conflict, match="no next round"):
            service.return_underspend(session, officer, grant_id, today=date(2027, 3, 2))
        with db.session(write=True) as session:
            next_round = a_round(session, day.partnership, title="Community Fund 2027", budget=50_000,
                                 costs=(10_000,))
            with pytest.raises(Conflict, match="after the planned end"):
                service.return_underspend(session, officer, grant_id, today=date(2027, 3, 1))
            service.return_underspend(session, officer, grant_id, today=date(2027, 3, 2))
        with db.session(write=True) as session, pytest.raises(Conflict, match="already returned"):
            service.return_underspend(session, officer, grant_id, today=date(2027, 3, 2))

        with db.session() as session:
            assert governance_repo.get_round(session, next_round.id).budget == 51_000
            returned = session.exec(select(AuditEvent).where(AuditEvent.action == "grant.underspend_returned")).one()
            assert returned.actor_ref == f"staff:{day.officer.id}"
            assert '"amount":1000' in returned.payload and f'"to_round":{next_round.id}' in returned.payload


class TestEngagementOnTheDashboard:
    def test_each_round_shows_who_took_part_as_a_table_a_chart_and_a_csv_filtered_like_the_others(
            self, db, certified, client):
        import csv
        import io

        rows = list(csv.DictReader(io.StringIO(client.get("/dashboard/engagement.csv").text)))
        page = client.get("/dashboard").text
        elsewhere = client.get("/dashboard/engagement.csv?partnership=999").text.splitlines()
        this_year = client.get(f"/dashboard/engagement.csv?partnership={certified.partnership.id}"
                               f"&year={date.today().year}").text.splitlines()
        last_year = client.get(f"/dashboard/engagement.csv?year={date.today().year - 1}").text.splitlines()

        [row] = rows
        assert row["Round"] == "Community Fund 2026" and row["Year"] == str(date.today().year)
        assert (row["Ballots (turnout)"], row["Certified"]) == ("3", "yes")
        assert int(row["Proposals"]) == len(certified.proposals)
        assert sum(int(row[label]) for label in ("Ballots at a kiosk", "Ballots on own phone", "Ballots online",
                                                 "Ballots on paper")) in (0, 3)
        # From the signed sheet.
        assert row["Passes and paper sheets issued"] == "3" and row["Ballots per pass or sheet issued"] == "100%"
        assert 'aria-labelledby="people-chart-title"' in page and "3 ballots." in page
        assert len(elsewhere) == 1 and len(last_year) == 1 and len(this_year) == 2
