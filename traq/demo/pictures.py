"""Small synthetic screenshots: a window of the active application, drawn with Pillow.

Each category has its own look (an editor, a page of text, a design canvas, a chat, a
video call...), so a decrypted screenshot visibly matches the span it was taken in. The
layout is drawn from ``Scene.seed``: the same scene always gives the same image.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 320, 200
BAR = 14  # title bar and task bar height
JPEG_QUALITY = 70
_FONT = ImageFont.load_default_imagefont()  # bitmap: 30x faster to draw than FreeType

Painter = Callable[[ImageDraw.ImageDraw, random.Random], None]


@dataclass(frozen=True)
class Scene:
    """What the screen showed: the window in front and the local time."""

    category: str
    app: str
    title: str
    clock: str  # local HH:MM
    seed: int


def render(scene: Scene, *, blur: bool = False) -> bytes:
    """The screenshot of ``scene`` as JPEG bytes (``WIDTH`` x ``HEIGHT``)."""
    image = _blank().copy()
    PAINTERS.get(scene.category, _page)(ImageDraw.Draw(image), random.Random(scene.seed))
    image.paste(_bar(_latin1(f"{scene.app} - {scene.title}")[:52], (52, 56, 66), 4), (0, 0))
    image.paste(_bar(scene.clock, (28, 30, 36), WIDTH - 34), (0, HEIGHT - BAR))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(4))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


@lru_cache(maxsize=1)
def _blank() -> Image.Image:
    return Image.new("RGB", (WIDTH, HEIGHT), (236, 238, 242))


# Drawing text costs more than the rest of a screenshot: a person's titles recur, and there
# are only 1,440 clocks, so each bar is drawn once and pasted after that.
@lru_cache(maxsize=4096)
def _bar(text: str, background: tuple[int, int, int], left: int) -> Image.Image:
    bar = Image.new("RGB", (WIDTH, BAR), background)
    ImageDraw.Draw(bar).text((left, 2), text, fill=(235, 235, 235), font=_FONT)
    return bar


def _latin1(text: str) -> str:
    """``text`` as the bitmap font can draw it (Latin-1; dashes and bullets become '-')."""
    return "".join(c if ord(c) < 256 else "-" for c in text)


def _editor(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((0, BAR, WIDTH, HEIGHT), fill=(30, 32, 40))
    draw.rectangle((0, BAR, 56, HEIGHT), fill=(40, 43, 52))
    colours = ((198, 120, 221), (97, 175, 239), (152, 195, 121), (229, 192, 123))
    for row in range(BAR + 6, HEIGHT - BAR - 6, 9):
        indent = 64 + 12 * rnd.randrange(4)
        draw.rectangle(
            (indent, row, indent + rnd.randrange(20, 200), row + 4), fill=rnd.choice(colours)
        )


def _page(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((40, BAR + 8, WIDTH - 40, HEIGHT - BAR), fill=(255, 255, 255))
    row = BAR + 20
    while row < HEIGHT - BAR - 10:
        draw.rectangle((56, row, 56 + rnd.randrange(120, 208), row + 3), fill=(120, 124, 132))
        row += 8 if rnd.random() < 0.85 else 16


def _canvas(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((0, BAR, WIDTH, HEIGHT), fill=(60, 60, 64))
    draw.rectangle((50, BAR + 16, WIDTH - 60, HEIGHT - BAR - 14), fill=(250, 250, 250))
    for _ in range(rnd.randrange(4, 9)):
        x, y = rnd.randrange(60, 220), rnd.randrange(BAR + 24, 140)
        box = (x, y, x + rnd.randrange(16, 60), y + rnd.randrange(12, 40))
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        (draw.ellipse if rnd.random() < 0.4 else draw.rectangle)(box, fill=colour)


def _chat(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((0, BAR, 70, HEIGHT), fill=(63, 14, 64))
    for row in range(BAR + 10, HEIGHT - BAR - 20, 22):
        draw.ellipse((80, row, 92, row + 12), fill=(rnd.randrange(80, 220), 120, 160))
        draw.rectangle((98, row + 2, 98 + rnd.randrange(60, 200), row + 5), fill=(90, 90, 96))
        draw.rectangle((98, row + 9, 98 + rnd.randrange(30, 150), row + 11), fill=(150, 150, 156))


def _call(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((0, BAR, WIDTH, HEIGHT), fill=(24, 24, 28))
    side = rnd.choice((2, 3))
    tile_w, tile_h = (WIDTH - 8) // side, (HEIGHT - 2 * BAR - 8) // side
    for i in range(side * side):
        x, y = 4 + (i % side) * tile_w, BAR + 4 + (i // side) * tile_h
        draw.rectangle((x + 2, y + 2, x + tile_w - 2, y + tile_h - 2), fill=(54, 58, 70))
        cx, cy, r = x + tile_w // 2, y + tile_h // 2, min(tile_w, tile_h) // 5
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(rnd.randrange(90, 230), 140, 110))


def _video(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((0, BAR, WIDTH, HEIGHT), fill=(15, 15, 15))
    colour = (rnd.randrange(40, 200), rnd.randrange(40, 200), rnd.randrange(40, 200))
    draw.rectangle((20, BAR + 10, WIDTH - 20, HEIGHT - BAR - 26), fill=colour)
    done = rnd.randrange(24, WIDTH - 24)
    draw.rectangle((20, HEIGHT - BAR - 16, WIDTH - 20, HEIGHT - BAR - 13), fill=(90, 90, 90))
    draw.rectangle((20, HEIGHT - BAR - 16, done, HEIGHT - BAR - 13), fill=(230, 30, 30))


def _feed(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    draw.rectangle((0, BAR, WIDTH, BAR + 16), fill=(rnd.randrange(40, 90), 100, 180))
    for row in range(BAR + 24, HEIGHT - BAR - 30, 48):
        draw.rectangle((60, row, WIDTH - 60, row + 42), fill=(255, 255, 255))
        draw.rectangle((66, row + 6, 110, row + 36), fill=(rnd.randrange(256), 160, 120))
        draw.rectangle((116, row + 8, 116 + rnd.randrange(40, 120), row + 11), fill=(80, 80, 80))


PAINTERS: dict[str, Painter] = {
    "development": _editor,
    "documents": _page,
    "design": _canvas,
    "communication": _chat,
    "meetings": _call,
    "browsing": _feed,
    "entertainment": _video,
    "social": _feed,
}
