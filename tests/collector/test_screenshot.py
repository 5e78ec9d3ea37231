"""Screenshots of a real Xvfb screen: size, pixels, encryption in memory, no file written."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from PIL import Image, ImageChops, ImageFilter, ImageStat

from collector.sources import ScreenshotTaker
from collector.sources.screenshot import _blur, downscale_factor
from storage.crypto import Sealer, open_envelope, read_header
from tests.collector.x11 import SCREEN_SIZE, OpenWindow, XServer, window_geometry

RED = (255, 0, 0)
BLUE = (0, 0, 255)
JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF"
Box = tuple[int, int, int, int]
_audit_log: list[tuple[str, str]] = []
_auditing = False


def _record_writes(event: str, args: tuple[object, ...]) -> None:
    # An audit hook cannot be removed, so it records only while a test asks it to.
    if not _auditing or event != "open" or len(args) < 2:
        return
    path, mode = args[0], args[1]
    flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
    writes = isinstance(mode, str) and any(c in mode for c in "wax+")
    if writes or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        _audit_log.append((str(path), str(mode)))


sys.addaudithook(_record_writes)


@pytest.fixture
def painted(xvfb_display: XServer, open_window: OpenWindow) -> dict[str, Box]:
    """A red and a blue window (text and cursor in the same colour) at known places."""
    boxes = {
        "red": window_geometry(open_window("red", "TraqRed", background="#ff0000",
                                           geometry="60x20+100+100")),
        "blue": window_geometry(open_window("blue", "TraqBlue", background="#0000ff",
                                            geometry="60x20+1200+600")),
    }  # fmt: skip
    wait_until_painted(boxes)
    return boxes


@pytest.fixture
def taker() -> Iterator[ScreenshotTaker]:
    with ScreenshotTaker(max_width=1920, quality=90) as screenshot_taker:
        yield screenshot_taker


def wait_until_painted(boxes: dict[str, Box]) -> None:
    """Until both windows show their colour: xterm paints a moment after it maps."""
    deadline = time.monotonic() + 10
    with ScreenshotTaker(max_width=1920, quality=95) as probe:
        while time.monotonic() < deadline:
            image = decode(probe.capture().data)
            if close_to(sample(image, boxes["red"]), RED) and close_to(
                sample(image, boxes["blue"]), BLUE
            ):
                return
            time.sleep(0.1)
    raise AssertionError("the test windows were not painted in time")


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def sample(image: Image.Image, box: Box, scale: float = 1.0) -> tuple[int, ...]:
    """The mean colour of a 20x20 patch at the centre of ``box`` (scaled to the image)."""
    x, y, width, height = box
    cx, cy = (x + width / 2) * scale, (y + height / 2) * scale
    patch = image.crop((int(cx) - 10, int(cy) - 10, int(cx) + 10, int(cy) + 10))
    return tuple(round(v) for v in ImageStat.Stat(patch).mean)


def close_to(colour: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def sharpness(image: Image.Image) -> float:
    return float(sum(ImageStat.Stat(image.filter(ImageFilter.FIND_EDGES)).mean))


def test_full_size_capture_matches_what_was_drawn(
    painted: dict[str, Box], taker: ScreenshotTaker
) -> None:
    shot = taker.capture()
    assert (shot.width, shot.height, shot.monitors) == (*SCREEN_SIZE, 1)
    assert shot.data.startswith(JPEG_START)
    image = decode(shot.data)
    assert image.size == SCREEN_SIZE
    assert close_to(sample(image, painted["red"]), RED)
    assert close_to(sample(image, painted["blue"]), BLUE)


def test_downscaled_capture_keeps_aspect_and_colours(painted: dict[str, Box]) -> None:
    with ScreenshotTaker(max_width=960) as half:
        shot = half.capture()
    assert (shot.width, shot.height) == (960, 540)
    image = decode(shot.data)
    assert image.size == (960, 540)
    assert close_to(sample(image, painted["red"], 0.5), RED)
    assert close_to(sample(image, painted["blue"], 0.5), BLUE)


def test_webp_capture(painted: dict[str, Box]) -> None:
    with ScreenshotTaker(fmt="WEBP", quality=90) as webp:
        shot = webp.capture()
    assert shot.data[:4] == b"RIFF" and shot.data[8:12] == b"WEBP"
    image = decode(shot.data)
    assert image.size == (960, 540) == (shot.width, shot.height)
    assert close_to(sample(image, painted["red"], 0.5), RED)


def test_the_default_capture_halves_a_1920_screen_exactly(painted: dict[str, Box]) -> None:
    with ScreenshotTaker() as default:
        shot = default.capture()
    with ScreenshotTaker(max_width=1920, quality=95) as full:
        reference = decode(full.capture().data).reduce(2)  # 2x2 block means
    image = decode(shot.data)
    assert (shot.width, shot.height) == image.size == (960, 540)
    assert close_to(sample(image, painted["red"], 0.5), RED)
    assert close_to(sample(image, painted["blue"], 0.5), BLUE)
    difference = ImageStat.Stat(ImageChops.difference(image, reference)).mean
    assert max(difference) < 6  # JPEG q80 of the same pixels: text stays as drawn


@pytest.mark.parametrize(
    ("width", "max_width", "factor"),
    [(1920, 1280, 2), (1920, 1920, 1), (1280, 1920, 1), (2560, 1280, 2), (3840, 1280, 3),
     (3840, 960, 4), (1921, 1920, 2), (7, 1, 7)],
)  # fmt: skip
def test_the_downscale_factor_is_the_smallest_whole_one_that_fits(
    width: int, max_width: int, factor: int
) -> None:
    assert downscale_factor(width, max_width) == factor
    assert -(-width // factor) <= max_width  # Image.reduce rounds the size up


def test_blur_softens_the_image(painted: dict[str, Box], taker: ScreenshotTaker) -> None:
    with ScreenshotTaker(max_width=1920, quality=90, blur_radius=8) as blurred:
        soft = decode(blurred.capture().data)
    sharp = decode(taker.capture().data)
    assert sharpness(soft) < sharpness(sharp) / 2
    assert close_to(sample(soft, painted["red"]), RED)  # the middle of a block stays red


@pytest.mark.parametrize("radius", [1.5, 4, 8, 20])
def test_cheap_blur_is_as_strong_as_gaussian(radius: float) -> None:
    image = Image.effect_noise((640, 360), 80).convert("RGB")
    reference = image.filter(ImageFilter.GaussianBlur(radius))
    blurred = _blur(image, radius)
    assert blurred.size == image.size
    assert sharpness(blurred) <= sharpness(reference) * 1.05


def test_capture_sealed_opens_only_with_the_private_key(
    painted: dict[str, Box], taker: ScreenshotTaker
) -> None:
    private_key = X25519PrivateKey.generate()
    sealer = Sealer(private_key.public_key().public_bytes_raw(), "k_test")
    sealed = taker.capture_sealed(sealer, "shots/p_1/0001.jpg")
    assert sealed.envelope.startswith(b"TQE")
    assert JPEG_START not in sealed.envelope
    assert read_header(sealed.envelope).object_id == "shots/p_1/0001.jpg"
    plaintext = open_envelope(private_key, sealed.envelope, object_id="shots/p_1/0001.jpg")
    for start in range(0, len(plaintext) - 64, len(plaintext) // 8):
        assert plaintext[start : start + 64] not in sealed.envelope
    image = decode(plaintext)
    assert image.size == (sealed.width, sealed.height) == SCREEN_SIZE
    assert close_to(sample(image, painted["red"]), RED)
    assert close_to(sample(image, painted["blue"]), BLUE)


def test_no_file_is_written_while_capturing(
    painted: dict[str, Box],
    taker: ScreenshotTaker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    global _auditing
    watched_tmp, watched_cwd = tmp_path / "tmp", tmp_path / "cwd"
    watched_tmp.mkdir()
    watched_cwd.mkdir()
    monkeypatch.setenv("TMPDIR", str(watched_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # make gettempdir() read TMPDIR again
    monkeypatch.chdir(watched_cwd)
    assert tempfile.gettempdir() == str(watched_tmp)
    sealer = Sealer(X25519PrivateKey.generate().public_key().public_bytes_raw(), "k_test")
    _audit_log.clear()
    _auditing = True
    try:
        (tmp_path / "probe").write_bytes(b"")  # proves the hook sees a write
        assert [path for path, _mode in _audit_log] == [str(tmp_path / "probe")]
        _audit_log.clear()
        taker.capture()
        taker.capture_sealed(sealer, "a")
        with ScreenshotTaker(fmt="WEBP", blur_radius=3) as webp:
            webp.capture_sealed(sealer, "b")
    finally:
        _auditing = False
    assert _audit_log == []
    assert list(watched_tmp.rglob("*")) == [] and list(watched_cwd.rglob("*")) == []


def test_one_grabber_is_reused_until_closed(xvfb_display: XServer) -> None:
    taker = ScreenshotTaker(max_width=64)
    taker.capture()
    grabber = taker._mss
    taker.capture()
    assert taker._mss is grabber is not None
    taker.close()
    assert taker._mss is None
    assert taker.capture().width == 64  # a new grabber opens on demand
    taker.close()


@pytest.mark.parametrize(
    "settings",
    [
        {"max_width": 0},
        {"max_width": 12.5},
        {"quality": 0},
        {"quality": 101},
        {"blur_radius": -1},
        {"blur_radius": float("nan")},
        {"fmt": "PNG"},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScreenshotTaker(**settings)  # type: ignore[arg-type]


def test_capture_without_display_is_one_clear_error() -> None:
    code = (
        "from collector.sources import ScreenshotTaker\n"
        "from collector.errors import DisplayUnavailable\n"
        "try:\n    ScreenshotTaker().capture()\n"
        "except DisplayUnavailable as exc:\n    print('DisplayUnavailable:', exc)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "DisplayUnavailable: cannot grab the screen: no display (set DISPLAY)"
    )
