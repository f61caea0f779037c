"""One checkpoint per day: `dayNN.py` holds its `CRITERIA`, judged by `course.grading`."""
