"""Where the SQL and environment files live, in a checkout and in the installed wheel."""

from pathlib import Path

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
