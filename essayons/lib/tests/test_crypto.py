"""Secrets at rest: round trip, rotation, key file created 0600, errors that never leak."""

import logging
import stat

import pytest
from cryptography.fernet import Fernet

from essayons.lib import crypto


@pytest.fixture
def keys(monkeypatch):
    def use(*keys):
        monkeypatch.setenv(crypto.ENV_KEYS, ",".join(keys))
        crypto.keys_reset()

    yield use
    crypto.keys_reset()


def test_round_trip_is_not_plaintext(keys):
    keys(Fernet.generate_key().decode())
    token = crypto.encrypt("wc_secret_élan")
    assert "wc_secret" not in token
    assert crypto.decrypt(token) == "wc_secret_élan"


def test_rotation_new_key_first_old_still_reads_and_rotate_moves_to_newest(keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    stored = crypto.encrypt("token-123")
    keys(new, old)
    assert crypto.decrypt(stored) == "token-123"
    rotated = crypto.rotate(stored)
    keys(new)
    assert crypto.decrypt(rotated) == "token-123"
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(stored)


def test_errors_do_not_carry_the_secret(keys, caplog):
    keys(Fernet.generate_key().decode())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(crypto.SecretUnreadable) as caught:
        crypto.decrypt("gAAAAA-not-a-token-with-s3cr3t")
    assert "s3cr3t" not in str(caught.value)
    assert "s3cr3t" not in caplog.text
    keys("not-a-key-s3cr3t")
    with pytest.raises(crypto.KeyConfigError) as bad:
        crypto.encrypt("x")
    assert "s3cr3t" not in str(bad.value)


def test_key_file_created_once_with_mode_0600(tmp_path, monkeypatch, settings):
    monkeypatch.delenv(crypto.ENV_KEYS, raising=False)
    settings.VAR_DIR = tmp_path
    crypto.keys_reset()
    try:
        token = crypto.encrypt("shpss_abc")
        path = tmp_path / crypto.KEY_FILE_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        first = path.read_text()
        crypto.keys_reset()
        assert crypto.decrypt(token) == "shpss_abc"
        assert path.read_text() == first
    finally:
        crypto.keys_reset()
