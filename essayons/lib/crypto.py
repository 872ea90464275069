"""Secrets at rest (shop webhook secrets, access tokens), encrypted with Fernet.

Keys come from ESSAYONS_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first) or, when it is
unset, from `<var>/encryption.key` (one key per line, newest first), created with mode 0600 on
first use so a one-shop install needs no configuration. Encryption always uses the newest key;
decryption tries each (cryptography's MultiFernet,
https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet). To rotate: put a new
key first, keep the old ones, run `rotate` over the stored values, then drop the old keys.

Nothing here logs, and errors never carry the secret or the ciphertext.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ENV_KEYS = "ESSAYONS_ENCRYPTION_KEYS"
KEY_FILE_NAME = "encryption.key"


class CryptoError(Exception):
    pass


class KeyConfigError(CryptoError):
    """The keys are missing or malformed (a configuration mistake, said without the key)."""


class SecretUnreadable(CryptoError):
    """A stored value cannot be decrypted with any known key (wrong key, or altered)."""


def encrypt(secret: str) -> str:
    """The secret encrypted with the newest key, as ASCII text fit for a TextField."""
    return _fernet().encrypt(secret.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with the current keys"
        ) from None


def rotate(token: str) -> str:
    """The same secret re-encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError):
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with the current keys"
        ) from None


def key_generate() -> str:
    return Fernet.generate_key().decode("ascii")


def keys_reset() -> None:
    """Forget the cached keys (after changing the environment or the key file, e.g. in tests)."""
    _fernet.cache_clear()


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return multifernet_from(_keys_load())


def multifernet_from(keys: Sequence[str]) -> MultiFernet:
    fernets = []
    for number, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode("ascii")))
        except (ValueError, UnicodeError):
            raise KeyConfigError(
                f"encryption key number {number} is not a valid Fernet key"
            ) from None
    if not fernets:
        raise KeyConfigError("no encryption key configured")
    return MultiFernet(fernets)


def _keys_load() -> list[str]:
    raw = os.environ.get(ENV_KEYS, "")
    from_env = [key.strip() for key in raw.split(",") if key.strip()]
    if from_env:
        return from_env
    return key_file_read_or_create(_var_dir() / KEY_FILE_NAME)


def key_file_read_or_create(path: Path) -> list[str]:
    """The keys kept in `path`, newest first; a first key is written (0600) if there is none."""
    if path.exists():
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return key_file_read_or_create(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key_generate() + "\n")
    return key_file_read_or_create(path)


def _var_dir() -> Path:
    """Django's VAR_DIR when settings are loaded, else ESSAYONS_VAR_DIR or ./var."""
    try:
        from django.conf import settings

        return Path(settings.VAR_DIR)
    except Exception:  # settings not configured: a script outside Django
        return Path(os.environ.get("ESSAYONS_VAR_DIR", "var"))
