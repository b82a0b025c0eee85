"""A tqdm progress bar per step, fed by the import core's ``progress(step, done, total)``."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ProgressBars:
    """Callable as ``progress(step, done, total)``; one bar per step, the previous one closed
    when a new step starts. ``enabled=False`` (``--no-progress``, or output not a terminal
    unless forced) keeps it silent."""

    def __init__(self, enabled: bool = True, stream=None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.step = None
        self.bar = None

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if step != self.step:
            self.close()
            self.step = step
            self.bar = tqdm(total=total, desc=step, unit=" features", file=self.stream, leave=True,
                            dynamic_ncols=True, mininterval=0.5)
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
