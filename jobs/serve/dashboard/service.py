"""The dashboard's server as a service of the local stack: started in the background on
127.0.0.1, with a pid file, a log and a health check (jobs.operate.stack.lifecycle)."""

from __future__ import annotations

import importlib.util
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.operate.stack.paths import StackPaths, stack_paths
from jobs.operate.stack.processes import accepts_connections

LOOPBACK = "127.0.0.1"
APP = Path(__file__).with_name("app.py")


@dataclass(frozen=True)
class Dashboard:
    """Streamlit serving jobs/serve/dashboard/app.py for one environment's data."""

    paths: StackPaths
    port: int
    env: str
    home: Path

    name = "dashboard"
    title = "dashboard (Streamlit)"
    host = LOOPBACK
    health_timeout = 60.0
    stop_grace = 10.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def prepare(self) -> None:
        if importlib.util.find_spec("streamlit") is None:
            raise PlatformError("the dashboard needs Streamlit in this Python environment: run `make install`")

    def command(self) -> list[str]:
        return [sys.executable, "-m", "streamlit", "run", str(APP),
                "--server.address", self.host, "--server.port", str(self.port), "--server.headless", "true",
                "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
                "--", "--env", self.env, "--home", str(self.home)]

    def environment(self) -> dict[str, str]:
        return {}

    def healthy(self) -> bool:
        if not accepts_connections(self.host, self.port):
            return False
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                return response.read().strip() == b"ok"
        except OSError:
            return False


def dashboard(settings: Settings) -> Dashboard:
    return Dashboard(stack_paths(settings), settings.dashboard.port, settings.env, Path(settings.home).resolve())
