"""The course walked as a learner walks it, in throw-away copies of this checkout: for every
written day, its checkpoint fails first; then its reference solution is applied and every
command its lesson shows runs, the checkpoint among them, and passes.

Days build on each other, so a copy walks its days in order. Independent tracks walk at the
same time, each in a copy of its own: the lake and the stream, which build on day 1's lake, and
Terraform (day 6), which needs no data and spends most of its time waiting for the emulator,
so the two share the machine's cores well. A track that starts after day 1 first applies every
earlier solution, to stand where the learner stands. Day 1's `make demo` runs on a small scale
without the live stream (SCALE=2000 STREAM_EVENTS=0), so the walk stays short. A track whose
lessons start the local stack (`make up`) gets a private one: its own state folder and free
loopback ports, stopped at the end whatever happened. Within a track, a day's `make down` waits
for the track's last day that has it (the next day's `make up` would only start the same stack
again). In a whole run the walk begins first and the rest of the suite runs beside it
(course_walk.py).
"""

from __future__ import annotations

import pytest

import course_walk
from course_walk import TRACKS, WRITTEN, Walk

pytestmark = pytest.mark.e2e


def test_every_written_day_is_walked_in_exactly_one_track_in_order():
    walked = [number for days in TRACKS.values() for number in days]
    assert sorted(walked) == [d.number for d in WRITTEN], "add a new day to a track of TRACKS"
    assert all(days == sorted(days) for days in TRACKS.values())


@pytest.fixture(scope="module")
def walks(tmp_path_factory):
    """Each day's outcome: from the walk this run began early, or from one begun now."""
    walk = course_walk.begun or Walk(tmp_path_factory.mktemp("course-walk"))
    try:
        yield walk.outcomes
    finally:
        walk.finish()


@pytest.mark.parametrize("chosen", WRITTEN, ids=[d.slug for d in WRITTEN])
def test_a_day_fails_its_checkpoint_first_then_its_lesson_and_solution_make_it_pass(walks, chosen):
    failure = walks[chosen.number].result(timeout=1100)
    assert failure is None, failure
