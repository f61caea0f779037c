"""Where the files that ship with the code live, in a checkout and in the installed wheel.

They never depend on RTDP_HOME, which only says where a run keeps its data and state.
"""

import os
from pathlib import Path

from jobs.errors import PlatformError

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def _first_existing(name: str) -> Path:
    # The wheel ships these folders inside the package; an editable checkout has them at the top.
    for candidate in (_PACKAGE_DIR / name, _CHECKOUT_DIR / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"folder '{name}' is missing from the installation")


def sql_dir() -> Path:
    return _first_existing("sql")


def environments_dir() -> Path:
    return _first_existing("environments")


def stack_recipes_dir() -> Path:
    """The Maven poms and config templates of the local stack."""
    return _first_existing("infra/local")


def tools_cache_dir() -> Path:
    """Downloaded tools (jars): $RTDP_CACHE_DIR, else `.cache` of the checkout, else ~/.cache/rtdp."""
    if os.environ.get("RTDP_CACHE_DIR"):
        return Path(os.environ["RTDP_CACHE_DIR"]).resolve()
    if (_CHECKOUT_DIR / "pyproject.toml").is_file():
        return _CHECKOUT_DIR / ".cache"
    return Path.home() / ".cache" / "rtdp"


def checkout_dir() -> Path:
    """The clone of the repository: the Terraform configurations exist only there, not in the wheel
    ($RTDP_CHECKOUT_DIR names a copy of them, as in the deploy image)."""
    if os.environ.get("RTDP_CHECKOUT_DIR"):
        return Path(os.environ["RTDP_CHECKOUT_DIR"]).resolve()
    if (_CHECKOUT_DIR / "modules").is_dir() and (_CHECKOUT_DIR / "environments").is_dir():
        return _CHECKOUT_DIR
    raise PlatformError("the Terraform configurations are not installed with the wheel: run this from a clone of the repository")
