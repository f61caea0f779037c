"""The payloads a contract certainly accepts, as one Spark SQL predicate compiled from its JSON
Schema files: the stream's fast path for the contract check.

Checking every payload with jobs.model.contracts.check_event in Python workers cost a
micro-batch more than the rest of its contract work. This predicate runs in the JVM. It is sound,
not complete: every payload it accepts is one check_event accepts, and every payload it does not
accept goes to check_event, whose verdict (reason and detail) is the one that counts. So the
schema files stay the one definition of a contract, and a payload the predicate cannot vouch for
is only slower, never judged differently. It accepts a payload when:

- the payload is UTF-8, at most 8 KiB, and one flat JSON object (string and number values, no
  duplicate key) with nothing after it, which json.loads reads to the same document;
- its event_version is a version whose schema it meets, keyword by keyword (`_value`).

A keyword not handled here makes the predicate false for that schema version: correct, slow.
The predicate is SQL text: built from Column objects, it took 0.2 s of calls into the JVM.
"""

from __future__ import annotations

import re
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.model.contracts import EventContract
from jobs.model.contracts.check import is_strict_integer

_MAX_BYTES = 8192  # the platform's events are about 300 bytes; longer ones go to check_event

# A flat JSON object, in Java regex syntax (possessive, so no backtracking on long strings).
_WS = r"[ \t\n\r]*+"
_STRING = r'"(?:[^"\\\x00-\x1f]++|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*+"'
_NUMBER = r"-?+(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][+-]?+[0-9]++)?+"
_MEMBER = rf"{_STRING}{_WS}:{_WS}(?:{_STRING}|{_NUMBER})"
_FLAT_OBJECT = rf"\A{_WS}\{{{_WS}(?:{_MEMBER}(?:{_WS},{_WS}{_MEMBER})*+)?+{_WS}\}}{_WS}\z"

_UUID = r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z"
_TIMESTAMP_SHAPE = r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z\z"

# Keywords that assert nothing.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"})
_OBJECT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties"})
_SIMPLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a field name that needs no quoting in a JSON path


class _Unsupported(ValueError):
    """A schema uses something this compiler does not translate."""


def with_undecided(rows: DataFrame, contract: EventContract, column: str, texts: str) -> DataFrame:
    """`rows` and two columns: `texts`, a struct of the payload's fields as text (from_json, one
    string field per property of the contract's schemas), and `column`: FALSE where
    check_event(contract, value) certainly accepts the `value` payload, TRUE for every payload it
    rejects and for a few it accepts."""
    names = sorted({name for version in contract.versions for name in contract.schema(version).get("properties", {})})
    fields = {name: f"_field_{index}" for index, name in enumerate(names) if _SIMPLE_NAME.fullmatch(name)}
    schema = T.StructType([T.StructField(name, T.StringType()) for name in names])
    # One projection per step, so that each payload is parsed once (as a variant for the types,
    # as text for the values) and each field got once.
    parsed = rows.selectExpr("*", "cast(value as string) as _text") \
        .select("*", F.expr("try_parse_json(_text)").alias("_document"), F.from_json("_text", schema).alias("_texts"))
    extracted = parsed.selectExpr("*", *[f"variant_get(_document, '$.{name}', 'variant') as {field}"
                                         for name, field in fields.items()])
    return extracted.select(*[F.col(f"`{name}`") for name in rows.columns], F.col("_texts").alias(texts),
                            F.expr(f"not coalesce({_accepted(contract, fields)}, false)").alias(column))


def _accepted(contract: EventContract, fields: dict[str, str]) -> str:
    """The predicate over the columns with_undecided makes: `fields` (field name -> its VARIANT
    column) and `_texts`."""
    flat = (f"octet_length(value) <= {_MAX_BYTES} and is_valid_utf8(_text) and _text rlike {_literal(_FLAT_OBJECT)} "
            "and _document is not null")
    versions = " or ".join(f"({_version(contract.schema(version), fields)})" for version in contract.versions)
    return f"{flat} and ({versions})"


def _version(schema: dict[str, Any], fields: dict[str, str]) -> str:
    try:
        return _object(schema, fields)
    except _Unsupported:
        return "false"


def _object(schema: dict[str, Any], fields: dict[str, str]) -> str:
    _only(schema, _OBJECT_KEYWORDS)
    properties, required = schema.get("properties", {}), set(schema.get("required", ()))
    if schema.get("type") != "object" or not required <= set(properties) or not set(properties) <= set(fields):
        raise _Unsupported
    checks = []
    additional = schema.get("additionalProperties", True)
    if additional is False:
        names = ", ".join(_literal(name) for name in properties)
        keys = "map_keys(try_cast(_document as map<string, variant>))"
        checks.append(f"size(array_except({keys}, array({names}))) = 0")
    elif additional is not True:
        raise _Unsupported
    for name, definition in properties.items():
        check = _value(_resolved(schema, definition), fields[name], f"_texts.{name}")
        checks.append(check if name in required else f"({fields[name]} is null or {check})")
    return " and ".join(checks)


def _value(schema: dict[str, Any], value: str, text: str) -> str:
    """SQL that is TRUE only for a value that meets every keyword of `schema`: `value` is the
    value as a VARIANT, for its type, and `text` the same value as from_json gives it as text.

    A string value is the same text either way, and an integer's text is its digits; the text
    is read, not the variant, because every cast of a variant builds a Cast for each row."""
    _only(schema, {"type", "const", "enum", "not", "pattern", "format", "minLength", "maxLength", "minimum", "maximum"})
    is_string, is_integer = f"schema_of_variant({value}) = 'STRING'", f"schema_of_variant({value}) = 'BIGINT'"
    # try_: Spark may work this out before the type test that guards it.
    number = f"try_cast({text} as bigint)"
    checks = []
    for keyword, expected in schema.items():
        if keyword == "type":
            if expected not in ("string", "integer"):
                raise _Unsupported
            checks.append(is_string if expected == "string" else is_integer)
        elif keyword in ("const", "enum"):
            checks.append(_one_of([expected] if keyword == "const" else expected, is_string, is_integer, text, number))
        elif keyword == "not":
            if set(expected) != {"const"}:
                raise _Unsupported
            checks.append(f"not {_one_of([expected['const']], is_string, is_integer, text, number)}")
        elif keyword == "pattern":
            checks.append(f"{is_string} and {text} rlike {_literal(java_pattern(expected))}")
        elif keyword == "format":
            checks.append(f"{is_string} and {_format(expected, text)}")
        elif keyword in ("minLength", "maxLength"):
            if not is_strict_integer(expected):
                raise _Unsupported
            checks.append(f"{is_string} and char_length({text}) {'>=' if keyword == 'minLength' else '<='} {expected}")
        elif keyword in ("minimum", "maximum"):
            if not is_strict_integer(expected):
                raise _Unsupported
            checks.append(f"{is_integer} and {number} {'>=' if keyword == 'minimum' else '<='} {expected}")
    return " and ".join(f"({check})" for check in checks) or "true"


def _one_of(values: list[Any], is_string: str, is_integer: str, text: str, number: str) -> str:
    # jsonschema's equality: strings equal strings, integers integers (True is not 1); nothing
    # else is translated.
    strings = [value for value in values if isinstance(value, str)]
    integers = [value for value in values if is_strict_integer(value)]
    if len(strings) + len(integers) != len(values):
        raise _Unsupported
    matches = [f"({is_string} and {text} in ({', '.join(_literal(value) for value in strings)}))"] if strings else []
    matches += [f"({is_integer} and {number} in ({', '.join(str(value) for value in integers)}))"] if integers else []
    return f"({' or '.join(matches) or 'false'})"


def _format(name: str, text: str) -> str:
    if name == "uuid":
        return f"{text} rlike {_literal(_UUID)}"
    if name == "date-time":
        # check.py asks datetime.fromisoformat; in this shape it refuses what Spark refuses
        # (month 13, February 30, 24:00, second 60), and year 0, which Spark takes.
        moment = f"try_cast({text} as timestamp)"
        return f"{text} rlike {_literal(_TIMESTAMP_SHAPE)} and {moment} is not null and year({moment}) >= 1"
    raise _Unsupported


def _literal(text: str) -> str:
    """`text` as a raw SQL string literal (backslashes kept as they are)."""
    if "'" in text:
        raise _Unsupported
    return f"r'{text}'"


def java_pattern(pattern: str) -> str:
    """A schema pattern (Python `re.search`) as a Java pattern that matches no more strings.

    Spark's RLIKE searches too. Java's `$` also matches before a final `\\r`, Python's only
    before `\\n`: a final `$` becomes `\\z` (end of text). Patterns with other anchors, flags or
    class operators are not translated."""
    if re.search(r"\(\?|&&|\[[^\]]*\[|\\[^.\-d]", pattern):
        raise _Unsupported
    translated = re.sub(r"(?<!\\)\$\Z", r"\\z", pattern)
    if re.search(r"(?<!\\)\$", translated):
        raise _Unsupported
    return translated


def _resolved(schema: dict[str, Any], definition: dict[str, Any]) -> dict[str, Any]:
    """`definition` with a `$ref` to `#/$defs/<name>` replaced by that definition's keywords."""
    reference = definition.get("$ref")
    if reference is None:
        return definition
    prefix = "#/$defs/"
    if not reference.startswith(prefix) or reference[len(prefix):] not in schema.get("$defs", {}):
        raise _Unsupported
    target = schema["$defs"][reference[len(prefix):]]
    siblings = {key: value for key, value in definition.items() if key != "$ref"}
    if (set(siblings) & set(target)) - _ANNOTATIONS:
        raise _Unsupported  # both would apply; merging the two keywords into one would drop one
    return {**target, **siblings}


def _only(schema: dict[str, Any], keywords: set[str] | frozenset[str]) -> None:
    if set(schema) - _ANNOTATIONS - set(keywords):
        raise _Unsupported

