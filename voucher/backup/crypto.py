"""The backup file's encryption: AES-256-GCM in chunks under a key derived by scrypt from
the passphrase.

Each chunk has its own nonce (a random prefix and the chunk's number) and is
authenticated together with the file's header and a flag marking the last chunk, so a
file altered anywhere, cut short, reordered or extended is refused on reading."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"VALES-BACKUP-1\n"
CHUNK = 1 << 20
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_LENGTH = struct.Struct(">I")


class BackupUnreadable(Exception):
    """Wrong passphrase, or a file that is not a whole, unaltered backup."""


def derive_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", number, 1 if last else 0)


class EncryptingWriter:
    """A write-only stream that encrypts what it is given into ``out``."""

    def __init__(self, out: BinaryIO, passphrase: str) -> None:
        salt, self._prefix = os.urandom(16), os.urandom(7)
        params = {**SCRYPT, "salt": salt.hex(), "nonce": self._prefix.hex(), "chunk": CHUNK}
        self._header = MAGIC + json.dumps(params, sort_keys=True).encode() + b"\n"
        self._aead = AESGCM(derive_key(passphrase, salt, **SCRYPT))
        self._out, self._buffer, self._number = out, bytearray(), 0
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        """Seal what is left as the last chunk (possibly empty)."""
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._number, last)
        sealed = self._aead.encrypt(nonce, plain, self._header)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1


def decrypted_chunks(source: BinaryIO, passphrase: str) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; BackupUnreadable on any fault, at the latest after
    the last chunk (a file cut short never ends with its last chunk)."""
    magic = source.read(len(MAGIC))
    line = source.readline(4096)
    if magic != MAGIC or not line.endswith(b"\n"):
        raise BackupUnreadable("no es un archivo de copia de seguridad de Vales")
    try:
        params = json.loads(line)
        aead = AESGCM(
            derive_key(
                passphrase, bytes.fromhex(params["salt"]), params["n"], params["r"], params["p"]
            )
        )
        prefix = bytes.fromhex(params["nonce"])
    except (ValueError, KeyError, TypeError):
        raise BackupUnreadable("la cabecera de la copia está dañada") from None
    header, number = magic + line, 0
    while True:
        size = source.read(_LENGTH.size)
        if len(size) < _LENGTH.size:
            raise BackupUnreadable("la copia está incompleta (cortada)")
        sealed = source.read(_LENGTH.unpack(size)[0])
        plain, last = _open(aead, prefix, number, sealed, header)
        yield plain
        number += 1
        if last:
            if source.read(1):
                raise BackupUnreadable("la copia tiene datos de más al final")
            return


def _open(aead: AESGCM, prefix: bytes, number: int, sealed: bytes, header: bytes):
    for last in (False, True):
        try:
            return aead.decrypt(_nonce(prefix, number, last), sealed, header), last
        except InvalidTag:
            continue
    if number == 0:
        raise BackupUnreadable("contraseña incorrecta, o la copia fue alterada")
    raise BackupUnreadable(f"la copia fue alterada o está dañada (bloque {number + 1})")
