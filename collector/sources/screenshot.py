"""Screenshots of every monitor, downscaled, optionally blurred, encoded and sealed in memory.

Privacy invariant 2: a screenshot is encrypted before it touches disk. Nothing here
writes a file: the pixels go from mss to Pillow to an ``io.BytesIO`` to the envelope, and
``capture_sealed`` returns only the envelope. The plaintext buffers are released as soon
as the envelope exists (Python cannot promise to wipe them).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from PIL import Image, ImageFilter

from collector.errors import DisplayUnavailable

if TYPE_CHECKING:
    import mss

ImageFormat = Literal["JPEG", "WEBP"]
_FORMATS = ("JPEG", "WEBP")
# Why BOX (area averaging): the right filter for shrinking text and edges, and the cheapest
# antialiased one: 15 ms for 1920x1080 -> 1280x720 here, against 22 (BILINEAR), 40 (LANCZOS).
_RESAMPLE = Image.Resampling.BOX
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
    """Grabs all monitors as one image, downscaled to ``max_width``, in JPEG or WebP.

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

    def capture_sealed(self, sealer: _Sealer, object_id: str) -> SealedImage:
        """Capture and seal as ``object_id`` in memory; only the envelope leaves."""
        image, _monitors = self._grab()
        image = self._prepare(image)
        width, height = image.size
        plaintext = self._encode(image)
        del image
        try:
            envelope = sealer.seal(object_id, plaintext)
        finally:
            del plaintext
        return SealedImage(envelope, width, height)

    def warm_up(self) -> None:
        """Open the display and load the encoder now, so the first capture is not the slow one.

        Measured: the first capture of a session paid ~60 ms more (mss set-up, Pillow's
        encoder plugin import), which alone made the pipeline's p95 over a minute miss 60 ms.
        """
        import mss

        try:
            if self._mss is None:
                self._mss = mss.MSS()
        except mss.ScreenShotError as exc:
            raise DisplayUnavailable("cannot grab the screen: no display (set DISPLAY)") from exc
        self._encode(Image.new("RGB", (16, 16)))

    def close(self) -> None:
        """Release the display connection (a later capture opens a new one)."""
        grabber, self._mss = self._mss, None
        if grabber is not None:
            grabber.close()

    def __enter__(self) -> ScreenshotTaker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _grab(self) -> tuple[Image.Image, int]:
        """The union of all monitors as an RGB image, and how many monitors there are."""
        import mss

        try:
            if self._mss is None:
                self._mss = mss.MSS()
            monitors = self._mss.monitors
            shot = self._mss.grab(monitors[0])
        except mss.ScreenShotError as exc:
            raise DisplayUnavailable("cannot grab the screen: no display (set DISPLAY)") from exc
        # BGRX straight from mss's buffer: no intermediate RGB copy in Python.
        image = Image.frombuffer("RGB", shot.size, shot.raw, "raw", "BGRX", 0, 1)
        return image, max(1, len(monitors) - 1)

    def _prepare(self, image: Image.Image) -> Image.Image:
        if image.width > self.max_width:
            height = max(1, round(image.height * self.max_width / image.width))
            image = image.resize((self.max_width, height), _RESAMPLE)
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
