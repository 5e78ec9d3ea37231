"""Screenshots of every monitor, downscaled, optionally blurred, encoded and sealed in memory.

Privacy invariant 2: a screenshot is encrypted before it touches disk. Nothing here
writes a file: the pixels go from mss to Pillow to an ``io.BytesIO`` to the envelope, and
``capture_sealed`` returns only the envelope. The plaintext buffers are released as soon
as the envelope exists (Python cannot promise to wipe them).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from PIL import Image, ImageFilter

from collector.errors import DisplayUnavailable
from collector.sources.base import ScreenRect

if TYPE_CHECKING:
    import mss

ImageFormat = Literal["JPEG", "WEBP"]
_FORMATS = ("JPEG", "WEBP")
# Pillow's GaussianBlur costs ~40 ms on 1280x720 whatever the radius; a blur of radius r
# done at 1/k of the size (radius r/k) and scaled back looks the same and costs a quarter.
_MAX_BLUR_REDUCTION = 8
# Why method 0: WebP's default method 4 costs ~85 ms a frame; 0 costs about half, ~30 % larger.
_WEBP_METHOD = 0


class _Sealer(Protocol):
    def seal(self, object_id: str, plaintext: bytes) -> bytes: ...


@dataclass(frozen=True)
class CapturedImage:
    """An encoded screenshot (plaintext: seal it at once) and its size in pixels."""

    data: bytes = field(repr=False)
    width: int
    height: int
    monitors: int


@dataclass(frozen=True)
class SealedImage:
    """A screenshot sealed in an envelope (``storage.crypto``) and its size in pixels."""

    envelope: bytes = field(repr=False)
    width: int
    height: int


class ScreenshotTaker:
    """Grabs all monitors as one image, downscaled to at most ``max_width``, in JPEG or WebP.

    The downscale divides the size by a whole number, the smallest that fits ``max_width``
    (1920 px wide with the default 1280 gives 960: see ``downscale_factor``).

    ``blur_radius`` (pixels of the downscaled image) applies a Gaussian blur when above 0
    (from radius 4 on, computed at a reduced size and scaled back: same look, 4x cheaper).
    One mss instance is opened on the first capture and reused until ``close()``.
    Raises ``ValueError`` for a bad setting, ``DisplayUnavailable`` when the screen cannot
    be grabbed.
    """

    def __init__(
        self,
        max_width: int = 1280,
        quality: int = 80,
        blur_radius: float = 0.0,
        fmt: ImageFormat = "JPEG",
    ) -> None:
        _check_settings(max_width, quality, blur_radius, fmt)
        self.max_width = max_width
        self.quality = quality
        self.blur_radius = float(blur_radius)
        self.fmt: ImageFormat = fmt
        self._mss: mss.MSS | None = None

    def capture(self) -> CapturedImage:
        """Grab, downscale, blur and encode one screenshot; the bytes are plaintext."""
        image, monitors = self._grab()
        image = self._prepare(image)
        return CapturedImage(self._encode(image), image.width, image.height, monitors)

    def capture_sealed(
        self, sealer: _Sealer, object_id: str, masks: Sequence[ScreenRect] = ()
    ) -> SealedImage:
        """Capture and seal as ``object_id`` in memory; only the envelope leaves.

        Each of ``masks`` (root coordinates, any monitor) is painted black before the
        image is blurred or encoded: what a privacy filter hides is never in the bytes.
        """
        image, _monitors = self._grab(masks)
        image = self._prepare(image)
        width, height = image.size
        plaintext = self._encode(image)
        del image
        try:
            envelope = sealer.seal(object_id, plaintext)
        finally:
            del plaintext
        return SealedImage(envelope, width, height)

    def warm_up(self, grab_screen: bool = True) -> None:
        """Open the display and load the encoder now, so the first capture is not the slow one.

        Measured: the first capture of a session paid ~60 ms more (mss set-up, Pillow's
        encoder plugin import), the first full-screen grab 15-20 ms more (the X server
        filling a fresh shared-memory segment: only a full grab warms it), and the next two
        frames ~15 ms more CPU each (most likely malloc handing each 8 MB frame back to the
        system until its mmap threshold adapts). Each alone made the pipeline's p95 over a
        minute miss 60 ms. So one grab is made and dropped unread (nothing of it is decoded,
        encoded or kept), and two blank frames of the screen's size go through downscale and
        encoder. ``grab_screen`` False skips the grab (screenshots are not allowed now).
        """
        import mss

        try:
            if self._mss is None:
                self._mss = mss.MSS()
            screen = self._mss.monitors[0]
            if grab_screen:
                self._mss.grab(screen)  # one-off server set-up; the unread result is freed at once
        except mss.ScreenShotError as exc:
            raise DisplayUnavailable("cannot grab the screen: no display (set DISPLAY)") from exc
        size = (screen["width"], screen["height"])
        for _ in range(2):
            self._encode(_downscaled_rgb(bytearray(size[0] * size[1] * 4), size, self.max_width))

    def close(self) -> None:
        """Release the display connection (a later capture opens a new one)."""
        grabber, self._mss = self._mss, None
        if grabber is not None:
            grabber.close()

    def __enter__(self) -> ScreenshotTaker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _grab(self, masks: Sequence[ScreenRect] = ()) -> tuple[Image.Image, int]:
        """The union of all monitors as an RGB image with ``masks`` black, and the monitors."""
        import mss

        try:
            if self._mss is None:
                self._mss = mss.MSS()
            monitors = self._mss.monitors
            shot = self._mss.grab(monitors[0])
        except mss.ScreenShotError as exc:
            raise DisplayUnavailable("cannot grab the screen: no display (set DISPLAY)") from exc
        image = _downscaled_rgb(shot.raw, shot.size, self.max_width)
        origin = (monitors[0]["left"], monitors[0]["top"])
        black_out(image, masks, origin, shot.size[0])
        return image, max(1, len(monitors) - 1)

    def _prepare(self, image: Image.Image) -> Image.Image:
        if self.blur_radius > 0:
            image = _blur(image, self.blur_radius)
        return image

    def _encode(self, image: Image.Image) -> bytes:
        out = io.BytesIO()
        if self.fmt == "WEBP":
            image.save(out, format="WEBP", quality=self.quality, method=_WEBP_METHOD)
        else:
            image.save(out, format="JPEG", quality=self.quality)
        # getvalue() hands over the buffer without a copy when nothing else holds it.
        return out.getvalue()


def downscale_factor(width: int, max_width: int) -> int:
    """The smallest whole number that divides ``width`` down to ``max_width`` or less.

    Why whole numbers: ``Image.reduce`` averages n x n blocks, an exact box filter that
    costs ~5 ms on a 1920x1080 frame, where a fractional BOX resize to 1280 cost 15 ms idle
    and 40-70 ms on a busy machine, which alone broke the pipeline's 60 ms p95 (issue 3).
    """
    return max(1, -(-width // max_width))


def black_out(
    image: Image.Image, masks: Sequence[ScreenRect], origin: tuple[int, int], grabbed_width: int
) -> None:
    """Paint ``masks`` black on ``image``, a downscale of a grab ``grabbed_width`` wide.

    ``origin`` is the grab's top-left corner in root coordinates (mss's monitor 0: the
    union of every monitor). Edges round outwards, so a mask never leaves a half-pixel
    of the window it hides.
    """
    scale = image.width / grabbed_width
    for mask in masks:
        left = math.floor((mask.x - origin[0]) * scale)
        top = math.floor((mask.y - origin[1]) * scale)
        right = math.ceil((mask.x - origin[0] + mask.width) * scale)
        bottom = math.ceil((mask.y - origin[1] + mask.height) * scale)
        box = (max(0, left), max(0, top), min(image.width, right), min(image.height, bottom))
        if box[0] < box[2] and box[1] < box[3]:
            image.paste((0, 0, 0), box)


def _downscaled_rgb(bgrx: bytearray, size: tuple[int, int], max_width: int) -> Image.Image:
    """mss's BGRX pixels of ``size`` as an RGB image at most ``max_width`` wide."""
    factor = downscale_factor(size[0], max_width)
    if factor == 1:
        return Image.frombuffer("RGB", size, bgrx, "raw", "BGRX", 0, 1)
    # Why map first: Pillow maps a BGRX buffer as "RGBX" without a copy, and block means
    # do not care which channel is which, so the swap to RGB runs on 1/factor² of the
    # pixels and no full-size RGB image (8 MB at 1080p) is ever allocated.
    mapped = Image.frombuffer("RGBX", size, bgrx, "raw", "RGBX", 0, 1)
    blue, green, red, _padding = mapped.reduce(factor).split()
    return Image.merge("RGB", (red, green, blue))


def _blur(image: Image.Image, radius: float) -> Image.Image:
    """A Gaussian blur of ``radius`` pixels, as strong as ``GaussianBlur(radius)`` within 5 %."""
    factor = max(1, min(_MAX_BLUR_REDUCTION, int(radius // 2)))
    if factor == 1 or min(image.size) < 4 * factor:
        return image.filter(ImageFilter.GaussianBlur(radius))
    small = image.reduce(factor).filter(ImageFilter.GaussianBlur(radius / factor))
    return small.resize(image.size, Image.Resampling.BILINEAR)


def _check_settings(max_width: int, quality: int, blur_radius: float, fmt: str) -> None:
    if isinstance(max_width, bool) or not isinstance(max_width, int) or max_width < 1:
        raise ValueError(f"max_width must be a positive int, got {max_width!r}")
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise ValueError(f"quality must be an int from 1 to 100, got {quality!r}")
    if not isinstance(blur_radius, int | float) or not math.isfinite(blur_radius):
        raise ValueError(f"blur_radius must be a finite number, got {blur_radius!r}")
    if blur_radius < 0:
        raise ValueError(f"blur_radius must be 0 (no blur) or more, got {blur_radius!r}")
    if fmt not in _FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(_FORMATS)}, got {fmt!r}")
