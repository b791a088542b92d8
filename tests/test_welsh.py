"""Welsh and English: every resident-facing string is in the catalogue with a real Welsh translation;
a resident picks the language once per device (or the browser says it); the kiosk keeps the ballot in
progress across a switch; money and dates follow the language; staff pages not yet translated say so."""

import re
import string
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from core import i18n
from core.settings import PROJECT_ROOT
from core.templating import templates
from tests.builders import a_pb_day, passes_for

TEMPLATES = PROJECT_ROOT / "templates"


def catalogue(language: str):
    with (i18n.LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=i18n.BABEL_LOCALES[language])


def template_messages(name: str) -> list:
    """What Babel's Jinja extractor finds in a template: the strings that must be in the catalogue."""
    with (TEMPLATES / name).open("rb") as source:
        found = babel_extract(source, ("_", "gettext", "ngettext"), [], {"trimmed": "true"})
        # A call on a variable (`_(step.public)`, words marked in Python) has no constant to check here.
        return [message for _line, _function, message, _comments in found
                if message and (isinstance(message, str) or message[0])]


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


class _Text(HTMLParser):
    """Words a reader would see or hear: text, and the attributes read aloud or shown. Text already
    in Welsh (inside an element marked lang="cy") is not English left to translate."""

    SPOKEN = {"aria-label", "alt", "title", "placeholder"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.welsh: list[str] = []  # the tags of open elements marked lang="cy"

    def handle_data(self, data):
        if not self.welsh:
            self.words.append(data)

    def handle_starttag(self, tag, attrs):
        if ("lang", "cy") in attrs:
            self.welsh.append(tag)
        self.words.extend(value or "" for name, value in attrs if name in self.SPOKEN or name.startswith("data-say"))

    def handle_endtag(self, tag):
        if self.welsh and self.welsh[-1] == tag:
            self.welsh.pop()


# Language names (each shown in itself) and a file name are not words to translate.
NOT_WORDS = {"English", "Cymraeg", "check.json"}
# Blocks that fill in an attribute of the base layout, not text.
ATTRIBUTE_BLOCKS = {"body_class", "main_attributes"}


def bare_text(name: str) -> list[str]:
    """Words in a template outside any {{ }} / {% %} (so outside any gettext call), ignoring comments."""
    source = (TEMPLATES / name).read_text()
    pieces, tag, in_trans, in_attribute_block = [], None, False, False
    for _line, kind, value in templates.env.lex(source):
        if kind == "block_begin":
            tag = []
        elif kind == "block_end":
            if tag and tag[0] in ("trans", "pluralize"):
                in_trans = True
            elif tag and tag[0] == "endtrans":
                in_trans = False
            elif tag and tag[0] == "block":
                in_attribute_block = len(tag) > 1 and tag[1] in ATTRIBUTE_BLOCKS
            elif tag and tag[0] == "endblock":
                in_attribute_block = False
            tag = None
            pieces.append("\x00")
        elif tag is not None:
            if kind == "name":
                tag.append(value)
        elif kind == "data" and not in_trans and not in_attribute_block:
            pieces.append(value)
        elif kind == "variable_begin":
            pieces.append("\x00")
    parser = _Text()
    parser.feed("".join(pieces).replace("\x00", " "))
    words = []
    for text in parser.words:
        text = text.replace("\x00", " ")
        if any(c.isalpha() for c in text):
            words.append(" ".join(text.split()))
    return words


class TestTheCatalogues:
    def test_every_template_is_either_translated_or_marked_english_only(self):
        names = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")}
        unclassified = names - i18n.RESIDENT_TEMPLATES - i18n.ENGLISH_ONLY_TEMPLATES
        assert not unclassified, f"list these in core/i18n.py (RESIDENT_ or ENGLISH_ONLY_TEMPLATES): {unclassified}"

    @pytest.mark.parametrize("name", sorted(i18n.RESIDENT_TEMPLATES))
    def test_a_residents_page_has_no_words_outside_gettext(self, name):
        assert [w for w in bare_text(name) if w not in NOT_WORDS] == []

    @pytest.mark.parametrize("name", sorted(i18n.RESIDENT_TEMPLATES))
    def test_every_string_of_a_residents_page_has_a_welsh_translation(self, name):
        welsh = catalogue("cy")
        for message in template_messages(name):
            key = message if isinstance(message, str) else tuple(message[:2])
            entry = welsh.get(key)
            assert entry is not None, f"{name}: {key!r} is not in locales/cy (run pybabel extract and update)"
            translations = [entry.string] if isinstance(entry.string, str) else list(entry.string)
            assert all(t.strip() for t in translations), f"{name}: {key!r} has no Welsh yet"
            assert not entry.fuzzy, f"{name}: {key!r} is marked fuzzy"

    def test_translations_keep_every_placeholder_and_differ_from_the_english(self):
        welsh = catalogue("cy")
        same = []
        for entry in welsh:
            if not entry.id:
                continue
            ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
            strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
            assert len(strings) == (1 if isinstance(entry.id, str) else 6), entry.id  # Welsh has six plural forms
            wanted = placeholders(ids[-1]) | placeholders(ids[0])
            for text in strings:
                assert placeholders(text) <= wanted and placeholders(text) >= placeholders(ids[0]) - {"num"}, entry.id
            if strings[0] == ids[0] and any(c in string.ascii_letters for c in ids[0]):
                same.append(ids[0])
        # Words that are the same in both languages ("Cost", a name, a bare format).
        assert set(same) <= {"Cost", "cost", "%(site_name)s", "Phragmén"}, same  # "cost" is Welsh too

    def test_the_welsh_catalogue_covers_every_message_in_the_template(self):
        welsh, template = catalogue("cy"), read_po((i18n.LOCALES_DIR / "messages.pot").open("rb"))
        untranslated = [m.id for m in template if m.id and not (welsh.get(m.id) and welsh.get(m.id).string)]
        assert untranslated == []

    def test_share_of_strings_translated_per_template_group(self, capsys):
        welsh = catalogue("cy")
        groups = {"resident": i18n.RESIDENT_TEMPLATES, "staff (English only)": i18n.ENGLISH_ONLY_TEMPLATES}
        lines = []
        for group, names in groups.items():
            total = translated = 0
            for name in names:
                messages = template_messages(name)
                words = [w for w in bare_text(name) if w not in NOT_WORDS]
                total += len(messages) + len(words)
                translated += sum(1 for m in messages
                                  if welsh.get(m if isinstance(m, str) else tuple(m[:2])) is not None)
            lines.append(f"{group}: {translated}/{total} strings translated"
                         f" ({100 * translated / total if total else 100:.0f}%)")
        with capsys.disabled():
            print("\n" + "; ".join(lines))
        assert lines[0].endswith("(100%)")


class TestFormats:
    def test_money_and_dates_follow_the_language(self):
        with i18n.use("cy"):
            assert i18n.money(100_000) == "£100,000"
            assert i18n.money(1234.5) == "£1,234.50"
            assert i18n.format_date("2026-06-01T10:00:00+00:00") == "1 Mehefin 2026"
        with i18n.use("en"):
            assert i18n.format_date("2026-06-01") == "1 June 2026"
            assert i18n.money(1500, "EUR") == "€1,500"

    def test_welsh_counts_take_their_own_forms(self):
        with i18n.use("cy"):
            assert i18n.ngettext("%(num)s vote", "%(num)s votes", 1) == "1 bleidlais"
            assert i18n.ngettext("%(num)s vote", "%(num)s votes", 6) == "6 phleidlais"
            assert i18n.ngettext("%(num)s vote", "%(num)s votes", 240) == "240 pleidlais"

    @pytest.mark.parametrize(("query", "cookie", "accept", "chosen"), [
        ("lang=cy", "", "", ("cy", "cy")), ("lang=CY", "", "", ("cy", "cy")), ("lang=fr", "", "", ("en", None)),
        ("lang=%3Cscript%3E", "lang=cy", "", ("cy", None)), ("", "lang=cy", "en", ("cy", None)),
        ("", "lang=<b>", "cy", ("cy", None)), ("", "lang=xx; other=1", "", ("en", None)),
        ("lang=en", "lang=cy", "cy", ("en", "en"))])
    def test_a_choice_beats_the_cookie_which_beats_the_browser_and_nonsense_is_ignored(self, query, cookie, accept,
                                                                                     chosen):
        assert i18n.choose("/kiosk", query, {"cookie": cookie, "accept-language": accept}) == chosen

    def test_the_api_answers_in_english_whatever_is_asked(self):
        assert i18n.choose("/api/v1/rounds", "lang=cy", {"cookie": "lang=cy", "accept-language": "cy"}) == ("en", None)

    @pytest.mark.parametrize(("header", "language"), [
        ("cy", "cy"), ("cy-GB,cy;q=0.9,en;q=0.8", "cy"), ("en-GB,en;q=0.9,cy;q=0.8", "en"),
        ("fr-FR,cy;q=0.5", "cy"), ("fr-FR,de", None), ("", None), ("cy;q=0,en", "en"), ("cy;q=oops", None)])
    def test_accept_language_is_read_by_its_weights(self, header, language):
        assert i18n.from_accept_language(header) == language


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.text).group(1)


class TestChoosingTheLanguage:
    def test_lang_cy_shows_welsh_and_is_remembered_on_this_device(self, client, db):
        a_pb_day(db)

        first = client.get("/?lang=cy")
        later = client.get("/")

        assert html_lang(first) == "cy" and "Cyllidebau cymdogaeth" in first.text
        assert "lang=cy" in first.headers["set-cookie"] and "Max-Age=31536000" in first.headers["set-cookie"]
        assert html_lang(later) == "cy" and "Pleidleisio nawr" in later.text
        back = client.get("/?lang=en")
        assert html_lang(back) == "en-GB" and "Voting now" in back.text
        assert html_lang(client.get("/")) == "en-GB"

    def test_requests_served_side_by_side_each_keep_their_own_language(self, client, db):
        a_pb_day(db)

        def fetch(n: int) -> tuple[str, str, bool]:
            language = "cy" if n % 2 else "en"
            page = client.get(f"/?lang={language}")
            return language, html_lang(page), "Pleidleisio nawr" in page.text

        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(fetch, range(40)))

        assert all(lang == i18n.HTML_LANG[asked] and welsh == (asked == "cy") for asked, lang, welsh in seen), seen

    def test_the_browsers_language_is_honoured_on_the_first_visit_and_a_choice_overrides_it(self, client, db):
        a_pb_day(db)

        welsh_browser = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
        assert html_lang(welsh_browser) == "cy" and "lang=" not in welsh_browser.headers.get("set-cookie", "")
        assert html_lang(client.get("/", headers={"Accept-Language": "fr"})) == "en-GB"
        client.get("/?lang=en")
        assert html_lang(client.get("/", headers={"Accept-Language": "cy"})) == "en-GB"

    def test_every_residents_page_offers_the_other_language_keeping_its_address(self, client, db):
        day = a_pb_day(db)
        round_id = day.round_id

        for address in ("/", f"/rounds/{round_id}", f"/rounds/{round_id}/results", f"/rounds/{round_id}/check",
                        f"/screen/{round_id}", "/kiosk"):
            page = client.get(address + ("&" if "?" in address else "?") + "lang=cy")
            assert html_lang(page) == "cy", address
            assert f'href="{address}?lang=en" lang="en" hreflang="en">English</a>' in page.text, address
        checked = client.get(f"/rounds/{round_id}/check?code=AAAAA-BBBBB&lang=cy")
        assert "Does dim pleidlais gyda&#39;r cod olrhain AAAAA-BBBBB" in checked.text
        assert f'href="/rounds/{round_id}/check?code=AAAAA-BBBBB&amp;lang=en"' in checked.text

    def test_error_pages_are_in_the_language_and_the_api_stays_english(self, client, db):
        day = a_pb_day(db)
        client.get("/?lang=cy")

        missing = client.get("/no-such-page")
        api = client.post(f"/api/v1/rounds/{day.round_id}/ballots", json={"pass": "NOPE-NOPE", "scores": {"1": 3}})

        assert missing.status_code == 404 and "Heb ei ganfod" in missing.text and html_lang(missing) == "cy"
        assert api.status_code == 403 and "We do not recognise this pass code" in api.json()["detail"]

    def test_a_staff_page_not_yet_translated_says_so_in_welsh_and_stays_english(self, client, db):
        page = client.get("/login?lang=cy")

        assert html_lang(page) == "en-GB" and page.headers["content-language"] == "en-GB"
        assert '<p class="notice english-only" lang="cy">Mae\'r dudalen hon ar gael yn Saesneg yn unig' in page.text
        assert 'href="/login?lang=en"' in page.text
        assert "english-only" not in client.get("/login?lang=en").text


def start(client, code: str, lang: str = "cy"):
    return client.post(f"/kiosk?lang={lang}", data={"code": code})


class TestTheKioskInWelsh:
    def test_a_resident_votes_in_welsh_and_the_receipt_switches_language(self, client, db):
        day = a_pb_day(db, ballot="approval", costs=(60_000, 30_000, 20_000))
        [code] = passes_for(db, day.round_id)
        entry = client.get("/kiosk?lang=cy")
        assert "Croeso. Gadewch i ni bleidleisio." in entry.text and html_lang(entry) == "cy"

        ballot = start(client, code)
        assert "Ticiwch y prosiectau rydych chi eu heisiau, hyd at gyfanswm o £100,000" in ballot.text
        assert "wedi&#39;u dewis" in ballot.text  # the bar's words for ballot.js, in Welsh
        over = client.post("/kiosk/review", data={"pick": [str(p.id) for p in day.proposals]})
        assert over.status_code == 422
        assert ("Dros y gyllideb: mae eich dewisiadau&#39;n costio £110,000, mwy na&#39;r £100,000 sydd ar gael."
                in over.text)
        review = client.post("/kiosk/review", data={"pick": [str(day.proposals[1].id)]})
        assert "Cadarnhau fy mhleidlais" in review.text
        fields = dict(re.findall(r'name="(code|choices_json|idempotency_key|device)" value="([^"]*)"', review.text))
        receipt = client.post("/kiosk/confirm", data={k: v.replace("&#34;", '"') for k, v in fields.items()})

        tracking = re.search(r'id="tracking-code">([^<]+)<', receipt.text).group(1)
        assert "Diolch. Mae eich pleidlais yn y blwch pleidleisio." in receipt.text
        assert 'action="/kiosk/receipt?lang=en"' in receipt.text
        english = client.post("/kiosk/receipt?lang=en", data={"tracking_code": tracking, "round": str(day.round_id),
                                                              "device": "kiosk"})
        assert "Thank you. Your vote is in the ballot box." in english.text and tracking in english.text
        assert html_lang(english) == "en-GB"

    def test_switching_language_mid_ballot_keeps_the_ballot_in_progress(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start(client, code, lang="en")
        client.post("/kiosk/review", data={f"score-{day.proposals[1].id}": "4"})

        ballot = client.get("/kiosk/ballot")
        assert 'href="/kiosk/ballot?lang=cy"' in ballot.text
        welsh = client.get("/kiosk/ballot?lang=cy")

        assert welsh.status_code == 200 and html_lang(welsh) == "cy"
        assert 'value="4" checked' in welsh.text and "Rhowch sgôr i bob prosiect" in welsh.text
        assert "Gwirio eich dewisiadau" in client.get("/kiosk/review").text

    def test_a_receipt_is_shown_again_only_for_a_code_in_that_rounds_box(self, client, db):
        day = a_pb_day(db)

        forged = client.post("/kiosk/receipt?lang=cy", follow_redirects=False,
                             data={"tracking_code": "AAAAA-BBBBB", "round": str(day.round_id)})
        odd = client.post("/kiosk/receipt", follow_redirects=False,
                          data={"tracking_code": "x" * 500, "round": "9" * 40})

        assert (forged.status_code, forged.headers["location"]) == (303, "/kiosk")
        assert (odd.status_code, odd.headers["location"]) == (303, "/kiosk")

    def test_wrong_and_used_passes_are_explained_in_welsh(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        wrong = start(client, "ZZZZ-ZZZZ")
        empty = start(client, "")

        assert wrong.status_code == 403 and "Nid ydym yn adnabod y cod pas hwn." in wrong.text
        assert "Rhowch y cod sydd wedi&#39;i argraffu ar eich pas pleidleisio." in empty.text
        start(client, code)
        review = client.post("/kiosk/review", data={f"score-{day.proposals[0].id}": "2"})
        fields = dict(re.findall(r'name="(code|choices_json|idempotency_key|device)" value="([^"]*)"', review.text))
        client.post("/kiosk/confirm", data={k: v.replace("&#34;", '"') for k, v in fields.items()})
        again = start(client, code)
        assert again.status_code == 409 and "Mae&#39;r pas hwn wedi&#39;i ddefnyddio&#39;n barod" in again.text


class TestTheBigScreenInWelsh:
    def test_each_screen_gets_its_fragments_in_its_own_language(self, app, db):
        day = a_pb_day(db)
        hub = app.state.screen_hub

        welsh, english = hub.render(day.round_id, "cy"), hub.render(day.round_id, "en")

        assert "pleidlais wedi'u bwrw" in welsh and "Mae'r pleidleisio ar agor" in welsh
        assert "votes cast" in english and "Voting is open" in english


def test_the_catalogue_needs_no_build_step():
    # Compiled in memory from the .po: a clean clone serves Welsh with no .mo file anywhere.
    assert not list(Path(i18n.LOCALES_DIR).rglob("*.mo"))
    assert i18n.translations("cy").gettext("Confirm my vote") == "Cadarnhau fy mhleidlais"


class TestTheResultsInWelsh:
    def test_counts_reasons_and_channels_are_in_welsh(self, client, db):
        from tests.test_results_charts import publish, vote_by_api

        day = a_pb_day(db, costs=(60_000, 30_000, 20_000))  # 1 and 2 fit; 3 no longer does
        first, second, third = (p.id for p in day.proposals)
        for code in passes_for(db, day.round_id, count=2):
            vote_by_api(client, day.round_id, code, {str(first): 5, str(second): 4, str(third): 3})
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results?lang=cy").text
        screen = client.get(f"/screen/{day.round_id}?lang=cy").text

        assert "Canlyniadau: Community Fund 2026" in page
        assert "2 bleidlais wedi'u cyfrif" in page and "2 brosiect wedi'u hariannu" in page
        assert "Heb ei ariannu: nid oedd yn ffitio yn y £10,000 oedd ar ôl" in page
        assert "Ar-lein, drwy&#39;r API agored" in page or "Ar-lein, drwy'r API agored" in page
        assert "Wedi'i ariannu" in screen and "2 brosiect wedi'u hariannu" in screen
        english = client.get(f"/rounds/{day.round_id}/results?lang=en").text
        assert "Not funded: did not fit the remaining £10,000" in english and "2 ballots counted" in english
# The pages residents gained after the first translation: each must stay on the translated list.
NEW_RESIDENT_PAGES = {
    "residents/signin.html", "residents/check_email.html", "residents/confirm.html", "residents/me.html",
    "consult/round_section.html", "proposals/form.html", "proposals/show.html", "proposals/list.html",
    "proposals/_content.html", "proposals/_history.html", "governance/partnership.html", "governance/meeting.html",
    "delivery/project.html", "delivery/_project_body.html", "voting/results.html", "governance/round.html",
}
STAFF_PAGES = {
    "consult/hide.html", "proposals/review.html", "proposals/review_list.html", "residents/outbox.html",
    "governance/admin.html", "governance/meeting_manage.html", "governance/meetings.html", "governance/timeline.html",
    "governance/arc_confirm.html", "governance/invitation.html", "delivery/dashboard.html", "delivery/grant.html",
    "delivery/grants.html", "voting/certify.html",
}


def welsh_round(db, phase):
    from core.audit import CLI_ACTOR
    from governance import service as governance_service
    from governance.models import Role
    from tests.builders import a_partnership, a_staff_member

    with db.session(write=True) as session:
        partnership = a_partnership(session)
        a_staff_member(session, partnership, Role.officer, "officer")
        voting_round = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Community Fund 2027", budget=20_000,
            priorities="Green spaces\nYoung people", phase=phase)
        return partnership.id, voting_round.id


class TestTheResidentsNewPagesInWelsh:
    def test_the_new_residents_pages_are_held_to_the_catalogue_and_staff_pages_are_marked(self):
        assert NEW_RESIDENT_PAGES <= i18n.RESIDENT_TEMPLATES
        assert STAFF_PAGES <= i18n.ENGLISH_ONLY_TEMPLATES

    def test_a_resident_signs_in_comments_and_proposes_in_welsh_with_the_services_messages_in_welsh(self, client, db):
        from governance.models import Phase
        from tests.builders import csrf_from, sign_in_resident

        _, round_id = welsh_round(db, Phase.involve)
        signin = client.get("/signin?lang=cy")
        assert html_lang(signin) == "cy" and "Anfonwch ddolen mewngofnodi ataf" in signin.text
        refused = client.post("/signin", data={"csrf_token": csrf_from(signin.text), "email": "not-an-address"})
        assert refused.status_code == 422 and "Rhowch gyfeiriad e-bost fel enw@enghraifft.org." in refused.text

        sign_in_resident(client, db)
        me = client.get("/me")
        assert "Eich tudalen" in me.text and "Allgofnodi ar bob dyfais" in me.text
        page = client.get(f"/rounds/{round_id}")
        assert "Beth allwch chi ei wneud nawr" in page.text and "Cynigiwch eich syniad am brosiect" in page.text
        assert "o bobl wedi pleidleisio" in page.text and "Sylwadau (0)" in page.text
        empty = client.post(f"/rounds/{round_id}/comments", data={"csrf_token": csrf_from(page.text), "body": " "})
        assert empty.status_code == 422 and "Ysgrifennwch eich sylw yn gyntaf." in empty.text

        form = client.get(f"/rounds/{round_id}/proposals/new")
        assert "Cynnig prosiect" in form.text and "Llinellau costau" in form.text
        no_item = client.post(f"/rounds/{round_id}/proposals/new", files={"photo": ("", b"", "")}, data={
            "csrf_token": csrf_from(form.text), "title": "Clwb cinio", "item_1": "", "amount_1": "400",
            "action": "submit"})
        assert no_item.status_code == 422
        assert "Mae angen i linell gostau 1 ddweud beth yw diben yr arian." in no_item.text
        made = client.post(f"/rounds/{round_id}/proposals/new", files={"photo": ("", b"", "")}, data={
            "csrf_token": csrf_from(form.text), "title": "Clwb cinio", "item_1": "Llogi neuadd", "amount_1": "400",
            "action": "submit"}, follow_redirects=True)
        assert "Wedi&#39;i gyflwyno, yn aros am adolygiad" in made.text and "Hanes y cynnig hwn" in made.text
        listed = client.get(f"/rounds/{round_id}/proposals")
        assert "Cynigion trigolion" in listed.text and "Cofrestr buddiannau" in listed.text
        assert "Residents' proposals" in client.get(f"/rounds/{round_id}/proposals?lang=en").text

    def test_the_partnerships_public_page_is_in_welsh_and_its_staff_page_stays_english(self, client, db):
        from governance.models import Phase
        from tests.builders import sign_in

        partnership_id, _ = welsh_round(db, Phase.consult)
        page = client.get(f"/partnerships/{partnership_id}?lang=cy")

        assert html_lang(page) == "cy" and "Aelodau a rolau" in page.text and ": swyddog</li>" in page.text
        assert "Holi trigolion am flaenoriaethau" in page.text and "Dim cyfarfodydd wedi'u cofnodi eto." in page.text
        sign_in(client, "officer")
        staff = client.get(f"/manage/partnerships/{partnership_id}/meetings")
        assert html_lang(staff) == "en-GB" and "english-only" in staff.text and "Add a meeting" in staff.text


def test_the_sign_in_email_is_in_the_language_of_the_page_it_was_asked_from():
    from core.settings import get_settings
    from residents import mail

    with i18n.use("cy"):
        subject, body = mail.sign_in_message(get_settings(), "https://example.org/signin/abc")
    assert subject.startswith("Eich dolen mewngofnodi ar gyfer ")
    assert "I fewngofnodi, agorwch y ddolen hon" in body and "\n\nhttps://example.org/signin/abc\n\n" in body
    assert "Mae'r ddolen yn gweithio unwaith" in body
