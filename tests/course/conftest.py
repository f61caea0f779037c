"""Begin the course walk when the run starts, not when its tests come (course_walk.py)."""

from __future__ import annotations

import course_walk

WALK_TESTS = "tests/course/test_course_walk.py::test_a_day_fails"


def _walked(items) -> list:
    return [item for item in items if item.nodeid.startswith(WALK_TESTS)]


def pytest_collection_modifyitems(config, items):
    """The walk's day tests last, so the rest of the run goes on beside the walk."""
    walked = _walked(items)
    if walked:
        items[:] = [item for item in items if item not in walked] + walked


def pytest_collection_finish(session):
    """Begin the walk at once in a run of one process that includes its day tests (an xdist
    worker begins it when its tests come: only one worker runs them)."""
    config = session.config
    if course_walk.begun or config.option.collectonly or hasattr(config, "workerinput") or not _walked(session.items):
        return
    course_walk.begun = course_walk.Walk(config._tmp_path_factory.mktemp("course-walk"))
    config.add_cleanup(course_walk.begun.finish)
