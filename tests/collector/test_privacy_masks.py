"""Privacy filters on every window and monitor: a filtered window is black in every shot.

Attacker tests: the filtered window is never the active one (the old check only looked
at that), sits beside the window being worked in or on the right half of a double-width
screen, and the stored screenshot is opened with the person's private key and read
pixel by pixel.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from sqlalchemy import select

from collector.sources.x11_window import X11WindowSource
from storage.db import schema
from tests.collector.helpers import Background
from tests.collector.install import Install, installation
from tests.collector.x11 import (
    OpenWindow,
    XServer,
    start_openbox,
    start_xvfb,
    window_geometry,
    x_window,
    xdotool,
)

Box = tuple[int, int, int, int]
BANK = "Accounts - My Bank"  # redacted by the default policy's privacy filters
RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Install]:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as inst:
        yield inst


@pytest.fixture
def wide_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    """A 3840x1080 display (two monitors' worth side by side) with openbox; DISPLAY set."""
    server = start_xvfb(tmp_path / "xvfb.log", ("-screen", "0", "3840x1080x24"))
    try:
        start_openbox(server)
        monkeypatch.setenv("DISPLAY", server.display)
        yield server
    finally:
        server.stop()


def stored_shots(install: Install) -> list[Image.Image]:
    """Every screenshot the collector stored, opened with the person's private key."""
    vault = install.vault()
    with install.engine.connect() as connection:
        keys = connection.execute(select(schema.screenshots.c.object_key)).scalars().all()
    return [
        Image.open(io.BytesIO(vault.open(install.objects.get(key), object_id=key))).convert("RGB")
        for key in keys
    ]


def mean_colour(image: Image.Image, box: Box, screen_width: int) -> tuple[float, ...]:
    """The mean colour of the middle half of ``box`` (root coordinates) in ``image``."""
    scale = image.width / screen_width
    x, y, width, height = box
    inner = (x + width // 4, y + height // 4, x + 3 * width // 4, y + 3 * height // 4)
    left, top, right, bottom = (round(v * scale) for v in inner)
    return tuple(ImageStat.Stat(image.crop((left, top, right, bottom))).mean)


def is_black(colour: tuple[float, ...]) -> bool:
    return max(colour) < 16


def close_to(colour: tuple[float, ...], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True))


def title_bar(box: Box) -> Box:
    """A strip just above the window's inside: where the manager draws its title."""
    x, y, width, _height = box
    return (x, y - 16, width, 12)


def shoot(install: Install) -> list[Image.Image]:
    """Run the real collector for a few seconds, one shot a second; the stored shots."""
    pseudonym = install.add_person()
    options = {"subject": pseudonym, "screenshot_interval": 1.0, "flush_interval": 1.0}
    summary = Background(install.config(**options), duration=5).join()
    assert summary.screenshots >= 2
    shots = stored_shots(install)
    assert len(shots) == summary.screenshots
    return shots


@pytest.mark.usefixtures("window_manager")
def test_a_filtered_window_beside_the_active_one_is_black(
    install: Install, open_window: OpenWindow
) -> None:
    bank = window_geometry(open_window(BANK, "BankApp", background="red", geometry="100x40+0+40"))
    notes_id = open_window("Notes", "NotesApp", background="blue", geometry="100x40+1000+40")
    xdotool("windowactivate", "--sync", str(notes_id))
    notes = window_geometry(notes_id)
    for shot in shoot(install):
        assert is_black(mean_colour(shot, bank, 1920))
        assert is_black(mean_colour(shot, title_bar(bank), 1920))  # the title is hidden too
        assert close_to(mean_colour(shot, notes, 1920), BLUE)
        assert not is_black(mean_colour(shot, title_bar(notes), 1920))


def test_a_filtered_window_on_the_right_half_of_a_wide_screen_is_black(
    install: Install, wide_screen: XServer
) -> None:
    with contextlib.ExitStack() as stack:
        bank_id = stack.enter_context(
            x_window(BANK, "BankApp", background="red", geometry="100x40+2600+300")
        )
        notes_id = stack.enter_context(
            x_window("Notes", "NotesApp", background="blue", geometry="100x40+200+300")
        )
        xdotool("windowactivate", "--sync", str(notes_id))
        bank, notes = window_geometry(bank_id), window_geometry(notes_id)
        assert bank[0] > 1920  # wholly on the right half
        shots = shoot(install)
    for shot in shots:
        assert shot.width == 1280  # 3840 / 3: the mask follows the downscale
        assert is_black(mean_colour(shot, bank, 3840))
        assert close_to(mean_colour(shot, notes, 3840), BLUE)


def test_a_minimised_filtered_window_is_not_listed(
    xvfb_display: XServer, window_manager: object, open_window: OpenWindow
) -> None:
    bank_id = open_window(BANK, "BankApp", background="red")
    with X11WindowSource() as source:
        listed = source.visible_windows()
        assert listed is not None
        assert BANK in [shown.window.title for shown in listed]
        xdotool("windowminimize", "--sync", str(bank_id))
        listed = source.visible_windows()
        assert listed is not None
        assert BANK not in [shown.window.title for shown in listed]


def test_no_shot_when_the_windows_on_screen_cannot_be_listed(
    install: Install, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_xvfb(tmp_path / "xvfb.log")  # no window manager: no client list
    try:
        monkeypatch.setenv("DISPLAY", server.display)
        with x_window(BANK, "BankApp", background="red"):
            pseudonym = install.add_person()
            options = {"subject": pseudonym, "screenshot_interval": 1.0, "flush_interval": 1.0}
            summary = Background(install.config(**options), duration=4).join()
    finally:
        server.stop()
    assert summary.seconds_tracked >= 3 and summary.screenshots == 0
    assert stored_shots(install) == []
