"""Checking one event payload against its contract: the same code in the producer's tests, the
stream job (on the driver, for the payloads jobs.stream.contract_sql cannot vouch for) and the
documentation examples.

A payload gets one verdict: accepted (reason None) or the first problem found, in this order:

1. malformed_json: not UTF-8, not JSON (NaN and Infinity included), or empty.
2. schema_violation with event_version: the document is not an object, or event_version is
   missing or not an integer.
3. unknown_event_version: event_version is an integer this code has no schema for.
4. schema_violation: the document breaks the schema of its version; `detail` names the field.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from jsonschema.validators import extend

from jobs.model.contracts.versions import CONTRACTS, EventContract
from jobs.model.reasons import MALFORMED_JSON, SCHEMA_VIOLATION, UNKNOWN_EVENT_VERSION

# Details end up in Kafka headers and quarantine rows: keep them short.
_MAX_DETAIL = 300


@dataclass(frozen=True)
class Verdict:
    """Outcome of checking one payload: `reason` is None when the event is accepted."""

    reason: str | None = None
    detail: str | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


ACCEPTED = Verdict()


def is_strict_integer(instance: Any) -> bool:
    """A contract's integer: JSON Schema counts 2.0 as one, a contract field typed integer takes only 2."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_utc_timestamp(instance: object) -> bool:
    """True unless `instance` is a string that is not a real date and time (e.g. February 30)."""
    if not isinstance(instance, str):
        return True
    datetime.fromisoformat(instance)  # Python 3.11 reads a trailing Z
    return True


_StrictValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", lambda _checker, instance: is_strict_integer(instance)),
)


@functools.cache
def validator(contract_name: str, version: int) -> Draft202012Validator:
    """The compiled validator of one schema version (built once per process)."""
    formats = FormatChecker(formats=("uuid",))
    formats.checks("date-time", raises=ValueError)(_is_utc_timestamp)
    return _StrictValidator(CONTRACTS[contract_name].schema(version), format_checker=formats)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _short(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def check_document(contract: EventContract, document: Any) -> Verdict:
    """Verdict on an already parsed JSON document (steps 2 to 4 above)."""
    if not isinstance(document, dict):
        return Verdict(SCHEMA_VIOLATION, f"the event is a JSON {type(document).__name__}, not an object")
    version = document.get("event_version")
    if not is_strict_integer(version):
        return Verdict(SCHEMA_VIOLATION, "event_version: missing or not an integer")
    if version not in contract.schemas:
        known = ", ".join(str(v) for v in contract.versions)
        return Verdict(UNKNOWN_EVENT_VERSION, f"event_version {version} is not a known version of {contract.name} ({known})")
    error = best_match(validator(contract.name, version).iter_errors(document))
    if error is None:
        return ACCEPTED
    where = ".".join(str(part) for part in error.absolute_path) or "event"
    return Verdict(SCHEMA_VIOLATION, _short(f"{where}: {error.message}"))


def check_event(contract: EventContract, payload: bytes | str | None) -> Verdict:
    """Verdict on one raw payload as it arrives from Kafka."""
    if payload is None or len(payload) == 0:
        return Verdict(MALFORMED_JSON, "empty payload")
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        document = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        return Verdict(MALFORMED_JSON, "payload is not UTF-8 text")
    except ValueError as error:
        return Verdict(MALFORMED_JSON, _short(str(error)))
    return check_document(contract, document)
