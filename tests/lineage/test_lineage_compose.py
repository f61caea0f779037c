"""Marquez in docker-compose.yml: optional (profile lineage), pinned, in the stack's namespace, and
the address the jobs post to, inside containers and on the host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
API = "http://127.0.0.1:5000"  # Marquez's API at its default port, as docs/lineage.md tells the host's jobs


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def marquez(compose) -> dict:
    return {name: service for name, service in compose["services"].items() if "lineage" in service.get("profiles", [])}


def test_marquez_only_starts_with_the_lineage_profile(marquez):
    assert set(marquez) == {"marquez", "marquez-db", "marquez-web"}
    assert all(service["profiles"] == ["lineage"] for service in marquez.values())


def test_marquez_images_are_pinned(marquez):
    for name, service in marquez.items():
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+(\.\d+)?", service["image"]), f"{name} image is not pinned"


def test_the_api_and_ui_answer_in_the_namespace_and_on_the_hosts_loopback(compose, marquez):
    assert marquez["marquez"]["environment"]["MARQUEZ_PORT"] == "5000"
    assert marquez["marquez"]["environment"]["POSTGRES_HOST"] == "127.0.0.1"
    assert (marquez["marquez-web"]["environment"]["MARQUEZ_HOST"], marquez["marquez-web"]["environment"]["MARQUEZ_PORT"]) == ("127.0.0.1", "5000")
    published = compose["services"]["loopback"]["ports"]
    assert "127.0.0.1:${RTDP_MARQUEZ_PORT:-5000}:5000" in published
    assert "127.0.0.1:${RTDP_MARQUEZ_WEB_PORT:-3000}:" + marquez["marquez-web"]["environment"]["WEB_PORT"] in published
    assert not any(":5432" in str(port) for port in published), "Marquez's database is published"


def test_jobs_in_containers_post_to_marquez_once_the_url_is_set_and_not_before(compose):
    # ${VAR:+word}: word when VAR is set and not empty, else nothing (the events file alone).
    for name in ("pipeline", "stream", "dashboard", "airflow"):
        assert compose["services"][name]["environment"]["RTDP_LINEAGE__URL"] == "${RTDP_LINEAGE__URL:+" + API + "}", name


def test_docs_point_the_jobs_at_the_published_api_port():
    assert f"RTDP_LINEAGE__URL={API}" in (ROOT / "docs" / "lineage.md").read_text()
