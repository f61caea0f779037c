"""The course's machinery and its SQL days, hermetically: each checkpoint fails before its
exercise and passes after its reference solution, catches the mistakes its lesson warns of,
and points at sections that exist; progress and solutions behave."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from course import ROOT, attempts, solutions
from course.__main__ import app, console
from course.grading import Workspace, criteria, grade
from course.syllabus import DAYS, day
from jobs.errors import PlatformError
from lesson_text import cited_paths, commands, created_by, headings

pytestmark = pytest.mark.unit

WRITTEN = [d for d in DAYS if d.written]
SQL_DAYS = [2, 3, 4, 14, 15]
LESSON_PARTS = ["Before you start", "Concepts", "Walk-through", "Exercise", "If you are stuck"]


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The parts of a checkout the SQL checkpoints read: the DDL, no exercise done yet."""
    shutil.copytree(ROOT / "sql" / "ddl", tmp_path / "sql" / "ddl")
    return tmp_path


def _grade(number: int, root: Path, scratch: Path) -> list[bool | None]:
    return [verdict.met for verdict in grade(criteria(number), Workspace(root=root, scratch=scratch))]


def _write(root: Path, relative: str, sql: str) -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(sql)


@pytest.mark.parametrize("number", SQL_DAYS)
def test_a_sql_checkpoint_fails_before_its_exercise_and_passes_after_its_solution(number, checkout, tmp_path):
    before = _grade(number, checkout, tmp_path)
    assert before[0] is False and set(before[1:]) == {None}
    subprocess.run(["git", "apply", str(day(number).solution)], cwd=checkout, check=True)
    assert all(_grade(number, checkout, tmp_path))


JOINS = """FROM fact_transaction AS t JOIN dim_date AS d ON d.date_key = t.date_key
JOIN dim_product AS p ON p.product_id = t.product_id"""
HOLDERS = """MAX(CASE WHEN b.relationship_type = 'Primary' THEN b.customer_id END) AS primary_customer_id"""
PRIMARY = """JOIN bridge_customer_account AS b ON b.account_id = t.account_id AND b.relationship_type = 'Primary'"""
STREAMED = "read_parquet('data/lake/gold/fact_transaction_stream/*/*.parquet', hive_partitioning = true)"
LIVE = f"""WITH streamed AS (SELECT * FROM {STREAMED})
    SELECT date_trunc('minute', s.transaction_ts) AS minute, p.category, count(*) AS transactions, sum(s.amount) AS revenue
    FROM streamed AS s JOIN dim_product AS p ON p.product_id = s.product_id"""
MISTAKES = {
    "a group per day": (2, 1, f"""SELECT d.year, d.month, p.category, SUM(t.amount) AS revenue, SUM(t.quantity) AS units
        {JOINS} GROUP BY d.year, d.month, d.full_date, p.category ORDER BY 1, 2, 4 DESC"""),
    "revenue ascending": (2, 3, f"""SELECT d.year, d.month, p.category, SUM(t.amount) AS revenue, SUM(t.quantity) AS units
        {JOINS} GROUP BY d.year, d.month, p.category ORDER BY 1, 2, 4"""),
    "units counted as rows": (2, 2, f"""SELECT d.year, d.month, p.category, SUM(t.amount) AS revenue, COUNT(*) AS units
        {JOINS} GROUP BY d.year, d.month, p.category ORDER BY 1, 2, 4 DESC"""),
    "a single-holder account": (3, 1, f"""SELECT b.account_id, {HOLDERS}, COUNT(*) AS holders, 0 AS revenue
        FROM bridge_customer_account AS b GROUP BY b.account_id ORDER BY 1"""),
    "fan-out through the bridge": (3, 3, f"""SELECT b.account_id, {HOLDERS}, COUNT(DISTINCT b.customer_id) AS holders,
        COALESCE(SUM(t.amount), 0) AS revenue FROM bridge_customer_account AS b
        LEFT JOIN fact_transaction AS t ON t.account_id = b.account_id
        GROUP BY b.account_id HAVING COUNT(DISTINCT b.customer_id) >= 2 ORDER BY 1"""),
    "an inner join drops an account without sales": (3, 1, f"""SELECT b.account_id, {HOLDERS},
        COUNT(DISTINCT b.customer_id) AS holders, SUM(t.amount) / COUNT(DISTINCT b.customer_id) AS revenue
        FROM bridge_customer_account AS b JOIN fact_transaction AS t ON t.account_id = b.account_id
        GROUP BY b.account_id HAVING COUNT(DISTINCT b.customer_id) >= 2 ORDER BY 1"""),
    "every version matches": (4, 1, f"""SELECT c.location, SUM(t.amount) AS revenue FROM fact_transaction AS t
        {PRIMARY} JOIN dim_customer AS c ON c.customer_id = b.customer_id GROUP BY 1 ORDER BY 2 DESC"""),
    "today's city": (4, 2, f"""SELECT c.location, SUM(t.amount) AS revenue FROM fact_transaction AS t
        {PRIMARY} JOIN dim_customer AS c ON c.customer_id = b.customer_id AND c.is_current GROUP BY 1 ORDER BY 2 DESC"""),
    "every holder counted": (4, 1, """SELECT c.location, SUM(t.amount) AS revenue FROM fact_transaction AS t
        JOIN bridge_customer_account AS b ON b.account_id = t.account_id
        JOIN dim_customer AS c ON c.customer_id = b.customer_id
         AND t.transaction_ts >= c.valid_from AND t.transaction_ts < c.valid_to GROUP BY 1 ORDER BY 2 DESC"""),
    "the quarantine forgotten": (14, 1, """WITH received AS (SELECT DISTINCT kafka_partition, kafka_offset FROM
        read_parquet('data/lake/bronze/stream_transactions/*/*/*.parquet', hive_partitioning = true)),
        in_silver AS (SELECT kafka_partition, kafka_offset, count(*) AS copies FROM
        read_parquet('data/lake/silver/stream_transactions/*/*/*.parquet', hive_partitioning = true) GROUP BY ALL)
        SELECT kafka_partition, kafka_offset, 'lost' AS problem FROM (SELECT * FROM received
        EXCEPT SELECT kafka_partition, kafka_offset FROM in_silver)
        UNION ALL SELECT kafka_partition, kafka_offset, 'doubled' FROM in_silver WHERE copies > 1 ORDER BY 1, 2"""),
    "sixteen minutes": (15, 1, f"""{LIVE} WHERE s.transaction_ts >= (SELECT date_trunc('minute', max(transaction_ts))
        - INTERVAL 15 MINUTE FROM streamed) GROUP BY ALL ORDER BY minute DESC, p.category"""),
    "the warehouse's facts": (15, 1, LIVE.replace(STREAMED, "fact_transaction") + """ WHERE s.transaction_ts >=
        (SELECT date_trunc('minute', max(transaction_ts)) - INTERVAL 14 MINUTE FROM streamed)
        GROUP BY ALL ORDER BY minute DESC, p.category"""),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_sql_checkpoint_catches_the_mistake_its_lesson_warns_of(mistake, checkout, tmp_path):
    number, failing, sql = MISTAKES[mistake]
    patch = day(number).solution
    _write(checkout, created_by(patch).pop(), sql)
    met = _grade(number, checkout, tmp_path)
    assert met[:failing] == [True] * failing and met[failing] is False


def test_a_query_that_types_in_its_figures_fails(checkout, tmp_path):
    # The figures of one small warehouse, typed in: right for it, wrong for the second one.
    from course.checkpoints.tiny_star import tiny_warehouses

    connection, _ = tiny_warehouses(checkout, seeds=(11,))[0]
    rows = connection.execute(f"""SELECT c.location, SUM(t.amount) FROM fact_transaction AS t {PRIMARY}
        JOIN dim_customer AS c ON c.customer_id = b.customer_id
         AND t.transaction_ts >= c.valid_from AND t.transaction_ts < c.valid_to GROUP BY 1 ORDER BY 2 DESC""").fetchall()
    typed = " UNION ALL ".join(f"SELECT '{city}' AS location, {revenue} AS revenue" for city, revenue in rows)
    _write(checkout, "sql/exercises/day04_revenue_by_city.sql", f"SELECT * FROM ({typed}) ORDER BY revenue DESC")
    assert False in _grade(4, checkout, tmp_path)


@pytest.mark.parametrize("number", [d.number for d in WRITTEN])
def test_a_lesson_has_the_parts_of_a_day_and_every_hint_names_one_of_its_sections(number):
    lesson = day(number).lesson
    titles = headings(lesson)
    assert [title for title in titles if title in LESSON_PARTS] == LESSON_PARTS
    assert lesson.read_text().startswith(f"# Day {number} · {day(number).title}\n")
    missing = {criterion.section for criterion in criteria(number)} - set(titles)
    assert not missing, f"hints of day {number} name sections its lesson does not have: {missing}"


@pytest.mark.parametrize("number", [d.number for d in WRITTEN])
def test_every_path_a_lesson_cites_exists(number):
    chosen = day(number)
    made = created_by(chosen.solution) if chosen.solution.is_file() else set()
    absent = [path for path in cited_paths(chosen.lesson) if not (ROOT / path).exists() and path not in made]
    assert not absent, f"{chosen.lesson.name} cites paths that do not exist: {absent}"


@pytest.mark.parametrize("number", [d.number for d in WRITTEN])
def test_a_lesson_grades_its_exercise_with_its_own_checkpoint(number):
    assert f"make check DAY={number}" in commands(day(number).lesson)


def test_the_solutions_apply_cleanly_in_day_order_to_a_fresh_checkout(tmp_path):
    """As a learner's checkout holds every day before: each patch on top of the ones before it
    (applied to a private index of this checkout, so the working files stay as they are)."""
    environment = {**os.environ, "GIT_INDEX_FILE": str(tmp_path / "index")}
    subprocess.run(["git", "add", "--all"], check=True, cwd=ROOT, env=environment)
    for patch in sorted((ROOT / "course" / "solutions").glob("*.patch")):
        result = subprocess.run(["git", "apply", "--cached", str(patch)], check=False, cwd=ROOT, env=environment,
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{patch.name}: {result.stderr}"


def test_a_solution_is_applied_once_and_taken_back(checkout):
    chosen = day(3)
    solutions.apply(chosen, root=checkout)
    assert (checkout / "sql/exercises/day03_joint_accounts.sql").is_file()
    with pytest.raises(PlatformError, match="already applied"):
        solutions.apply(chosen, root=checkout)
    solutions.undo(chosen, root=checkout)
    assert not (checkout / "sql/exercises/day03_joint_accounts.sql").exists()
    with pytest.raises(PlatformError, match="not applied"):
        solutions.undo(chosen, root=checkout)
    with pytest.raises(PlatformError, match="no code to apply"):
        solutions.apply(day(1), root=checkout)


def test_a_day_that_passed_keeps_its_date_when_a_later_check_fails(tmp_path):
    first, later = datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 3, 9, tzinfo=UTC)
    attempts.record(2, False, root=tmp_path, now=first)
    assert attempts.load(tmp_path)[2].passed_at is None
    attempts.record(2, True, root=tmp_path, now=first)
    attempts.record(2, False, root=tmp_path, now=later)
    attempt = attempts.load(tmp_path)[2]
    assert (attempt.last_result, attempt.passed_at, attempt.last_run) == ("failed", first.isoformat(), later.isoformat())


def test_progress_lists_thirty_days_and_says_what_comes_next(tmp_path, monkeypatch):
    monkeypatch.setattr(attempts, "ROOT", tmp_path)
    # A row a line: rich fixes the width from COLUMNS when the module is imported, if it is set then.
    monkeypatch.setattr(console, "_width", 200)
    attempts.record(1, True)
    result = CliRunner().invoke(app, ["progress"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert sum(1 for line in lines if line.startswith("│")) == len(DAYS) == 30
    assert "✓ passed" in next(line for line in lines if line.startswith("│ 1 "))
    assert f"Next: day 2, {day(2).title}" in result.output


def test_check_names_the_unmet_criterion_and_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr(attempts, "ROOT", tmp_path)
    result = CliRunner().invoke(app, ["check", "2"], env={"COLUMNS": "200"})
    if (ROOT / "sql/exercises/day02_category_revenue.sql").exists():
        pytest.fail("this checkout has the exercise of day 2 done; the test needs it undone")
    assert result.exit_code == 1
    assert "✗ sql/exercises/day02_category_revenue.sql runs on the warehouse" in result.output
    assert 'hint: reread "Exercise" in course/lessons/day-02.md' in result.output
    assert "0 of 4 criteria met" in result.output
    assert attempts.load()[2].last_result == "failed"


def test_a_day_outside_the_course_or_not_written_is_one_clear_line():
    runner = CliRunner()
    assert "there is no day 31" in runner.invoke(app, ["check", "31"]).output
    unwritten = next(d for d in DAYS if not d.written)
    assert "not written yet" in runner.invoke(app, ["check", str(unwritten.number)]).output


def test_make_check_without_a_day_says_how_to_name_one():
    result = subprocess.run(["make", "-s", "check", f"PYTHON={sys.executable}"], check=False, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "make check DAY=n" in result.stdout + result.stderr
