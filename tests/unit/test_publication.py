"""Gold publications on local disk and on S3: readers follow the pointer, which changes only
when a run publishes; old and abandoned folders are cleaned up, the last one before is kept."""

from __future__ import annotations

import boto3
import pytest

from jobs import storage
from jobs.errors import PlatformError
from jobs.serve import publication

pytestmark = pytest.mark.unit


@pytest.fixture(params=["local", "s3"])
def settings(request, local_settings):
    if request.param == "local":
        return local_settings
    endpoint = request.getfixturevalue("s3_endpoint")
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="lake")
    settings = local_settings.model_copy(deep=True)
    settings.aws.endpoint_url = endpoint
    settings.storage.gold_uri = "s3://lake/gold"
    return settings


def _build(settings, run_id: str, content: bytes) -> str:
    """A publication folder of `run_id` with one table, `dim_product`, holding `content`."""
    folder = publication.new_folder(settings, run_id)
    storage.write_bytes(settings, storage.join(folder, "dim_product", "part-0.parquet"), content)
    return folder


def _read(settings, locate, table: str) -> bytes:
    return storage.read_bytes(settings, storage.join(locate(table), "part-0.parquet"))


def _folders(settings) -> set[str]:
    return {storage.join(publication.publications_uri(settings), name) for name in publication.folders(settings)}


def test_before_any_publication_every_table_is_in_place(settings):
    assert publication.current(settings) is None
    assert publication.table_uri(settings, "dim_product") == storage.join(settings.layer_uri("gold"), "dim_product")


def test_readers_see_a_folder_only_once_its_pointer_is_written(settings):
    in_place = storage.join(settings.layer_uri("gold"), "dim_product", "part-0.parquet")
    storage.write_bytes(settings, in_place, b"hand-made")
    first = _build(settings, "run-1", b"first")
    assert _read(settings, publication.locator(settings), "dim_product") == b"hand-made"  # built, not published

    published = publication.publish(settings, "run-1", first, ["dim_product"])

    assert publication.current(settings) == published
    assert (published.run_id, published.tables) == ("run-1", {"dim_product": first.rsplit("/", 1)[1]})
    assert _read(settings, publication.locator(settings), "dim_product") == b"first"
    assert not storage.exists(settings, in_place)  # the table it replaces is gone
    # Tables a publication does not hold (ML outputs, quality results) stay in place.
    assert publication.table_uri(settings, "ml_demand_forecast") == storage.join(settings.layer_uri("gold"),
                                                                                  "ml_demand_forecast")


def test_a_reader_keeps_its_publication_while_the_next_one_is_published(settings):
    first = _build(settings, "run-1", b"first")
    publication.publish(settings, "run-1", first, ["dim_product"])
    reader = publication.locator(settings)

    second = _build(settings, "run-1", b"second")  # a rerun of the same run id: a new folder
    assert second != first
    publication.publish(settings, "run-1", second, ["dim_product"])

    assert _read(settings, reader, "dim_product") == b"first"
    assert _read(settings, publication.locator(settings), "dim_product") == b"second"


def test_publishing_removes_abandoned_and_older_folders_and_keeps_the_previous(settings):
    first = _build(settings, "run-1", b"first")
    publication.publish(settings, "run-1", first, ["dim_product"])
    second = _build(settings, "run-2", b"second")
    publication.publish(settings, "run-2", second, ["dim_product"])
    killed = _build(settings, "run-3", b"killed half-way")  # never published
    discarded = _build(settings, "run-4", b"failed its gate")
    publication.discard(settings, discarded)
    assert _folders(settings) == {first, second, killed}

    fourth = _build(settings, "run-5", b"fifth")
    publication.publish(settings, "run-5", fourth, ["dim_product"])

    assert _folders(settings) == {second, fourth}


def test_a_table_published_alone_keeps_the_others_where_they_are(settings):
    first = _build(settings, "gold-run", b"product")
    storage.write_bytes(settings, storage.join(first, "fact_customer_behavior", "part-0.parquet"), b"unscored")
    publication.publish(settings, "gold-run", first, ["dim_product", "fact_customer_behavior"])
    scored = publication.new_folder(settings, "ml-run")
    storage.write_bytes(settings, storage.join(scored, "fact_customer_behavior", "part-0.parquet"), b"scored")

    publication.publish(settings, "ml-run", scored, ["fact_customer_behavior"])

    locate = publication.locator(settings)
    assert (_read(settings, locate, "dim_product"), _read(settings, locate, "fact_customer_behavior")) == (
        b"product", b"scored")
    # The gold run's folder still holds a published table, so it stays through the next switch.
    publication.publish(settings, "ml-run-2", _build(settings, "ml-run-2", b"ignored"), [])
    assert first in _folders(settings)


def test_a_damaged_pointer_is_a_one_line_error(settings):
    pointer = storage.join(publication.publications_uri(settings), publication.POINTER)
    storage.write_bytes(settings, pointer, b'{"run_id": "run-1"')

    with pytest.raises(PlatformError, match=r"^\S+current\.json is not a gold publication pointer .*: "
                                            r"run `rtdp gold` again$"):
        publication.locator(settings)


def test_the_pointer_is_replaced_without_leftovers(local_settings, tmp_path):
    folder = tmp_path / "pointer"
    target = str(folder / "current.json")
    storage.replace_bytes(local_settings, target, b"old")
    storage.replace_bytes(local_settings, target, b"new")

    assert [path.name for path in folder.iterdir()] == ["current.json"]
    assert storage.read_bytes(local_settings, target) == b"new"
