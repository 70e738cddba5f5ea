"""English, the second language: the login page switches, and the catalog is complete
with every placeholder and tag of the Spanish text kept."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po
from flask_babel import refresh

from tests.app.conftest import TRANSLATIONS

EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
# %(name)s, {amount} and anything tag-like such as <token>.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]*>")


def _english():
    with EN_PO.open("rb") as po_file:
        return [m for m in read_po(po_file) if m.id]


def _strings(message):
    return list(message.string) if message.pluralizable else [message.string]


def _pairs(message):
    """(Spanish, English) pairs; for plurals msgstr[0] pairs with msgid, the rest with
    msgid_plural."""
    if message.pluralizable:
        singular, plural = message.id[0], message.id[1]
        return [(singular if i == 0 else plural, s) for i, s in enumerate(message.string)]
    return [(message.id, message.string)]


def test_login_switches_to_english_and_remembers_it(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in page and "Password" in page
    assert "Ingresar" not in page and "Contraseña" not in page
    assert 'lang="en"' in page
    with client.session_transaction() as session:
        assert session["lang"] == "en"
    # The test's app context outlives each request, and Flask-Babel caches the locale on it.
    refresh()
    assert "Log in" in client.get("/login").get_data(as_text=True)
    refresh()
    back = client.get("/login?lang=es").get_data(as_text=True)
    assert "Ingresar" in back and "Log in" not in back


def test_login_is_spanish_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Ingresar" in page and "Contraseña" in page
    assert "Log in" not in page


def test_catalog_has_every_message_translated():
    messages = _english()
    assert len(messages) > 500
    empty = [m.id for m in messages if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not empty, f"untranslated: {empty}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_translations_keep_placeholders_and_tags():
    wrong = [
        (spanish, english)
        for message in _english()
        for spanish, english in _pairs(message)
        if sorted(PLACEHOLDER.findall(spanish)) != sorted(PLACEHOLDER.findall(english))
    ]
    assert not wrong, wrong


def test_every_message_in_the_code_is_in_the_catalog():
    """What babel.cfg extracts from the code and templates is all in the English catalog:
    a new Spanish string without its translation fails here, not on an English screen."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = TRANSLATIONS.parents[1]
    method_map = [("voucher/**.py", "python"), ("voucher/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for path, _line, message, _comments, _context in extract_from_dir(
        root, method_map=method_map, keywords=keywords
    ):
        # A plural message (ngettext) comes as (singular, plural), as the catalog keeps it.
        found.add((message if isinstance(message, str) else tuple(message), path))
    known = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _english()}
    assert len(found) > 500
    missing = sorted(f"{path}: {text}" for text, path in found if text and text not in known)
    assert not missing, "not in the catalog:\n" + "\n".join(missing)
