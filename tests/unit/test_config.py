"""Settings: which environment is loaded, and what environment variables may change."""

import tomllib

import pytest

from jobs.config import load_settings
from jobs.resources import environments_dir

pytestmark = pytest.mark.unit


def test_rtdp_env_picks_the_default_environment_but_never_renames_the_one_asked_for(monkeypatch):
    monkeypatch.setenv("RTDP_ENV", "dev")
    assert load_settings().env == "dev"
    local = load_settings("local")
    assert local.env == "local"
    assert not local.storage.gold_uri.startswith("s3://")


def test_an_empty_endpoint_switches_an_emulated_environment_to_real_aws(monkeypatch):
    assert load_settings("dev").aws.emulated
    monkeypatch.setenv("RTDP_AWS__ENDPOINT_URL", "")
    assert load_settings("dev").aws.endpoint_url is None
    assert not load_settings("dev").aws.emulated


def test_the_dev_topic_prefix_is_the_one_terraform_gets(monkeypatch):
    expected = tomllib.loads((environments_dir() / "dev" / "settings.toml").read_text())["kafka"]["topic_prefix"]
    assert expected.endswith(".")
    assert load_settings("dev").kafka.topic_prefix == expected
    assert load_settings("local").kafka.topic_prefix == ""
    monkeypatch.setenv("RTDP_KAFKA__TOPIC_PREFIX", "qa.")
    assert load_settings("dev").kafka.topic_prefix == "qa."
