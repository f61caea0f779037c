"""`python -m course check|progress|solution`: what `make check`, `make progress` and
`make solution` run."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from course import ROOT, attempts, solutions
from course.grading import Verdict, Workspace, criteria, grade
from course.syllabus import DAYS, Day, day
from jobs.cli_errors import user_errors
from jobs.errors import PlatformError

app = typer.Typer(help="The 30-day course: grade a day, see your progress, apply a reference solution.",
                  no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)

DayArgument = Annotated[int, typer.Argument(help="Day of the course, 1 to 30.", show_default=False)]


def _lesson(chosen: Day) -> str:
    return str(chosen.lesson.relative_to(ROOT))


def _print_verdict(verdict: Verdict, lesson: str) -> None:
    if verdict.met:
        console.print(f"  [green]✓[/] {verdict.criterion.says}")
    elif verdict.met is None:
        console.print(f"  [dim]· {verdict.criterion.says}[/]")
    else:
        console.print(f"  [red]✗[/] {verdict.criterion.says}")
        console.print(f"      seen: {verdict.seen}")
        console.print(f"      hint: reread \"{verdict.criterion.section}\" in {lesson}")


def _next_day(after: Day) -> Day | None:
    return next((d for d in DAYS if d.number > after.number and d.written), None)


@app.command()
@user_errors
def check(number: DayArgument) -> None:
    """Grade your work of one day, criterion by criterion."""
    chosen = day(number)
    if not chosen.written:
        raise PlatformError(f"day {number} of the course is not written yet")
    console.print(f"[bold]Day {chosen.number} · {chosen.title}[/]")
    with tempfile.TemporaryDirectory(prefix=f"rtdp-check-{chosen.slug}-") as scratch:
        verdicts = grade(criteria(chosen.number), Workspace(root=ROOT, scratch=Path(scratch)))
    for verdict in verdicts:
        _print_verdict(verdict, _lesson(chosen))
    met = sum(1 for verdict in verdicts if verdict.met)
    passed = met == len(verdicts)
    attempts.record(chosen.number, passed)
    if passed:
        following = _next_day(chosen)
        then = f" Next: day {following.number}, {_lesson(following)}." if following else ""
        console.print(f"[bold green]All {met} criteria met: day {chosen.number} is done.[/]{then}")
        return
    console.print(f"{met} of {len(verdicts)} criteria met. Fix the first ✗, then run "
                  f"`make check DAY={chosen.number}` again.")
    raise typer.Exit(1)


@app.command(name="progress")
@user_errors
def show_progress() -> None:
    """The thirty days: passed (and when), failed, not tried; and what to do next."""
    tried = attempts.load()
    table = Table(title="Your progress", title_justify="left")
    for column in ("day", "title", "status"):
        table.add_column(column)
    for each in DAYS:
        attempt = tried.get(each.number)
        if not each.written:
            status = "[dim]not written yet[/]"
        elif attempt and attempt.passed_at:
            status = f"[green]✓ passed {attempt.passed_at[:10]}[/]" + (
                "" if attempt.last_result == "passed" else " [red](last check failed)[/]")
        elif attempt:
            status = "[red]✗ failed[/]"
        else:
            status = "· not tried"
        table.add_row(str(each.number), each.title, status)
    console.print(table)
    todo = next((d for d in DAYS if d.written and not (tried.get(d.number) and tried[d.number].passed_at)), None)
    if todo:
        console.print(f"Next: day {todo.number}, {todo.title}: read {_lesson(todo)}, "
                      f"then run `make check DAY={todo.number}`.")
    else:
        console.print("Every written day is done.")


@app.command()
@user_errors
def solution(number: DayArgument,
             undo: Annotated[bool, typer.Option("--undo", help="Take the solution back out.")] = False) -> None:
    """Apply a day's reference solution to your files (or take it back with --undo)."""
    chosen = day(number)
    if undo:
        solutions.undo(chosen)
        console.print(f"Took the reference solution of day {number} back out; your files are as before.")
        return
    solutions.apply(chosen)
    console.print(f"Applied the reference solution of day {number}: `git diff` shows it; "
                  f"`make solution DAY={number} UNDO=1` takes it back.")


if __name__ == "__main__":
    sys.exit(app())
