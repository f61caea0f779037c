"""Jars from Maven Central, fetched once with `mvn` into the tools cache.

A folder is complete when its marker file holds the SHA-256 of the pom that filled it: editing
a pom (a version bump) refetches, an interrupted download never counts as done.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from jobs.errors import PlatformError
from jobs.operate.stack.processes import exclusive

_MARKER = ".pom-sha256"


def _pom_digest(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def jars_ready(pom: Path, folder: Path) -> bool:
    """True if `folder` holds the complete output of `pom`."""
    marker = folder / _MARKER
    return pom.is_file() and marker.is_file() and marker.read_text().strip() == _pom_digest(pom)


def fetch_jars(pom: Path, folder: Path) -> bool:
    """Copy the runtime dependencies of `pom` into `folder` unless already there.

    Returns True if a download ran, False if the cache was reused. Raises PlatformError when
    the pom or `mvn` is missing or Maven fails.
    """
    if not pom.is_file():
        raise PlatformError(f"{pom} is missing from the installation: reinstall the project (make install)")
    with exclusive(folder.with_name(folder.name + ".lock")):
        if jars_ready(pom, folder):
            return False
        mvn = shutil.which("mvn")
        if mvn is None:
            raise PlatformError("Maven ('mvn') is needed once to download jars from Maven Central: install it (e.g. apt-get install maven)")
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", "-DincludeScope=runtime",
             f"-DoutputDirectory={staging}"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            output = (result.stdout + result.stderr).strip().splitlines()
            errors = [line for line in output if "ERROR" in line] or output or ["no output"]
            cause = re.sub(r"\x1b\[[0-9;]*m", "", errors[0]).strip()[:240]
            raise PlatformError(f"mvn could not download the jars of {pom.parent.name} (exit {result.returncode}): {cause}")
        (staging / _MARKER).write_text(_pom_digest(pom))
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        return True


def pom_property(pom: Path, name: str) -> str:
    """The value of `<name>` in the `<properties>` of `pom` (the single source of a version)."""
    match = re.search(rf"<{re.escape(name)}>([^<]+)</{re.escape(name)}>", pom.read_text())
    if match is None:
        raise PlatformError(f"{pom} defines no property <{name}>")
    return match.group(1).strip()
