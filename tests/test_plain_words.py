"""Residents read what is happening in plain words; the engagement arc's names ("collaborate",
"empower", "deliver" ...) are the partnership's working words and stay on the staff pages."""

import html
import re

import pytest

from core.audit import CLI_ACTOR
from tests.builders import a_pb_day, passes_for, sign_in
from voting import service as voting_service

ARC_WORDS = re.compile(r"\b(inform|consult|involve|collaborate|empower|deliver|engagement arc)\b", re.IGNORECASE)
PUBLIC_PAGES = ["/", "/rounds/{id}", "/rounds/{id}/results", "/rounds/{id}/check", "/screen/{id}", "/kiosk"]


def words_on(page_html: str) -> str:
    """What a person reads: the text, and the labels given to assistive technology."""
    body = page_html.split("<body", 1)[1]
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', body))
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text) + " " + labels)


def at_stage(db, client, stage: str) -> int:
    day = a_pb_day(db, open_vote=stage != "proposals")
    if stage == "results":
        [code] = passes_for(db, day.round_id)
        client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                    json={"pass": code, "scores": {str(day.proposals[0].id): 5}})
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)
    return day.round_id


class TestPublicPagesSayWhatIsHappening:
    @pytest.mark.parametrize("stage", ["proposals", "voting", "results"])
    def test_no_arc_jargon_on_any_public_page(self, client, db, stage):
        round_id = at_stage(db, client, stage)

        for path in PUBLIC_PAGES:
            page = client.get(path.format(id=round_id))
            assert page.status_code == 200, path
            found = ARC_WORDS.findall(words_on(page.text))
            assert found == [], f"{path} while {stage}: {found}"

    @pytest.mark.parametrize(("stage", "words"), [("proposals", "Ideas being costed"), ("voting", "Voting now"),
                                                  ("results", "Projects under way")])
    def test_the_round_page_says_where_the_round_is(self, client, db, stage, words):
        round_id = at_stage(db, client, stage)

        page = words_on(client.get(f"/rounds/{round_id}").text)
        home = words_on(client.get("/").text)

        assert re.search(rf"Now:\s+{words}", page)
        assert words.lower() in home.lower()

    def test_the_steps_are_listed_in_plain_words(self, client, db):
        round_id = at_stage(db, client, "voting")

        page = words_on(client.get(f"/rounds/{round_id}").text)

        steps = ["Sharing the budget", "Asking residents about priorities", "Collecting ideas", "Ideas being costed",
                 "Voting", "Projects under way"]
        state = r"(\(done\)|\(skipped\)|\(now\))?"
        assert re.search(r"\s+".join(f"{re.escape(step)}\\s+{state}" for step in steps), page)


class TestStaffKeepTheArc:
    def test_the_chairs_round_page_names_the_arc(self, client, db):
        round_id = at_stage(db, client, "voting")
        sign_in(client, "chair")

        page = words_on(client.get(f"/manage/rounds/{round_id}").text)

        assert {"Collaborate", "Empower", "Deliver"} <= set(re.findall(r"[A-Z][a-z]+", page))


class TestTheTitleIsNotRepeated:
    def test_a_title_starting_with_the_partnership_name_is_shown_without_it(self, client, db):
        day = a_pb_day(db, title="Macclesfield Neighbourhood Partnership — Community Fund 2026")

        for path in ("/rounds/{id}", "/rounds/{id}/results", "/screen/{id}"):
            text = words_on(client.get(path.format(id=day.round_id)).text)
            assert text.count("Macclesfield Neighbourhood Partnership") == 1, path
            assert "Community Fund 2026" in text
        # On the home page the round is listed under its partnership, by its own name.
        assert f'<a href="/rounds/{day.round_id}">Community Fund 2026</a>' in client.get("/").text
