"""Secret voucher codes: generation, check symbol, forgiving input, keyed storage forms.

A code is 12 random symbols of Crockford's base-32 alphabet (60 bits from `secrets`)
plus one check symbol, kept canonically as 13 characters without dashes and shown
as ``XXXX-XXXX-XXXX-C``. The database never sees a code in clear: it keeps an HMAC
(for lookup) and an AES-GCM copy (for reprinting), both keyed from a master key that
lives outside the database.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 12
CODE_LENGTH = DATA_SYMBOLS + 1
MASTER_KEY_BYTES = 32

_SYMBOL_BITS = 5
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}

# Letters people and phone keyboards put in place of digits; U stays refused because
# it is not in the alphabet and guessing V or W would hide a real typo.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Spaces and every dash a phone keyboard may substitute for "-".
_SEPARATORS = frozenset(" \t\r\n\u00a0-\u2010\u2011\u2012\u2013\u2014\u2212")
# Some scanners in keyboard mode shout the whole URL, so '/R/' counts too.
_REDEEM_PATH = re.compile("/r/", re.IGNORECASE)


class CodeTypo(ValueError):
    """The text cannot be a voucher code: wrong length, foreign symbol or bad check symbol."""


# --- check symbol: Damm over a quasigroup of order 32 ---------------------------------
#
# x * y = a·x XOR y in GF(32) (modulus x^5 + x^2 + 1) with a = 2. As a != 0 both
# arguments can be cancelled, so a substituted symbol changes the interim and the change
# survives every later step; as a != 1, (c*x)*y = (c*y)*x forces x = y, so swapping two
# neighbours changes it too (total anti-symmetry). Luhn mod 32 misses some swaps.

_GF32_MODULUS = 0b100101
_MULTIPLIER = 2


def _gf32_multiply(x: int, y: int) -> int:
    product = 0
    while y:
        if y & 1:
            product ^= x
        y >>= 1
        x <<= 1
        if x & 0b100000:
            x ^= _GF32_MODULUS
    return product


_TIMES_A = tuple(_gf32_multiply(_MULTIPLIER, x) for x in range(32))


def quasigroup(x: int, y: int) -> int:
    """The Damm operation x * y on symbol values 0..31."""
    return _TIMES_A[x] ^ y


def _interim(values: list[int]) -> int:
    interim = 0
    for value in values:
        interim = _TIMES_A[interim] ^ value
    return interim


def check_symbol(data: str) -> str:
    """The symbol that brings the Damm interim of `data` + symbol back to 0.

    Refuses (CodeTypo) symbols outside the alphabet.
    """
    return ALPHABET[_TIMES_A[_interim(_values(data))]]


def _values(symbols: str) -> list[int]:
    try:
        return [_VALUE[symbol] for symbol in symbols]
    except KeyError as exc:
        raise CodeTypo(f"symbol {exc.args[0]!r} is not in the code alphabet") from None


# --- generation, display, input ---------------------------------------------------------


def generate_code() -> str:
    """A new canonical code: 12 symbols from 60 random bits, then the check symbol."""
    bits = secrets.randbits(DATA_SYMBOLS * _SYMBOL_BITS)
    data = "".join(
        ALPHABET[(bits >> (_SYMBOL_BITS * i)) & 0b11111] for i in reversed(range(DATA_SYMBOLS))
    )
    return data + check_symbol(data)


def is_canonical(code: str) -> bool:
    """True for 13 alphabet symbols whose check symbol matches (no dashes, upper case)."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return False
    try:
        return _interim(_values(code)) == 0
    except CodeTypo:
        return False


def _require_canonical(code: str) -> None:
    if not is_canonical(code):
        raise CodeTypo("not a canonical voucher code (normalize it first)")


def format_code(canonical: str) -> str:
    """'7KQ2M9XD4RTA0' -> '7KQ2-M9XD-4RTA-0'. Refuses (CodeTypo) a non-canonical code."""
    _require_canonical(canonical)
    return "-".join((canonical[0:4], canonical[4:8], canonical[8:12], canonical[12]))


def normalize_code(text: str) -> str:
    """What a shopkeeper typed or scanned -> the canonical code.

    Ignores case, spaces and dashes, reads O as 0 and I/L as 1, and takes the part after
    the last '/r/' of a redeem URL (a QR read into the typed box). Refuses with CodeTypo
    a wrong length, a symbol outside the alphabet (U included) or a check symbol that
    does not match, so typos never reach the database.
    """
    if not isinstance(text, str):
        raise CodeTypo("a code is text")
    symbols = "".join(ch for ch in _code_part(text) if ch not in _SEPARATORS)
    symbols = symbols.upper().translate(_LOOKALIKES)
    if len(symbols) != CODE_LENGTH:
        raise CodeTypo(f"a code has {CODE_LENGTH} symbols, this has {len(symbols)}")
    if _interim(_values(symbols)) != 0:
        raise CodeTypo("the check symbol does not match")
    return symbols


def _code_part(text: str) -> str:
    markers = list(_REDEEM_PATH.finditer(text))
    if not markers:
        return text
    tail = text[markers[-1].end() :]
    for end in "?#":
        tail = tail.split(end, 1)[0]
    return tail.rstrip("/")


def redeem_url(base_url: str, canonical: str) -> str:
    """`{base_url}/r/{XXXX-XXXX-XXXX-C}` with scheme and host in lower case.

    An upper-case 'HTTPS://' stops several phone camera apps from opening the link.
    Refuses (ValueError) a base URL that is not plain-ASCII http(s) with a host, or that
    carries a query or fragment; refuses (CodeTypo) a non-canonical code.
    """
    if not base_url.isascii():
        raise ValueError("the voucher base URL must be ASCII (write the host in punycode)")
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the voucher base URL must be http(s)://host[/path]")
    if parts.query or parts.fragment:
        raise ValueError("the voucher base URL cannot carry a query or fragment")
    path = parts.path.rstrip("/")
    base = urlunsplit((scheme, parts.netloc.lower(), path, "", ""))
    return f"{base}/r/{format_code(canonical)}"


# --- keyed storage forms ------------------------------------------------------------------

_LOOKUP_INFO = b"vales voucher-code lookup v1"
_ENCRYPTION_INFO = b"vales voucher-code encryption v1"
_NONCE_BYTES = 12


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


class CodeKeys:
    """Keys for the two forms a code takes in the database, derived from one master key.

    The lookup key and the encryption key are separate HKDF outputs, so neither form
    helps to attack the other. Refuses (ValueError) a master key that is not 32 bytes.
    """

    def __init__(self, master: bytes) -> None:
        if not isinstance(master, bytes) or len(master) != MASTER_KEY_BYTES:
            raise ValueError(f"the voucher master key must be {MASTER_KEY_BYTES} bytes")
        self._lookup_key = _derive(master, _LOOKUP_INFO)
        self._aead = AESGCM(_derive(master, _ENCRYPTION_INFO))

    def __repr__(self) -> str:
        return "CodeKeys(<secret>)"

    def lookup_hash(self, canonical: str) -> str:
        """HMAC-SHA256 hex (64 chars), the same for the same code and key.

        Refuses (CodeTypo) a non-canonical code: a dashed or lower-case form would hash
        to a different value and silently miss the voucher.
        """
        _require_canonical(canonical)
        return hmac.new(self._lookup_key, canonical.encode("ascii"), hashlib.sha256).hexdigest()

    def encrypt(self, canonical: str) -> str:
        """AES-GCM with a fresh random nonce, as URL-safe base64 text (differs every call).

        Refuses (CodeTypo) a non-canonical code.
        """
        _require_canonical(canonical)
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, canonical.encode("ascii"), _ENCRYPTION_INFO)
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The canonical code back. Refuses (ValueError) a token that was altered,
        truncated, is not base64, or was sealed with another key."""
        try:
            raw = base64.urlsafe_b64decode(token)
        except (ValueError, TypeError):  # not base64, not ASCII, not text
            raise ValueError("not a voucher code token") from None
        if len(raw) <= _NONCE_BYTES:
            raise ValueError("not a voucher code token")
        try:
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _ENCRYPTION_INFO)
        except InvalidTag:
            raise ValueError("voucher code token altered or sealed with another key") from None
        return plain.decode("ascii")


def load_or_create_master_key(path: str | os.PathLike[str]) -> bytes:
    """Read the URL-safe base64 master key at `path`, or create it (32 random bytes, mode 600).

    Creation goes through a private temporary file linked into place, so two workers
    starting together end up sharing one key instead of overwriting each other.
    Refuses (ValueError) an existing file that does not hold a 32-byte key: replacing
    it would orphan every voucher already printed.
    """
    key_path = Path(path)
    if not key_path.exists():
        _create_key_file(key_path)
    return _read_key_file(key_path)


def _read_key_file(key_path: Path) -> bytes:
    try:
        text = key_path.read_text(encoding="ascii").strip()
        # Padding is optional so a key pasted by hand without '=' still reads.
        master = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:  # binascii.Error and UnicodeDecodeError are both ValueErrors
        raise ValueError(f"{key_path} does not hold a voucher key") from None
    if len(master) != MASTER_KEY_BYTES:
        raise ValueError(f"{key_path} does not hold a {MASTER_KEY_BYTES}-byte voucher key")
    return master


def _create_key_file(key_path: Path) -> None:
    key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)) + b"\n"
    temporary = key_path.with_name(f".{key_path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(encoded)
            handle.flush()
            # Losing this key after a power cut would orphan every voucher issued with it.
            os.fsync(handle.fileno())
        # If another process linked its key first, everyone uses that one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, key_path)
    finally:
        temporary.unlink(missing_ok=True)
