"""Where the stack keeps its files: the tools cache, the state (pids, logs, data) and its recipes.

Recipes ship with the code and the cache belongs to the installation (`jobs.resources`), so a run
with another RTDP_HOME reuses the downloaded jars. The state hangs off the project folder:
$RTDP_HOME, else the current directory (the same rule as `jobs.config.load_settings`).
$RTDP_STATE_DIR moves only the state, so a second stack (for example a test on other ports) can
run beside the first without touching its pid files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jobs.config import Settings
from jobs.resources import stack_recipes_dir, tools_cache_dir


@dataclass(frozen=True)
class StackPaths:
    state: Path

    @property
    def cache(self) -> Path:
        """Downloaded tools (jars); ignored by git, rebuilt by `make up`."""
        return tools_cache_dir()

    @property
    def recipes(self) -> Path:
        """The Maven poms and config templates of the stack, versioned in the repo."""
        return stack_recipes_dir()

    @property
    def pids(self) -> Path:
        return self.state / "pids"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    def pid_file(self, service: str) -> Path:
        return self.pids / f"{service}.json"

    def log_file(self, service: str) -> Path:
        return self.logs / f"{service}.log"

    def service_dir(self, service: str) -> Path:
        return self.state / service


def stack_paths(settings: Settings) -> StackPaths:
    """The stack's folders for the project folder of `settings`."""
    state = os.environ.get("RTDP_STATE_DIR")
    return StackPaths(state=Path(state).resolve() if state else Path(settings.home).resolve() / ".state")
