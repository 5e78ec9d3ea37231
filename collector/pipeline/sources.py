"""The real capture sources of this machine, opened together and closed together."""

from __future__ import annotations

from dataclasses import dataclass

from collector.pipeline.sampler import Counter, Shooter
from collector.sources.active_window import active_window_source
from collector.sources.base import ActiveWindowSource
from collector.sources.input_counter import InputCounter
from collector.sources.screenshot import ScreenshotTaker


@dataclass
class SystemSources:
    """Input counter, active-window source and screenshot taker."""

    counter: Counter
    window: ActiveWindowSource
    shooter: Shooter | None

    def close(self) -> None:
        """Stop listening and release the display."""
        for source in (self.counter, self.window, self.shooter):
            for name in ("stop", "close"):
                method = getattr(source, name, None)
                if callable(method):
                    method()


def open_system_sources(grab_screen: bool = True) -> SystemSources:
    """Start counting input and open the display; ``DisplayUnavailable`` if there is none.

    ``grab_screen`` False (screenshots not allowed now, e.g. a restriction) skips the
    warm-up grab: the screen is never read unless a screenshot may be taken.
    """
    window = active_window_source()
    counter = InputCounter()
    screenshots = ScreenshotTaker()
    try:
        counter.start()
        screenshots.warm_up(grab_screen)
    except BaseException:
        counter.stop()
        getattr(window, "close", lambda: None)()
        raise
    return SystemSources(counter, window, screenshots)
