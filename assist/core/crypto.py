"""Personal data at rest: Fernet encryption, a keyed hash for exact lookup and uniqueness, and
encrypted files (streamed AES-GCM) for documents that hold personal data."""

import hashlib
import hmac
import io
import os
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app


def _fernet() -> Fernet:
    return Fernet(current_app.config["DATA_KEY"].encode())


def encrypt(value: str | None) -> str | None:
    """Encrypt a sensitive value (resident ID, bank account) for storage."""
    if value is None or value == "":
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must fail loudly, not show garbage
        raise RuntimeError("personal data cannot be decrypted with the configured key") from exc


def keyed_hash(value: str, *, purpose: str = "resident-id") -> str:
    """Return an HMAC-SHA256 of `value` under a key derived from the data key and `purpose`."""
    key = hmac.new(current_app.config["DATA_KEY"].encode(), purpose.encode(), hashlib.sha256)
    return hmac.new(key.digest(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


# --- files ------------------------------------------------------------------------------------
# Files holding personal data (batch print outputs) are encrypted in 1 MiB chunks with AES-GCM
# under a key derived from DATA_KEY, so they can be written and read back as streams. Each
# chunk's nonce is the file's random prefix, the chunk's number and a last-chunk flag (the
# STREAM construction): chunks cannot be reordered, dropped or the file cut short unnoticed.

FILE_MAGIC = b"ASE1"
_PREFIX_BYTES = 7
_CHUNK_BYTES = 1024 * 1024
_HEADER_BYTES = len(FILE_MAGIC) + _PREFIX_BYTES


def _file_key(purpose: str) -> bytes:
    return hmac.new(
        current_app.config["DATA_KEY"].encode(), f"file:{purpose}".encode(), hashlib.sha256
    ).digest()


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _create_private(path: Path):
    """Open a new file readable and writable by the app's user only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


class EncryptedWriter:
    """A write-only binary file that stores its content encrypted at `path` (mode 0600).

    The content goes to `path` + ".part" and is moved into place by `close()`, so a reader
    never sees half a file. It reports `tell()` (pypdf needs it) but cannot seek (zipfile
    then writes data descriptors instead of seeking back).
    """

    def __init__(self, path, *, purpose: str):
        self.path = Path(path)
        self._part = self.path.with_name(self.path.name + ".part")
        self._part.unlink(missing_ok=True)  # left by a runner that died mid-write
        self._aead = AESGCM(_file_key(purpose))
        self._prefix = os.urandom(_PREFIX_BYTES)
        self._header = FILE_MAGIC + self._prefix
        self._fh = _create_private(self._part)
        self._fh.write(self._header)
        self._buffer = bytearray()
        self._counter = 0
        self._written = 0
        self.closed = False

    def write(self, data) -> int:
        self._buffer += data
        self._written += len(data)
        start = 0
        with memoryview(self._buffer) as view:
            while len(view) - start > _CHUNK_BYTES:  # keep the last chunk: it may be the final one
                self._emit(bytes(view[start : start + _CHUNK_BYTES]), last=False)
                start += _CHUNK_BYTES
        del self._buffer[:start]
        return len(data)

    def tell(self) -> int:
        return self._written

    def seekable(self) -> bool:
        return False

    def seek(self, *args):
        raise io.UnsupportedOperation("an encrypted file is written front to back")

    def flush(self) -> None:
        self._fh.flush()

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._header)
        self._fh.write(len(sealed).to_bytes(4, "big") + sealed)
        self._counter += 1

    def close(self) -> None:
        if self.closed:
            return
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._fh.close()
        os.replace(self._part, self.path)
        self.closed = True

    def discard(self) -> None:
        """Give up: remove the partial file."""
        self._fh.close()
        self._part.unlink(missing_ok=True)
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.close()
        else:
            self.discard()


def write_encrypted(path, data: bytes, *, purpose: str) -> None:
    """Store `data` encrypted at `path`, readable by the app's user only."""
    with EncryptedWriter(path, purpose=purpose) as fh:
        fh.write(data)


def is_encrypted_file(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(FILE_MAGIC)) == FILE_MAGIC


def read_encrypted(path, *, purpose: str) -> Iterator[bytes]:
    """Open an encrypted file and return an iterator over its plaintext, chunk by chunk.

    The file is opened and its header checked at once (a missing or foreign file raises
    here, before a response starts); a tampered or truncated chunk raises while iterating.
    """
    aead = AESGCM(_file_key(purpose))
    fh = open(path, "rb")  # noqa: SIM115 - closed by the generator below
    header = fh.read(_HEADER_BYTES)
    if len(header) != _HEADER_BYTES or not header.startswith(FILE_MAGIC):
        fh.close()
        raise ValueError("not an encrypted file")
    prefix = header[len(FILE_MAGIC) :]

    def chunks():
        with fh:
            counter = 0
            size = fh.read(4)
            while True:
                if len(size) != 4:
                    raise ValueError("encrypted file is truncated")
                sealed = fh.read(int.from_bytes(size, "big"))
                size = fh.read(4)
                last = not size
                try:
                    yield aead.decrypt(_nonce(prefix, counter, last), sealed, header)
                except InvalidTag as exc:
                    raise ValueError("encrypted file is damaged or truncated") from exc
                if last:
                    return
                counter += 1

    return chunks()


def read_encrypted_bytes(path, *, purpose: str) -> bytes:
    return b"".join(read_encrypted(path, purpose=purpose))
