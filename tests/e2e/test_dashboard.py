"""The dashboard in a real browser (Debian's chromium driven by Playwright) over a small demo:
every page opens, its figures equal figures computed here from the warehouse file and the
stream's files with DuckDB and pandas, filters change them, and the overview's counts rise
while events are produced, without a reload.

RTDP_SCREENSHOTS=<folder> keeps a screenshot of each page there (docs/images is made so).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from jobs.config import load_settings
from jobs.operate.stack.lifecycle import start_service, stop_service
from jobs.operate.stack.processes import free_ports
from jobs.serve.dashboard.service import dashboard
from jobs.serve.reports.definitions import load_reports

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SCALE, SEED = 2000, 11
REPORTS = load_reports()
RTDP = str(Path(sys.executable).with_name("rtdp"))


def _rtdp(home: Path, *arguments: str, extra: dict[str, str] | None = None) -> None:
    environment = {**os.environ, "RTDP_HOME": str(home), **(extra or {})}
    done = subprocess.run([RTDP, *arguments], env=environment, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, f"rtdp {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory, module_topic_prefix):
    """A small demo (batch only) in its own folder, and the broker settings its stream uses."""
    home = tmp_path_factory.mktemp("dashboard-demo")
    stream = {"RTDP_KAFKA__TOPIC_PREFIX": module_topic_prefix}
    _rtdp(home, "run", "--env", "local", "--scale", str(SCALE), "--seed", str(SEED), "--stream-events", "0", extra=stream)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        patch.setenv("RTDP_STATE_DIR", str(home / ".state-dashboard"))
        patch.setenv("RTDP_DASHBOARD__PORT", str(free_ports(1)))
        settings = load_settings("local")
        server = dashboard(settings)
        start_service(server)
        try:
            yield settings, server.url, stream
        finally:
            stop_service(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Chromium is missing: run `make browser`"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, platform):
    opened = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield opened
    opened.close()


def _open(page, url: str, name: str | None) -> None:
    """Open a page and wait until Streamlit has drawn it; keep its screenshot under `name`."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stMain']")
    page.wait_for_selector("[data-testid='stMetricValue'], [data-testid='stTable'], [data-testid='stAlert']", timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    if name:
        _screenshot(page, name)


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("RTDP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"dashboard-{name}.png"))


def _metric(page, key: str) -> str:
    return page.locator(f".st-key-{key} [data-testid='stMetricValue']").inner_text().strip()


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def _warehouse(settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def _table_rows(page, key: str) -> list[list[str]]:
    """The rows of a table the page draws: waits for them, since Streamlit draws a page's
    elements one after another and the status widget may not have shown yet when `_open` looks."""
    rows = page.locator(f".st-key-{key} table tbody tr")
    rows.first.wait_for(timeout=60_000)
    return [[cell.strip() for cell in rows.nth(index).locator("td").all_inner_texts()] for index in range(rows.count())]


@pytest.mark.parametrize("report", REPORTS, ids=[report.name for report in REPORTS])
def test_every_report_page_shows_as_many_rows_as_its_query_returns(page, platform, report):
    settings, url, _ = platform
    with _warehouse(settings) as connection:
        expected = len(connection.execute(report.sql).fetchall())
    _open(page, f"{url}/{report.name}", report.name)
    assert _number(_metric(page, "rows")) == expected
    page.get_by_text("SQL of this report").click()
    assert report.sql.splitlines()[0] in page.locator("[data-testid='stCode']").inner_text()


def test_a_category_filter_narrows_a_report_to_that_category(page, platform):
    settings, url, _ = platform
    report = next(report for report in REPORTS if report.name == "04_product_performance")
    with _warehouse(settings) as connection:
        frame = connection.execute(report.sql).df()
    category = min(frame.category.unique())
    _open(page, f"{url}/{report.name}", None)
    assert _number(_metric(page, "rows")) == len(frame)
    page.locator(f".st-key-{report.name}-category input").fill(category)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('.st-key-rows [data-testid=\"stMetricValue\"]').innerText.trim() === '{(frame.category == category).sum():,}'",
        timeout=30_000)


def test_the_ml_page_lists_the_customers_most_likely_to_churn_and_every_segment(page, platform):
    settings, url, _ = platform
    with _warehouse(settings) as connection:
        latest = "as_of_date = (SELECT max(as_of_date) FROM fact_customer_behavior)"
        risky = [row[0] for row in connection.execute(
            f"SELECT customer_id FROM fact_customer_behavior WHERE {latest} AND churn_score IS NOT NULL "
            "ORDER BY churn_score DESC, customer_id LIMIT 20").fetchall()]
        segments = dict(connection.execute(
            f"SELECT segment, count(*) FROM fact_customer_behavior WHERE {latest} AND segment IS NOT NULL GROUP BY ALL").fetchall())
    assert risky and segments, "the demo trained no churn or segmentation model"
    _open(page, f"{url}/ml", "ml")
    assert [row[0] for row in _table_rows(page, "churn-risks")] == risky
    assert {row[0]: int(row[1]) for row in _table_rows(page, "segments")} == segments


def test_the_quality_page_counts_the_expectations_of_the_latest_gate_runs(page, platform):
    settings, url, _ = platform
    with _warehouse(settings) as connection:
        checked, failed = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT success) FROM dq_results AS r WHERE r.run_id = "
            "(SELECT run_id FROM dq_results AS s WHERE s.suite = r.suite ORDER BY checked_at DESC LIMIT 1)").fetchone()
    assert checked > 0
    _open(page, f"{url}/quality", "quality")
    assert (_number(_metric(page, "expectations-checked")), _number(_metric(page, "expectations-failed"))) == (checked, failed)
    assert "comes from" in page.locator(".st-key-lineage").inner_text()


def _clear_of_midnight(minutes: float) -> None:
    """Wait for the next day when midnight UTC is less than `minutes` away: "revenue today" starts
    again at midnight, so a test that compares it before and after must not span one."""
    now = datetime.now(UTC)
    left = (now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1) - now).total_seconds()
    if left < minutes * 60:
        time.sleep(left + 1)


def test_the_overview_rises_while_events_are_produced_without_a_reload(page, platform):
    _clear_of_midnight(10)  # the test takes about 25 s; its waits allow a few minutes
    settings, url, stream = platform
    with _warehouse(settings) as connection:
        quarantine = dict(connection.execute("SELECT reason, count(*) FROM quarantine GROUP BY ALL").fetchall())
    assert quarantine, "the demo planted no bad rows"
    _open(page, url, None)
    assert {row[0]: int(row[1]) for row in _table_rows(page, "quarantine-reasons")} == quarantine
    before = _number(_metric(page, "revenue-today"))
    page.evaluate("window.__not_reloaded = true")
    started = time.monotonic()
    producer = subprocess.Popen(
        [RTDP, "stream", "demo", "--env", "local", "--events", "400", "--rate", "40"],
        env={**os.environ, **stream}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and _number(_metric(page, "events-last-minute")) == 0:
            page.wait_for_timeout(1000)
        assert _number(_metric(page, "events-last-minute")) > 0, "the overview never showed produced events"
        # the stream's own last minute, from its progress files: a number for each percentile, in order,
        # and none longer than the producer has been running
        page.wait_for_function("!document.querySelector('.st-key-freshness-last-minute [data-testid=\"stMetricValue\"]')"
                               ".innerText.includes('-')", timeout=120_000)
        shares = [_number(part) for part in _metric(page, "freshness-last-minute").split("·")]
        assert 0 < shares[0] <= shares[1] <= shares[2] < time.monotonic() - started, shares
        assert _number(_metric(page, "stream-rate")) > 0
    finally:
        output, _ = producer.communicate(timeout=600)
    assert producer.returncode == 0, output
    streamed = duckdb.sql(
        f"SELECT coalesce(sum(amount), 0) FROM read_parquet('{settings.layer_uri('gold')}/fact_transaction_stream/*/*.parquet') "
        "WHERE CAST(transaction_ts AS DATE) = ?", params=[datetime.now(UTC).date()]).fetchone()[0]
    assert streamed > 0
    page.wait_for_function(
        f"Math.abs(parseFloat(document.querySelector('.st-key-revenue-today [data-testid=\"stMetricValue\"]')"
        f".innerText.replace(/,/g, '')) - {float(before) + float(streamed)}) < 0.005", timeout=60_000)
    assert page.evaluate("window.__not_reloaded") is True
    _screenshot(page, "overview")
