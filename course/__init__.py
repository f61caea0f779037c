"""The 30-day course: lessons in `course/lessons/`, graded offline by `make check DAY=n`.

- `syllabus`: the thirty days, their themes and lessons.
- `grading`: a checkpoint's criteria, judged in order, printed one line each.
- `checkpoints`: one module per day that has a checkpoint (`day01`, `day02`, ...).
- `attempts`: which days passed and when, in the ignored state folder.
- `solutions`: the reference solutions, applied to a checkout and taken back.

The course grades the checkout it lives in; it is not part of the deployed wheel.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
