"""The colours the notebook's tables give job states and how calls ended (one table for all)."""

from __future__ import annotations

from ..models import JobState

GREY, BLUE, GREEN, ORANGE, RED = "#888", "#1a73e8", "#188038", "#b06000", "#c5221f"

_STATES = {
    JobState.PENDING: GREY,
    JobState.SUSPENDED: GREY,
    JobState.UNKNOWN: GREY,
    JobState.RUNNING: BLUE,
    JobState.COMPLETING: BLUE,
    JobState.COMPLETED: GREEN,
    JobState.CANCELLED: ORANGE,
}
"""States not named here (FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL) are failures: red."""


def state_colour(state: JobState | None) -> str:
    """The colour of a job in `state` (grey before it has one)."""
    return GREY if state is None else _STATES.get(state, RED)
