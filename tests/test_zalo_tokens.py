"""The Zalo token store: atomic saves, a lock across workers, seeding from settings; tokens never shown."""

from __future__ import annotations

import os
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from obligations.config.settings import Settings
from obligations.notifications.channels import seed_zalo_tokens
from obligations.notifications.zalo_tokens import TokenPair, TokenStoreError, seed


def test_token_store_saves_atomically(zalo_store, monkeypatch):
    assert zalo_store.load() is None
    first = TokenPair("AT-a", "RT-a", datetime(2026, 12, 15, 1, 0, tzinfo=UTC))
    zalo_store.save(first)
    assert zalo_store.load() == first
    assert stat.S_IMODE(os.stat(zalo_store.path).st_mode) == 0o600
    assert sorted(os.listdir(zalo_store.path.parent)) == [zalo_store.path.name]

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        zalo_store.save(TokenPair("AT-b", "RT-b", None))
    monkeypatch.undo()
    assert zalo_store.load() == first  # the old pair, whole
    assert sorted(os.listdir(zalo_store.path.parent)) == [zalo_store.path.name]  # no temp file left behind


def test_token_store_rejects_a_damaged_file(zalo_store):
    zalo_store.path.parent.mkdir(parents=True)
    zalo_store.path.write_text("{not json")
    with pytest.raises(TokenStoreError):
        zalo_store.load()
    zalo_store.path.write_text("")
    assert zalo_store.load() is None


def test_token_pair_hides_its_tokens():
    pair = TokenPair("AT-secret-value", "RT-secret-value", None)
    assert "secret-value" not in repr(pair)
    assert not pair.expired(datetime.now(UTC))
    assert TokenPair("a", "b", datetime.now(UTC) + timedelta(seconds=100)).expired(datetime.now(UTC), 300)


def test_lock_excludes_other_workers(zalo_store):
    held = threading.Event()
    release = threading.Event()

    def holder():
        with zalo_store.lock():
            held.set()
            release.wait(timeout=5)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(timeout=5)
    with pytest.raises(TimeoutError):
        with zalo_store.lock(timeout=0.1):
            pass
    release.set()
    thread.join(timeout=5)
    with zalo_store.lock(timeout=1):
        pass
    assert zalo_store.lock_path.exists() and stat.S_IMODE(os.stat(zalo_store.lock_path).st_mode) == 0o600


def test_seed_fills_an_empty_store_only(zalo_store):
    class Secret:  # what pydantic's SecretStr looks like to seed()
        def __init__(self, value):
            self.value = value

        def get_secret_value(self):
            return self.value

    assert not seed(zalo_store, None, "RT")
    assert zalo_store.load() is None
    assert seed(zalo_store, Secret("AT-settings"), Secret("RT-settings"))
    assert zalo_store.load() == TokenPair("AT-settings", "RT-settings", None)
    zalo_store.save(TokenPair("AT-rotated", "RT-rotated", None))
    assert not seed(zalo_store, "AT-settings", "RT-settings")
    assert zalo_store.load().refresh_token == "RT-rotated"



@pytest.mark.parametrize("zalo_url, seeded", [("zalo://1:s@oa", True), ("maildir://var/maildir", False)])
def test_dispatch_seeds_the_store_from_settings_when_a_channel_is_zalo(zalo_store, zalo_url, seeded):
    settings = Settings(zalo_url=SecretStr(zalo_url), zalo_token_store=zalo_store.path,
                        zalo_access_token=SecretStr("AT-settings"), zalo_refresh_token=SecretStr("RT-settings"))
    seed_zalo_tokens(settings)
    assert (zalo_store.load() == TokenPair("AT-settings", "RT-settings", None)) is seeded
