"""English, the second language: the login page switches, the papers (voucher sheet,
statement, remittance, program report, trial balance) come out in English for an English
reader, and the catalog is complete with every placeholder and tag of the Spanish text kept."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import refresh
from pypdf import PdfReader

from tests.app.conftest import TRANSLATIONS
from tests.treasury.conftest import settle_all, t  # noqa: F401  (t: the treasury world)
from voucher.dates import local_today
from voucher.i18n import month_label

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
    found = _extracted(("voucher/**.py", "voucher/templates/**.html"))
    known = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _english()}
    assert len(found) > 500
    missing = sorted(f"{path}: {text}" for text, path in found if text and text not in known)
    assert not missing, "not in the catalog:\n" + "\n".join(missing)


def _extracted(patterns: tuple[str, ...]) -> set[tuple[object, str]]:
    """(message, path) for every message babel.cfg's extraction finds in ``patterns``."""
    root = TRANSLATIONS.parents[1]
    method_map = [(p, "jinja2" if p.endswith(".html") else "python") for p in patterns]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for path, _line, message, _comments, _context in extract_from_dir(
        root, method_map=method_map, keywords=keywords
    ):
        # A plural message (ngettext) comes as (singular, plural), as the catalog keeps it.
        found.add((message if isinstance(message, str) else tuple(message), path))
    return found


# The modules that write the papers' words, and the few words English writes the same way.
PAPER_MODULES = (
    "voucher/pdf/**.py",
    "voucher/treasury/documents.py",
    "voucher/treasury/tables.py",
    "voucher/treasury/papers.py",
    "voucher/treasury/statement.py",
    "voucher/programs/models.py",
)
SAME_IN_ENGLISH = {"Total", "RUT", "Cheque", "%(shop)s · RUT %(rut)s · %(period)s"}


def test_the_catalog_puts_every_word_of_the_papers_into_english():
    found = _extracted(PAPER_MODULES)
    assert len(found) > 60
    english = {m.id: m for m in _english()}
    untranslated = []
    for text, path in found:
        message = english.get(text)
        strings = _strings(message) if message else []
        spanish = list(text) if isinstance(text, tuple) else [text]
        if not strings or not all(strings) or (strings == spanish and text not in SAME_IN_ENGLISH):
            untranslated.append(f"{path}: {text}")
    assert not untranslated, "papers not in English:\n" + "\n".join(sorted(untranslated))


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def _english_paper(client, url: str) -> str:
    refresh()  # the test's app context outlives each request; Flask-Babel caches the locale
    separator = "&" if "?" in url else "?"
    return _pdf_text(client.get(f"{url}{separator}lang=en"))


@pytest.fixture
def english_papers(t, login_as):  # noqa: F811  (t is the fixture imported above)
    """The five papers of a small month, downloaded as an English-speaking reader."""
    redemption = t.real_redemption(5_000)
    t.real_redemption(3_000, program=t.hygiene)
    settlement = settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    today = local_today(t.parish.timezone)
    period = f"date_from={(today - timedelta(days=30)).isoformat()}&date_to={today.isoformat()}"
    treasurer = login_as("treasurer")
    papers = {
        "statement": f"/treasury/reports/statement?shop_id={t.shop.id}&{period}&format=pdf",
        "remittance": f"/treasury/settlements/{settlement.id}/comprobante.pdf",
        "programs": f"/treasury/reports/programs?{period}&format=pdf",
        "trial balance": f"/treasury/reports/trial-balance?at={today.isoformat()}&format=pdf",
    }
    texts = {name: _english_paper(treasurer, url) for name, url in papers.items()}
    staff = login_as("staff")
    texts["voucher"] = _english_paper(staff, f"/vouchers/{redemption.voucher_id}/pdf")
    refresh()
    return texts


ENGLISH_PAPERS = {
    "voucher": (
        ["FOOD VOUCHER", "Valid until:", "Serial:", "Code:", "Redeem this voucher"],
        ["VALE DE", "Válido hasta", "Serie:", "Código:", "Canjee"],
    ),
    "statement": (
        [
            "Statement",
            "Opening balance owed as of",
            "Closing balance owed as of",
            "Date and time",
            "Redemption No.",
            "Payment No.",
            "Bank transfer",
            "Food",
            "Hygiene",
            "Totals for the period",
            "Treasurer",
            "Shopkeeper",
            "Generated on",
            "Verification:",
            "Page 1 of 1",
        ],
        [
            "Estado de cuenta",
            "Saldo",
            "Canje N°",
            "Pago N°",
            "Alimentos",
            "Higiene",
            "Tesorero",
            "Comerciante",
            "Generado",
            "Verificación",
            "Página",
        ],
    ),
    "remittance": (
        [
            "Payment receipt",
            "Settlement No.",
            "Payment method",
            "Bank transfer",
            "Total paid",
            "2 redemptions are paid for a total of $8.000",
            "Food",
            "Hygiene",
            "Page 1 of 1",
        ],
        [
            "Comprobante",
            "Liquidación",
            "Medio de pago",
            "Transferencia",
            "Se pagan",
            "Alimentos",
            "Página",
        ],
    ),
    "programs": (
        [
            "Program report",
            "Period",
            "Funded",
            "Issued",
            "Redeemed",
            "Outstanding",
            "Food",
            "Hygiene",
            "No.: number of vouchers",
            "Page 1 of 1",
        ],
        [
            "Informe de programas",
            "Período",
            "Financiado",
            "Emitidos",
            "Canjeados",
            "Pendiente",
            "Alimentos",
            "Higiene",
            "Página",
        ],
    ),
    "trial balance": (
        [
            "Trial balance as of",
            "Account",
            "Debit balance",
            "Debit",
            "Credit",
            "Asset",
            "Balanced:",
            "Page 1 of 1",
        ],
        ["Balance de comprobación", "Débitos", "Saldo deudor", "Activo", "Cuadra", "Página"],
    ),
}


@pytest.mark.parametrize("paper", list(ENGLISH_PAPERS))
def test_an_english_reader_gets_english_papers(english_papers, paper):
    text = english_papers[paper]
    english, spanish = ENGLISH_PAPERS[paper]
    assert [word for word in english if word not in text] == []
    assert [word for word in spanish if word in text] == []


def test_month_names_follow_the_reader(app):
    with app.test_request_context("/?lang=en"):
        refresh()
        assert month_label(date(2026, 11, 3)) == "November 2026"
    with app.test_request_context("/"):
        refresh()
        assert month_label(date(2026, 1, 31)) == "enero 2026"
