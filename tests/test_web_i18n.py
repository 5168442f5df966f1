"""Languages of the web pages: every text of the pages has its English translation, the committed .mo is
the compiled .po, and the words the pages use for statuses are the engine's status names."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from engine.law.statuses import Status
from engine.core import vocabulary
from engine.web import ui

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "engine" / "web"
PO = WEB / "translations" / "en" / "LC_MESSAGES" / "messages.po"
LAW = ROOT / "engine" / "law"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "_l": None, "lazy_gettext": None, "pgettext": ((1, "c"), 2),
            "lazy_pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2), "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
VOCABULARY = ROOT / "engine" / "core"


def extracted(plurals: dict | None = None) -> set[tuple[str | None, str]]:
    """(context, msgid) of every text of the pages; ``plurals`` collects the msgid_plural of those written with
    ngettext (a count: English says "1 case", "2 cases")."""
    found = set()
    methods = [("**.py", "python"), ("templates/**.html", "jinja2")]
    for _file, _line, message, _comments, context in extract_from_dir(
            str(WEB), methods, keywords=KEYWORDS, options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}}):
        found.add((context, message if isinstance(message, str) else message[0]))
        if plurals is not None and not isinstance(message, str) and _keyword(message) == "plural":
            plurals[(context, message[0])] = message[1]
    for _file, _line, message, _comments, context in extract_from_dir(str(LAW), [("**.py", "python")],
                                                                       keywords=KEYWORDS):
        found.add((context, message))  # the law's vocabulary, marked N_() (status names)
    for _file, _line, message, _comments, context in extract_from_dir(
            str(VOCABULARY), [("vocabulary.py", "python")], keywords=KEYWORDS):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def _keyword(message: tuple) -> str:
    """A tuple is an ngettext's (singular, plural) or a pgettext's context and text (already split off)."""
    return "plural" if len(message) == 2 and all(isinstance(m, str) for m in message) else "other"


def catalog(path: Path, reader):
    """(context, msgid) -> message; a plural entry under its singular msgid (its id and string are tuples)."""
    with open(path, "rb") as fh:
        return {(m.context.decode() if isinstance(m.context, bytes) else m.context,
                 m.id if isinstance(m.id, str) else m.id[0]): m for m in reader(fh) if m.id}


def test_every_text_of_the_pages_has_an_english_translation():
    po = catalog(PO, read_po)
    plurals: dict = {}
    missing = sorted(str(k) for k in extracted(plurals) - set(po))
    assert not missing, f"not in {PO.name} (see translations/README.md): {missing}"
    empty = sorted(str(k) for k, m in po.items()
                   if not (m.string if isinstance(m.string, str) else all(m.string)) or m.fuzzy)
    assert not empty, f"untranslated or fuzzy: {empty}"
    # a count written with ngettext has its plural entry (msgid_plural, msgstr[0], msgstr[1]), and back
    singular = sorted(str(k) for k, p in plurals.items() if not po[k].pluralizable or po[k].id[1] != p)
    assert not singular, f"written with ngettext but not a plural entry of {PO.name}: {singular}"


def test_the_committed_mo_is_the_compiled_po():
    def strings(m):  # a plural entry's msgstr[0], msgstr[1]: a tuple from the .po, a list from the .mo
        return m.string if isinstance(m.string, str) else tuple(m.string)
    po = {k: strings(m) for k, m in catalog(PO, read_po).items()}
    mo = {k: strings(m) for k, m in catalog(PO.with_suffix(".mo"), read_mo).items()}
    assert mo == po, "messages.mo is stale: pybabel compile -d engine/web/translations -l en"


def test_the_words_of_the_pages_are_the_vocabulary_and_english_pages_translate_them(app):
    assert {k: str(v) for k, v in ui.ROLE_TEXT.items()} == vocabulary.ROLES
    assert {k: str(v) for k, v in ui.STEP_TEXT.items()} == {k: s.name for k, s in vocabulary.STEPS.items()}
    assert {k: str(v) for k, v in ui.ACTION_TEXT.items()} == {k: a.done for k, a in vocabulary.ACTIONS.items()}
    with app.test_request_context():
        from flask import session
        session["lang"] = "en"
        assert str(ui.ROLE_TEXT["head_of_agency"]) != vocabulary.ROLES["head_of_agency"]
        assert str(ui.STEP_TEXT["intake"]) != vocabulary.STEPS["intake"].name
        assert str(ui.ACTION_BUTTON["send_back"]) != vocabulary.ACTIONS["send_back"].button


def test_the_status_words_of_the_pages_are_the_engines_status_names():
    assert {k: str(v) for k, v in ui.STATUS_TEXT.items()} == {s: s.label for s in Status}
    assert sorted(ui.STATUS_TEXT) == list(range(1, 11))  # the national codes


def test_the_law_marks_every_status_name_for_translation():
    assert {s.label for s in Status} <= {message for _context, message in extracted()}


def test_english_admin_pages_say_the_action_on_their_buttons_and_translate_agency_levels(app):
    """"Tạm khóa" and "Tạm ngừng tiếp nhận" are a state ("Suspended") and, on a button, an action: the buttons
    said "Suspended"; the agencies' levels stayed Vietnamese on English pages."""
    import re

    from conftest import CITIZEN, SAMPLE_CODE
    from sqlalchemy import select

    from engine.data.model import User
    from web_support import Web

    with app.extensions["tthc"]["sessions"]() as session:
        citizen = session.scalar(select(User.id).where(User.username == CITIZEN))
    web = Web(app.test_client()).login("demo.admin")
    with web.client.session_transaction() as session:
        session["lang"] = "en"
    buttons = lambda path: [" ".join(b.split()) for b in re.findall(  # noqa: E731
        r"<button[^>]*>([^<]*)</button>", web.get(path).get_data(as_text=True))]
    assert "Suspend" in buttons(f"/quan-tri/cong-dan/{citizen}")
    assert "Suspend intake" in buttons(f"/quan-tri/thu-tuc/{SAMPLE_CODE}")
    assert "Suspended" not in buttons(f"/quan-tri/thu-tuc/{SAMPLE_CODE}") + buttons(f"/quan-tri/cong-dan/{citizen}")
    tree = web.get("/quan-tri/co-quan").get_data(as_text=True)
    assert "<td>Commune or ward</td>" in tree and "Cấp xã, phường" not in tree
    assert '<option value="province">Province</option>' in tree
    assert 'data-level="commune">Commune or ward</span>' in web.get(  # its own agency: read only
        "/quan-tri/co-quan/000.00.06.H56").get_data(as_text=True)


def test_an_english_procedure_page_gives_the_reasons_of_its_service_level_in_english(app):
    """D27's reasons, declared once in engine/core/vocabulary.py, stayed Vietnamese on English pages (they are kept
    in the version's info, and the agency's missing gateway replaced one of them)."""
    from conftest import SAMPLE_CODE
    from web_support import Web, text_of

    web = Web(app.test_client())
    with web.client.session_transaction() as session:
        session["lang"] = "en"
    page = text_of(web.get(f"/thu-tuc/{SAMPLE_CODE}"))
    assert "No visit to the agency" in page and "Không phải đến cơ quan" not in page
    assert "Fees cannot be paid online yet: the agency has no payment gateway" in page
    assert "The result is returned online or by post" in page
    assert "Không phải đến cơ quan" in text_of(Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}"))
