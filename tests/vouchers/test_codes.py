"""Voucher codes: check symbol strength, forgiving input, keyed storage forms, key file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from voucher.vouchers.codes import (
    ALPHABET,
    CODE_LENGTH,
    CodeKeys,
    CodeTypo,
    check_symbol,
    format_code,
    generate_code,
    is_canonical,
    load_or_create_master_key,
    normalize_code,
    quasigroup,
    redeem_url,
)

SYMBOLS = range(len(ALPHABET))
data_parts = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH - 1, max_size=CODE_LENGTH - 1)
codes = data_parts.map(lambda data: data + check_symbol(data))


def with_symbol(code: str, position: int, symbol: str) -> str:
    return code[:position] + symbol + code[position + 1 :]


def swapped(code: str, position: int) -> str:
    return code[:position] + code[position + 1] + code[position] + code[position + 2 :]


def test_alphabet_is_crockford_base32():
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_generated_codes_are_canonical_and_distinct():
    generated = [generate_code() for _ in range(2000)]
    assert all(len(code) == CODE_LENGTH and is_canonical(code) for code in generated)
    assert all(set(code) <= set(ALPHABET) for code in generated)
    assert len(set(generated)) == len(generated)


def test_generated_codes_use_every_symbol_in_every_data_position():
    generated = [generate_code() for _ in range(3000)]
    for position in range(CODE_LENGTH - 1):
        assert {code[position] for code in generated} == set(ALPHABET)


def test_format_and_normalize_round_trip():
    code = generate_code()
    shown = format_code(code)
    assert shown == f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12]}"
    assert normalize_code(shown) == code
    assert normalize_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "o1jk-0m1n-pq0r-{c}",
        " O1JK 0M1N PQ0R {c} ",
        "0IJK-OMLN-PQoR-{c}",
        "0ljk\u20130m1n\u2014pq0r-{c}",
        "0 1 J K 0 M 1 N P Q 0 R {c}",
        "01JK0M1NPQ0R{c}\n",
    ],
)
def test_forgiving_input(typed):
    data = "01JK0M1NPQ0R"
    code = data + check_symbol(data)
    assert normalize_code(typed.format(c=code[-1].lower())) == code


@pytest.mark.parametrize(
    "typed",
    ["", "1234", "01JK0M1NPQ0R", "01JK0M1NPQ0RXX", "01JK0M1NPQ0U?", "01JK0M1NPQ0R*", "ñ" * 13],
)
def test_wrong_length_or_foreign_symbols_are_typos(typed):
    with pytest.raises(CodeTypo):
        normalize_code(typed)


def test_u_is_refused_not_guessed():
    code = generate_code()
    with pytest.raises(CodeTypo):
        normalize_code(with_symbol(code, 3, "U"))


def test_code_typo_is_a_value_error():
    assert issubclass(CodeTypo, ValueError)


def test_every_single_substitution_and_adjacent_swap_of_one_code_is_caught():
    code = generate_code()
    for position in range(CODE_LENGTH):
        for symbol in ALPHABET:
            if symbol != code[position]:
                with pytest.raises(CodeTypo):
                    normalize_code(with_symbol(code, position, symbol))
    for position in range(CODE_LENGTH - 1):
        if code[position] != code[position + 1]:
            with pytest.raises(CodeTypo):
                normalize_code(swapped(code, position))


def test_quasigroup_is_two_times_x_plus_y_in_gf32():
    for x in SYMBOLS:
        doubled = (x << 1) ^ (0b100101 if x & 0b10000 else 0)  # reduce by x^5 + x^2 + 1
        for y in SYMBOLS:
            assert quasigroup(x, y) == doubled ^ y


@pytest.mark.parametrize(
    ("data", "check"),
    [
        ("000000000000", "0"),
        ("7KQ2M9XD4RTA", "0"),
        ("ZZZZZZZZZZZZ", "R"),
        ("0123456789AB", "V"),
        ("CDEFGHJKMNPQ", "S"),
    ],
)
def test_check_symbols_never_change(data, check):
    """Printed vouchers must stay valid: these answers are pinned."""
    assert check_symbol(data) == check
    assert format_code(data + check) == f"{data[:4]}-{data[4:8]}-{data[8:]}-{check}"


def test_quasigroup_is_latin_and_totally_anti_symmetric():
    """Exhaustive over the operation, so it holds for every code, not only sampled ones:
    rows and columns are permutations (substitutions change the interim, and the change
    survives every later step), and (c*x)*y == (c*y)*x only when x == y (swaps)."""
    for x in SYMBOLS:
        assert sorted(quasigroup(x, y) for y in SYMBOLS) == list(SYMBOLS)
        assert sorted(quasigroup(y, x) for y in SYMBOLS) == list(SYMBOLS)
    for c in SYMBOLS:
        for x in SYMBOLS:
            for y in SYMBOLS:
                if x != y:
                    assert quasigroup(quasigroup(c, x), y) != quasigroup(quasigroup(c, y), x)


@given(codes, st.integers(0, CODE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(code, position, symbol):
    typo = with_symbol(code, position, symbol)
    if typo == code:
        assert normalize_code(typo) == code
    else:
        with pytest.raises(CodeTypo):
            normalize_code(typo)


@given(codes, st.integers(0, CODE_LENGTH - 2))
def test_any_adjacent_transposition_is_caught(code, position):
    typo = swapped(code, position)
    if typo == code:
        assert normalize_code(typo) == code
    else:
        with pytest.raises(CodeTypo):
            normalize_code(typo)


@given(st.text(max_size=40))
def test_any_text_is_either_a_code_or_a_typo(text):
    try:
        code = normalize_code(text)
    except CodeTypo:
        return
    assert is_canonical(code)


@pytest.mark.parametrize(
    "template",
    [
        "http://vales.test/r/{shown}",
        "https://vales.parroquia.cl/r/{shown}",
        "HTTPS://VALES.PARROQUIA.CL/R/{shown}",
        "https://parroquia.cl/vales/r/{shown}?utm_source=qr",
        "https://parroquia.cl/r/old/r/{shown}/",
        "  http://vales.test/r/{shown}#top ",
    ],
)
def test_a_scanned_redeem_url_in_the_typed_box(template):
    code = generate_code()
    assert normalize_code(template.format(shown=format_code(code))) == code


def test_a_redeem_url_with_a_typo_in_the_code_is_still_a_typo():
    code = generate_code()
    typo = with_symbol(code, 0, "Z" if code[0] != "Z" else "Y")
    with pytest.raises(CodeTypo):
        normalize_code(f"http://vales.test/r/{typo}")


def test_format_code_refuses_non_canonical_codes():
    code = generate_code()
    for bad in (code.lower(), format_code(code), code[:-1], swapped(code, 0) + "X"):
        with pytest.raises(CodeTypo):
            format_code(bad)


def test_redeem_url_lower_cases_scheme_and_host_only():
    code = generate_code()
    url = redeem_url("HTTPS://Vales.Parroquia.CL/Vales/", code)
    assert url == f"https://vales.parroquia.cl/Vales/r/{format_code(code)}"
    assert redeem_url("http://vales.test", code) == f"http://vales.test/r/{format_code(code)}"
    assert normalize_code(url) == code


@pytest.mark.parametrize(
    "base",
    [
        "ftp://vales.test",
        "vales.test",
        "https://",
        "https://x.cl/?a=1",
        "https://x.cl/#f",
        "https://jesús.cl",
    ],
)
def test_redeem_url_refuses_odd_base_urls(base):
    with pytest.raises(ValueError):
        redeem_url(base, generate_code())


def test_lookup_hash_is_deterministic_per_key():
    code, other = generate_code(), generate_code()
    keys = CodeKeys(b"a" * 32)
    digest = keys.lookup_hash(code)
    assert digest == CodeKeys(b"a" * 32).lookup_hash(code)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert digest != CodeKeys(b"b" * 32).lookup_hash(code)
    assert digest != keys.lookup_hash(other)


def test_lookup_hash_refuses_a_formatted_code():
    code = generate_code()
    with pytest.raises(CodeTypo):
        CodeKeys(b"a" * 32).lookup_hash(format_code(code))


def test_encrypt_decrypt_round_trip_with_fresh_nonces():
    keys = CodeKeys(b"a" * 32)
    code = generate_code()
    first, second = keys.encrypt(code), keys.encrypt(code)
    assert first != second
    assert keys.decrypt(first) == keys.decrypt(second) == code
    assert code not in first
    assert keys.lookup_hash(code) not in first


def test_decrypt_refuses_tampering_wrong_key_and_garbage():
    keys = CodeKeys(b"a" * 32)
    token = keys.encrypt(generate_code())
    raw = bytearray(base64.urlsafe_b64decode(token))
    for index in (0, 12, len(raw) - 1):
        altered = raw.copy()
        altered[index] ^= 0x01
        with pytest.raises(ValueError):
            keys.decrypt(base64.urlsafe_b64encode(bytes(altered)).decode())
    with pytest.raises(ValueError):
        CodeKeys(b"b" * 32).decrypt(token)
    for garbage in ("", "not base64 at all!", token[:10], "ñandú", token[:-8]):
        with pytest.raises(ValueError):
            keys.decrypt(garbage)


def test_the_master_key_is_not_used_directly():
    """Each form has its own derived key: neither the HMAC nor the cipher run on the
    master key itself, so one form leaking its key does not expose the other."""
    master, code = b"a" * 32, generate_code()
    keys = CodeKeys(master)
    plain_hmac = hmac.new(master, code.encode(), hashlib.sha256).hexdigest()
    assert keys.lookup_hash(code) != plain_hmac
    raw = base64.urlsafe_b64decode(keys.encrypt(code))
    with pytest.raises(InvalidTag):
        AESGCM(master).decrypt(raw[:12], raw[12:], None)


@pytest.mark.parametrize("master", [b"", b"a" * 31, b"a" * 33, "a" * 32])
def test_code_keys_refuse_a_master_key_that_is_not_32_bytes(master):
    with pytest.raises(ValueError):
        CodeKeys(master)


def test_code_keys_do_not_show_their_secret():
    assert "aaaa" not in repr(CodeKeys(b"a" * 32))


def test_master_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "instance" / "voucher_key"
    master = load_or_create_master_key(path)
    assert len(master) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.urlsafe_b64decode(path.read_text().strip()) == master
    assert load_or_create_master_key(str(path)) == master
    assert sorted(p.name for p in path.parent.iterdir()) == ["voucher_key"]
    assert load_or_create_master_key(tmp_path / "elsewhere" / "voucher_key") != master


def test_master_key_file_without_padding_still_reads(tmp_path):
    path = tmp_path / "voucher_key"
    path.write_text(base64.urlsafe_b64encode(b"z" * 32).decode().rstrip("=") + "\n")
    assert load_or_create_master_key(path) == b"z" * 32


@pytest.mark.parametrize("content", ["", "short", base64.urlsafe_b64encode(b"k" * 16).decode()])
def test_a_damaged_master_key_file_is_refused_not_replaced(tmp_path, content):
    path = tmp_path / "voucher_key"
    path.write_text(content)
    with pytest.raises(ValueError):
        load_or_create_master_key(path)
    assert path.read_text() == content
