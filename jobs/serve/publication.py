"""Publishing gold atomically: a run writes the tables it builds into a folder of its own, and a
pointer written last says which folder holds each published table.

    <gold>/_publications/<started>-<run_id>/<table>/   the tables one run wrote
    <gold>/_publications/current.json                  table -> folder, for every published table (written last)
    <gold>/<table>/                                    tables written in place: dq_results, ML outputs, stream increments

The gold step publishes all star-schema tables at once; the ML training publishes the scored
fact_customer_behavior the same way, and the other tables keep their folder. A reader reads the
pointer once and takes every table from the folder it names, so it sees the previous complete
gold or the new complete gold, never a mix; a run killed before the pointer is written changes
nothing a reader sees. The pointer is one small object: an S3 PUT appears whole, and on local
disk it is renamed into place. After a switch the folders the previous pointer named stay (a
reader that read it a moment ago may still be reading them); every other folder, including
whatever a killed run left, is removed. One publishing job at a time per lake.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from pyarrow import fs

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError

PUBLICATIONS = "_publications"
POINTER = "current.json"


@dataclass(frozen=True)
class Publication:
    """The published gold: the last run that published, when, and the folder (a name inside the
    publications folder) of every published table."""

    run_id: str
    published_at: str
    tables: dict[str, str]


def publications_uri(settings: Settings) -> str:
    return storage.join(settings.layer_uri("gold"), PUBLICATIONS)


def new_folder(settings: Settings, run_id: str) -> str:
    """A new, empty publication folder for a run: its name starts with the time, so a rerun of
    the same run id never writes into the folder readers are reading."""
    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return storage.join(publications_uri(settings), f"{started}-{storage.file_safe(run_id)}")


def current(settings: Settings) -> Publication | None:
    """The published gold, or None before the first gold run."""
    uri = storage.join(publications_uri(settings), POINTER)
    if not storage.exists(settings, uri):
        return None
    try:
        fields = json.loads(storage.read_bytes(settings, uri))
        return Publication(fields["run_id"], fields["published_at"], dict(fields["tables"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise PlatformError(f"{uri} is not a gold publication pointer ({error}): run `rtdp gold` again") from None


def locator(settings: Settings) -> Callable[[str], str]:
    """Where each gold table is, as of one reading of the pointer: a published table in its
    publication folder, any other table (or every table of a lake without publications) in
    `<gold>/<table>/`. Use one locator for everything a reader reads together."""
    return locator_of(settings, current(settings))


def locator_of(settings: Settings, published: Publication | None) -> Callable[[str], str]:
    """Where each gold table is in the publication `published` (see locator)."""
    gold, folders = settings.layer_uri("gold"), publications_uri(settings)
    tables = published.tables if published else {}
    return lambda table: storage.join(folders, tables[table], table) if table in tables else storage.join(gold, table)


def table_uri(settings: Settings, table: str) -> str:
    """Where gold table `table` is now (see locator)."""
    return locator(settings)(table)


def publish(settings: Settings, run_id: str, folder_uri: str, tables: Iterable[str]) -> Publication:
    """Publish `tables` from `folder_uri` (a folder of new_folder); other published tables keep
    their folder. Then remove the folders no reader can still be using and the in-place copies
    of the tables published."""
    before = current(settings)
    folder, tables = folder_uri.rsplit("/", 1)[1], list(tables)
    published = Publication(run_id, datetime.now(UTC).isoformat(timespec="seconds"),
                            (before.tables if before else {}) | dict.fromkeys(tables, folder))
    pointer = storage.join(publications_uri(settings), POINTER)
    storage.replace_bytes(settings, pointer, json.dumps(asdict(published), indent=2, sort_keys=True).encode())
    keep = set(published.tables.values()) | (set(before.tables.values()) if before else set())
    for name in folders(settings):
        if name not in keep:
            storage.delete_dir(settings, storage.join(publications_uri(settings), name))
    for table in tables:
        storage.delete_dir(settings, storage.join(settings.layer_uri("gold"), table))
    return published


def discard(settings: Settings, folder_uri: str) -> None:
    """Remove a publication folder that was never published (its run failed a gate)."""
    storage.delete_dir(settings, folder_uri)


def folders(settings: Settings) -> list[str]:
    """Names of the publication folders there are, published or not."""
    filesystem, path = storage.filesystem(settings, publications_uri(settings))
    listing = filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True))
    return sorted(info.base_name for info in listing if info.type == fs.FileType.Directory)
