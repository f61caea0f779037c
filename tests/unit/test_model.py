"""The domain's coded values live in jobs.model.values only: no production module keeps its own
copy, nothing takes domain facts from the test-data generator, and the generator and the newest
event contract agree with the model."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from jobs.generator.products import CATEGORIES
from jobs.model import reasons, tables, values
from jobs.model.contracts import CONTRACTS, TRANSACTION
from jobs.model.references import STREAM_RULES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = [path for folder in ("jobs", "ml", "dags") for path in (ROOT / folder).rglob("*.py")]
MODEL = ROOT / "jobs" / "model"
# The generator's entry points; everything else in it is test-data detail.
GENERATOR_API = {"generate_raw", "GenerationSummary"}
VALUE_LISTS = {name: frozenset(value) for name, value in vars(values).items()
               if name.isupper() and isinstance(value, tuple)}


def _string_collections(tree: ast.Module):
    """(line, set of strings) of every tuple, list or set literal made only of strings."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) > 1 and all(
                isinstance(item, ast.Constant) and isinstance(item.value, str) for item in node.elts):
            yield node.lineno, frozenset(item.value for item in node.elts)


def test_the_model_has_every_coded_value_list():
    assert {"CHANNELS", "ACCOUNT_TYPES", "RELATIONSHIP_TYPES", "PRODUCT_CATEGORIES", "WAREHOUSES"} <= set(VALUE_LISTS)


def test_no_production_module_spells_out_a_value_list_of_the_model_again():
    copies = [f"{path.relative_to(ROOT)}:{line} repeats {name}"
              for path in PRODUCTION if MODEL not in path.parents
              for line, strings in _string_collections(ast.parse(path.read_text()))
              for name, listed in VALUE_LISTS.items() if strings == listed]
    assert copies == [], "import these from jobs.model.values instead:\n" + "\n".join(copies)


def test_nothing_outside_the_generator_takes_domain_facts_from_it():
    offenders = []
    for path in PRODUCTION:
        if ROOT / "jobs" / "generator" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jobs.generator"):
                names = {alias.name for alias in node.names}
                if node.module != "jobs.generator" or not names <= GENERATOR_API:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {sorted(names)} from {node.module}")
    assert offenders == []


def test_the_generator_profiles_exactly_the_models_categories_in_its_order():
    assert tuple(category.name for category in CATEGORIES) == values.PRODUCT_CATEGORIES


def test_the_newest_transaction_contract_accepts_exactly_the_models_channels():
    # A published contract version is frozen; a new channel means a new version (see jobs/model/contracts/README.md).
    schema = TRANSACTION.schema(TRANSACTION.latest_version)
    assert tuple(schema["properties"]["channel"]["enum"]) == values.CHANNELS


def test_every_reason_constant_is_in_the_catalogue_with_a_meaning():
    constants = {value for name, value in vars(reasons).items() if name.isupper() and isinstance(value, str)}
    assert constants == set(reasons.CATALOGUE)
    assert all(reason.meaning and reason.path in ("batch", "stream", "both") for reason in reasons.CATALOGUE.values())
    # The stream's rejects go to the dead-letter topic, except duplicates: nothing of them is missing.
    stream = {code for code, reason in reasons.CATALOGUE.items() if reason.path in ("stream", "both")}
    assert reasons.DEAD_LETTER_REASONS == stream - {reasons.DUPLICATE_EVENT, reasons.DUPLICATE_TRANSACTION_ID}


def test_the_rules_the_stream_shares_with_the_batch_carry_reasons_of_both_paths():
    shared = {reference.reason for rules in STREAM_RULES.values() for reference in rules.references}
    shared |= {rules.business_key.reason for rules in STREAM_RULES.values() if rules.business_key}
    assert shared == {reasons.UNKNOWN_ACCOUNT, reasons.UNKNOWN_PRODUCT, reasons.DUPLICATE_TRANSACTION_ID}
    assert {reasons.CATALOGUE[code].path for code in shared} == {"both"}
    assert set(STREAM_RULES) == set(CONTRACTS)


def test_no_production_module_spells_a_reason_code_outside_the_catalogue():
    # The generator names the defects it plants in its own words, on purpose: its truth file
    # must not be written by the code it checks.
    generator = ROOT / "jobs" / "generator"
    spelled = [f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
               for path in PRODUCTION if MODEL not in path.parents and generator not in path.parents
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.Constant) and node.value in reasons.CATALOGUE]
    assert spelled == [], "use the constants of jobs.model.reasons:\n" + "\n".join(spelled)


def _declared(ddl_file: str) -> dict[str, tuple[list[str], list[str]]]:
    """Column names and primary key of each CREATE TABLE, read with regular expressions."""
    text = (ROOT / "sql" / "ddl" / ddl_file).read_text()
    declared = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", text, re.DOTALL):
        lines = [line.strip() for line in body.strip().splitlines()]
        columns = [line.split()[0] for line in lines if not line.startswith("PRIMARY KEY")]
        key = [line.split()[0] for line in lines if "PRIMARY KEY" in line and not line.startswith("PRIMARY KEY")]
        key += [part.strip() for line in lines if line.startswith("PRIMARY KEY")
                for part in line[line.index("(") + 1:line.index(")")].split(",")]
        declared[name] = (columns, key)
    return declared


@pytest.mark.parametrize("ddl_file", [tables.STAR_SCHEMA, tables.OPERATIONS, tables.LAKE])
def test_the_tables_are_what_the_ddl_declares(ddl_file):
    read = {name: (list(table.column_names), list(table.primary_key)) for name, table in tables.tables(ddl_file).items()}
    assert read == _declared(ddl_file)
    assert list(read) == list(_declared(ddl_file))  # file order


def test_no_two_modules_share_a_name_for_different_jobs():
    # cli.py is the command line of its package everywhere: one job, one name.
    names: dict[str, list[str]] = {}
    for path in PRODUCTION:
        if path.name not in ("__init__.py", "cli.py"):
            names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
