"""Pure rules for households: documents and search keys (no database, no Flask)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz
from stdnum import exceptions as stdnum_errors
from stdnum.cl import rut as stdnum_rut

from voucher.families.models import DocumentType


def search_key(text: str) -> str:
    """Accent- and case-insensitive form: 'NUÑEZ' and 'Nuñez' both become 'nunez'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain).strip().lower()


def expected_rut_check_digit(body: str) -> str:
    return stdnum_rut.calc_check_digit(body)


def normalise_rut(text: str) -> str:
    """'12.345.678-5', '123456785', '12345678-5' -> '12345678-5'.

    Raises ValueError with a message for people ('RUT inválido: el dígito
    verificador debería ser 5').
    """
    compact = stdnum_rut.compact(text or "")
    if not compact:
        raise ValueError(str(_l("Escriba el RUT.")))
    try:
        stdnum_rut.validate(compact)
    except stdnum_errors.InvalidChecksum:
        raise ValueError(
            str(
                _l(
                    "RUT inválido: el dígito verificador debería ser %(dv)s.",
                    dv=expected_rut_check_digit(compact[:-1]),
                )
            )
        ) from None
    except stdnum_errors.ValidationError:
        raise ValueError(str(_l("RUT inválido: revise los números."))) from None
    return f"{compact[:-1]}-{compact[-1]}"


def format_rut(normalised: str) -> str:
    """'12345678-5' -> '12.345.678-5'."""
    return stdnum_rut.format(normalised)


def display_rut(value: str | None) -> str:
    """A stored RUT as people write it ('12.345.678-5'); anything else as it is."""
    if not value:
        return ""
    try:
        return format_rut(value)
    except Exception:
        return value


def normalise_document(doc_type: DocumentType, number: str) -> str:
    """The stored form of a document number; raises ValueError for a bad one."""
    if doc_type == DocumentType.RUT:
        return normalise_rut(number)
    cleaned = re.sub(r"[\s.\-]", "", number or "").upper()
    if not re.fullmatch(r"[A-Z0-9]{4,20}", cleaned):
        raise ValueError(str(_l("Documento inválido: use de 4 a 20 letras o números.")))
    return cleaned


def looks_like_rut(text: str) -> str | None:
    """The normalised RUT when a search box text is a valid RUT, else None."""
    if not re.fullmatch(r"[\d.\-\skK]+", text or "") or not re.search(
        r"\d{6}", text.replace(".", "")
    ):
        return None
    # is_valid, not normalise_rut: a search needs no message for people.
    compact = stdnum_rut.compact(text)
    return f"{compact[:-1]}-{compact[-1]}" if stdnum_rut.is_valid(compact) else None


# --- possible duplicates -----------------------------------------------------------------

NAME_SIMILARITY = 85  # rapidfuzz token_sort_ratio, 0-100


def similar_names(a: str, b: str) -> bool:
    """Two search keys (accents and case already gone) that name the same person: word
    order and a small typo ignored ('maria nunez soto' ~ 'soto nunez maria', 'nunes')."""
    return bool(a and b) and fuzz.token_sort_ratio(a, b) >= NAME_SIMILARITY


def address_key(text: str) -> str:
    """'Pje. Los Aromos #1234' and 'pje los aromos 1234' are one address."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", search_key(text or "")).split())


def phone_key(text: str) -> str:
    """The last 8 digits: '+56 9 1234 5678' and '912345678' are one phone."""
    digits = re.sub(r"\D", "", text or "")
    return digits[-8:] if len(digits) >= 8 else ""


def document_digest(key: bytes, doc_type: str, number: str) -> str:
    """The keyed hash of a normalised document: equal documents, equal digests; the
    digest alone tells nothing about the number without the key."""
    return hmac.new(key, f"{doc_type}:{number}".encode(), hashlib.sha256).hexdigest()
