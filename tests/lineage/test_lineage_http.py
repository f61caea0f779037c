"""Events also go to an HTTP endpoint (such as Marquez) when a URL is set; a dead one breaks nothing."""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jobs.trust.lineage.emit import job_run
from lineage_io import read_event_lines

pytestmark = pytest.mark.unit


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def lineage_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _with_url(settings, url):
    return settings.model_copy(update={"lineage": settings.lineage.model_copy(update={"url": url})})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_events_go_to_the_file_and_the_endpoint(local_settings, lineage_server):
    settings = _with_url(local_settings, f"http://127.0.0.1:{lineage_server.server_address[1]}")
    with job_run(settings, "bronze.accounts", ["raw.accounts"]) as run:
        run.output("bronze.accounts", rows=2)
    in_file = read_event_lines(settings.lineage_events_path)
    assert [event["eventType"] for event in in_file] == ["START", "COMPLETE"]
    assert [path for path, _ in lineage_server.received] == ["/api/v1/lineage"] * 2
    assert [event for _, event in lineage_server.received] == in_file


def test_url_from_the_environment(monkeypatch, tmp_path):
    from jobs.config import load_settings

    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    monkeypatch.setenv("RTDP_LINEAGE__URL", "http://127.0.0.1:5000")
    assert load_settings("local").lineage.url == "http://127.0.0.1:5000"
    monkeypatch.setenv("RTDP_LINEAGE__URL", "")
    assert load_settings("local").lineage.url is None


def test_unreachable_endpoint_warns_once_and_the_file_is_still_written(local_settings, caplog):
    url = f"http://127.0.0.1:{_free_port()}"
    settings = _with_url(local_settings, url)
    with caplog.at_level(logging.WARNING, logger="jobs.trust.lineage.sink"):
        for name in ("bronze.accounts", "bronze.products"):
            with job_run(settings, name, [f"raw.{name.split('.')[1]}"]) as run:
                run.output(name, rows=1)
    warnings = [record.getMessage() for record in caplog.records if record.name == "jobs.trust.lineage.sink"]
    assert len(warnings) == 1 and url in warnings[0] and "\n" not in warnings[0]
    events = read_event_lines(settings.lineage_events_path)
    assert [(event["job"]["name"], event["eventType"]) for event in events] == [
        ("bronze.accounts", "START"), ("bronze.accounts", "COMPLETE"),
        ("bronze.products", "START"), ("bronze.products", "COMPLETE")]
