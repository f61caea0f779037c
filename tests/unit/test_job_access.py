"""modules/iam/job_access.json, the one statement of what each job family reads and writes, agrees
with the jobs that run under those families and the lake locations the settings name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.config import load_settings
from jobs.operate.roles import FAMILIES, SESSION_SECONDS, STREAM_SESSION_SECONDS

pytestmark = pytest.mark.unit

ACCESS = json.loads((Path(__file__).resolve().parents[2] / "modules" / "iam" / "job_access.json").read_text())


def test_every_job_has_a_family_and_every_family_a_job():
    assert set(FAMILIES.values()) == set(ACCESS)


def test_every_location_is_one_the_settings_name_or_a_folder_inside_one():
    locations = {name.removesuffix("_uri") for name in load_settings("dev").storage.model_dump()} | {"models"}
    for family, access in ACCESS.items():
        assert access["description"], family
        for location in access["reads"] + access["writes"]:
            assert location.split("/")[0] in locations, (family, location)


def test_only_the_jobs_that_build_the_lake_write_to_it():
    writers = {family for family, access in ACCESS.items() if access["writes"]}
    assert writers == {"ingest", "silver", "gold", "ml", "streaming"}
    assert not any("raw" in access["writes"] or "truth" in access["writes"] for access in ACCESS.values())


def test_each_role_allows_sessions_as_long_as_its_jobs_ask_for():
    hours = {family: access.get("session_hours", 1) for family, access in ACCESS.items()}
    assert hours.pop(FAMILIES["stream"]) * 3600 == STREAM_SESSION_SECONDS
    assert set(hours.values()) == {SESSION_SECONDS // 3600}
