"""Every Terraform configuration is formatted and valid, checked by the real OpenTofu binary."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tofu_runner import ROOT, TOOLS, Tofu

MODULES = sorted(path.name for path in (ROOT / "modules").iterdir() if path.is_dir())
ROOTS = ["environments/dev", "environments/prod", "infra/bootstrap"]


@pytest.mark.unit
def test_every_module_is_listed():
    # The composition and its parts; a new module must join the checks below by existing.
    assert {"medallion_storage", "kafka_topics", "iam", "airflow", "artifacts", "platform"} <= set(MODULES)


@pytest.mark.integration
@pytest.mark.parametrize("folder", ["modules", *ROOTS])
def test_fmt_check(folder, toolchain, tmp_path):
    result = Tofu(workdir=ROOT / folder, data_dir=tmp_path).run("fmt", "-check", "-recursive", "-diff", "-no-color", check=False)
    assert result.returncode == 0, f"unformatted files in {folder} (run `tofu fmt -recursive`):\n{result.stdout}"


@pytest.mark.integration
@pytest.mark.parametrize("folder", [f"modules/{name}" for name in MODULES] + ROOTS)
def test_validate(folder, config_tree, tmp_path):
    tofu = Tofu(workdir=config_tree / folder, data_dir=tmp_path / "data")
    tofu.init()
    report = json.loads(tofu.run("validate", "-json", "-no-color", check=False).stdout)
    assert report["valid"], json.dumps(report["diagnostics"], indent=2)
    assert report["warning_count"] == 0, json.dumps(report["diagnostics"], indent=2)


@pytest.mark.unit
@pytest.mark.parametrize("module", MODULES)
def test_module_has_standard_structure(module):
    folder = ROOT / "modules" / module
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (folder / name).is_file(), f"modules/{module} lacks {name}"


@pytest.mark.unit
@pytest.mark.parametrize("module", MODULES)
def test_module_readme_lists_every_input_and_output(module):
    folder = ROOT / "modules" / module
    readme = (folder / "README.md").read_text()
    names = re.findall(r'^(?:variable|output) "([a-z0-9_]+)"', (folder / "variables.tf").read_text() + (folder / "outputs.tf").read_text(), re.MULTILINE)
    assert names, f"modules/{module} declares no inputs or outputs"
    missing = [name for name in names if f"`{name}`" not in readme]
    assert not missing, f"modules/{module}/README.md does not document {missing}"


CHECKOV = TOOLS / "checkov" / "bin" / "checkov"
SCANNED = ["modules", *ROOTS]


@pytest.mark.integration
def test_security_scan_finds_nothing_and_every_skip_carries_its_reason(toolchain):
    if not CHECKOV.is_file():
        pytest.fail("checkov is not installed: run `make tools`")
    folders = [argument for folder in SCANNED for argument in ("-d", str(ROOT / folder))]
    result = subprocess.run([str(CHECKOV), "--framework", "terraform", "--compact", "--skip-download", "-o", "json", *folders],
                            capture_output=True, text=True, check=False, timeout=900)
    reports = _json_documents(result.stdout)  # one report per folder, one after the other
    assert len(reports) == len(SCANNED), result.stderr[-2000:]
    failed = [(check["check_id"], check["resource"], check["file_path"])
              for report in reports for check in report["results"]["failed_checks"]]
    assert failed == [], f"checkov findings: {failed}"
    assert sum(report["summary"]["passed"] for report in reports) > 100
    for report in reports:
        for check in report["results"]["skipped_checks"]:
            assert len(check["check_result"].get("suppress_comment", "").strip()) > 20, check["check_id"]


def _json_documents(text: str) -> list[dict]:
    decoder, documents, position = json.JSONDecoder(), [], 0
    while text[position:].strip():
        document, end = decoder.raw_decode(text, position)
        documents += document if isinstance(document, list) else [document]
        position = end
        while position < len(text) and text[position].isspace():
            position += 1
    return documents


@pytest.mark.unit
def test_every_checkov_skip_in_the_code_says_why():
    skips = []
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.tf"):
            skips += re.findall(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", path.read_text())
    assert skips, "no skip found: the pattern no longer matches the code"
    assert [rule for rule, reason in skips if len(reason.strip()) < 20] == []
