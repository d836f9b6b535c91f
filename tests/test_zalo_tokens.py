"""The token pair and seeding it from settings: only into an absent row, only for one app; tokens never shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from obligations.config.settings import Settings
from obligations.notifications.channels import seed_zalo_tokens
from obligations.notifications.zalo_tokens import DbTokenStore, TokenPair, app_id_of, configured_app_ids, seed


def test_token_pair_hides_its_tokens():
    pair = TokenPair("AT-secret-value", "RT-secret-value", None)
    assert "secret-value" not in repr(pair)
    assert not pair.expired(datetime.now(UTC))
    assert TokenPair("a", "b", datetime.now(UTC) + timedelta(seconds=100)).expired(datetime.now(UTC), 300)


def test_store_repr_names_no_database_url():
    store = DbTokenStore("postgresql+psycopg://obligations:Db-Pa55word@db.example.org/obligations", "1234")
    assert "Pa55word" not in repr(store) and "1234" in repr(store)


def test_seed_fills_an_absent_row_only(zalo_store):
    class Secret:  # what pydantic's SecretStr looks like to seed()
        def __init__(self, value):
            self.value = value

        def get_secret_value(self):
            return self.value

    assert not seed(zalo_store, None, "RT")
    assert zalo_store.load() is None
    assert seed(zalo_store, Secret("AT-settings"), Secret("RT-settings"))
    record = zalo_store.record()
    assert record.pair == TokenPair("AT-settings", "RT-settings", None)
    assert record.version == 1 and record.updated_by.startswith("settings@")
    zalo_store.replace(TokenPair("AT-rotated", "RT-rotated", None), "refresh@test")
    assert not seed(zalo_store, "AT-settings", "RT-settings")
    assert zalo_store.load().refresh_token == "RT-rotated" and zalo_store.record().version == 2


def test_app_ids_come_from_the_zalo_urls():
    assert app_id_of("zalo://2748371956125409813:s%2Fk@oa") == "2748371956125409813"
    assert app_id_of("zns://99:s@oa?template=1") == "99"
    assert app_id_of("mailtos://user:pw@smtp.example.org") is None and app_id_of(None) is None
    two = Settings(zalo_url=SecretStr("zalo://1:s@oa"), zns_url=SecretStr("zns://2:t@oa"))
    assert configured_app_ids(two) == ["1", "2"]
    same = Settings(zalo_url=SecretStr("zalo://1:s@oa"), zns_url=SecretStr("zns://1:s@oa"))
    assert configured_app_ids(same) == ["1"]


@pytest.mark.parametrize("zalo_url, zns_url, seeded", [
    ("zalo://{app}:s@oa", None, True),
    (None, "zns://{app}:s@oa", True),
    ("zalo://{app}:s@oa", "zns://{app}:s@oa", True),
    ("zalo://{app}:s@oa", "zns://777:s@oa", False),  # two apps: whose pair is it? Not guessed.
    ("maildir://var/maildir", None, False),
])
def test_dispatch_seeds_the_row_from_settings_when_a_channel_is_zalo(zalo_store, zalo_url, zns_url, seeded):
    urls = {key: SecretStr(value.format(app=zalo_store.app_id)) for key, value in
            (("zalo_url", zalo_url), ("zns_url", zns_url)) if value}
    settings = Settings(database_url=zalo_store.url, zalo_access_token=SecretStr("AT-settings"),
                        zalo_refresh_token=SecretStr("RT-settings"), **urls)
    seed_zalo_tokens(settings)
    assert (zalo_store.load() == TokenPair("AT-settings", "RT-settings", None)) is seeded
