"""How long a live panel waits before asking again: soon after a change, longer when quiet."""

from __future__ import annotations

__all__ = ["Backoff"]


class Backoff:
    """A delay between `minimum` and `maximum` seconds.

    `changed()` goes back to the minimum, `quiet()` grows it by `factor`, `failed()` doubles it
    (so a server that is down is not hammered). Each returns the next delay.
    """

    def __init__(self, minimum: float, maximum: float, factor: float = 1.5) -> None:
        if minimum <= 0 or maximum < minimum:
            raise ValueError("Need 0 < minimum <= maximum.")
        self.minimum = minimum
        self.maximum = maximum
        self.factor = factor
        self.delay = minimum

    def changed(self) -> float:
        """Something changed: look again soon."""
        self.delay = self.minimum
        return self.delay

    def quiet(self) -> float:
        """Nothing changed: wait a little longer next time."""
        self.delay = min(self.delay * self.factor, self.maximum)
        return self.delay

    def failed(self) -> float:
        """The request failed: wait twice as long."""
        self.delay = min(self.delay * 2, self.maximum)
        return self.delay
