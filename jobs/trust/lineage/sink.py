"""Where OpenLineage events go: always appended to the local events file, and also posted to an
HTTP endpoint (such as Marquez) when `settings.lineage.url` is set.

The file is the record the platform reads back (graph, warehouse table), so it is written
first and a failure there stops the job. The HTTP endpoint is a viewer: when it cannot be
reached the job goes on, with one warning, and the endpoint is not tried again by this
process (openlineage-python's composite transport would retry and warn on every event).
"""

from __future__ import annotations

import logging
from functools import cache

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport
from requests.exceptions import ConnectionError as HttpConnectionError
from requests.exceptions import RequestException

from jobs.config import Settings
from jobs.errors import PlatformError

log = logging.getLogger(__name__)

# Few, quick retries: a lineage viewer must not hold up a job for long.
_HTTP_RETRY = {
    "total": 2, "connect": 1, "read": 1, "backoff_factor": 0.2,
    "status_forcelist": [500, 502, 503, 504], "allowed_methods": ["POST"],
}
_HTTP_TIMEOUT_S = 5.0
_unreachable: set[str] = set()


@cache
def _file_client(path: str) -> OpenLineageClient:
    return OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=path, append=True)))


@cache
def _http_client(url: str) -> OpenLineageClient:
    return OpenLineageClient(transport=HttpTransport(HttpConfig(url=url, timeout=_HTTP_TIMEOUT_S, retry=_HTTP_RETRY)))


def send(settings: Settings, event: RunEvent) -> None:
    """Append `event` to the events file of `settings`, then post it to the lineage URL if set."""
    path = settings.lineage_events_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _file_client(str(path)).emit(event)
    except (OSError, RuntimeError) as error:
        raise PlatformError(f"cannot append lineage events to {path}: {error}") from None
    url = settings.lineage.url
    if url and url not in _unreachable:
        try:
            _http_client(url).emit(event)
        except (RequestException, RuntimeError, OSError) as error:  # the viewer failed: the job goes on
            _unreachable.add(url)
            if isinstance(error, HttpConnectionError):
                reason = "cannot connect"
            else:
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            log.warning("lineage events not sent to %s (%s); they are still written to %s", url, reason, path)
