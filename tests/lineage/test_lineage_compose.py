"""The Marquez services that docker-compose.yml includes: optional, pinned, loopback only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def marquez() -> dict:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    [included] = compose["include"]
    return yaml.safe_load((ROOT / included).read_text())


def test_marquez_only_starts_with_the_lineage_profile(marquez):
    assert set(marquez["services"]) == {"marquez", "marquez-db", "marquez-web"}
    assert all(service["profiles"] == ["lineage"] for service in marquez["services"].values())


def test_marquez_images_are_pinned_and_ports_bound_to_loopback(marquez):
    for name, service in marquez["services"].items():
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+(\.\d+)?", service["image"]), f"{name} image is not pinned"
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:"), f"{name} publishes beyond loopback"
    assert "127.0.0.1:5000:5000" in marquez["services"]["marquez"]["ports"]


def test_docs_point_the_jobs_at_the_published_api_port():
    assert "RTDP_LINEAGE__URL=http://127.0.0.1:5000" in (ROOT / "docs" / "lineage.md").read_text()
