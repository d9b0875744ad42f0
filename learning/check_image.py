"""The presence check's code drawn as a PNG (the code itself is never sent as text).

Digits are drawn one by one with a little rotation, offset and colour, over a few lines of
noise: easy for a person, not a plain string for a script that scrapes the page. The rotation,
offsets, colours and noise come from the operating system's randomness, drawn anew for every
picture and never sent anywhere: a script that has this source cannot draw the 10,000 possible
pictures and match the one it was shown.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 200, 72
_FONT_SIZE = 44


def draw_code(code: str) -> bytes:
    """A PNG of `code`, different every time."""
    rng = random.SystemRandom()
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 249, 247))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        points = [(rng.randint(0, WIDTH), rng.randint(0, HEIGHT)) for _ in range(2)]
        draw.line(points, fill=_colour(rng, 150, 210), width=2)
    font = ImageFont.load_default(size=_FONT_SIZE)
    step = WIDTH // (len(code) + 1)
    for index, digit in enumerate(code):
        glyph = Image.new("RGBA", (_FONT_SIZE, _FONT_SIZE + 10), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 0), digit, font=font, fill=_colour(rng, 20, 90))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=True)
        x = step * (index + 1) - glyph.width // 2 + rng.randint(-4, 4)
        y = (HEIGHT - glyph.height) // 2 + rng.randint(-5, 5)
        image.paste(glyph, (x, y), glyph)
    for _ in range(120):
        draw.point((rng.randrange(WIDTH), rng.randrange(HEIGHT)), fill=_colour(rng, 100, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _colour(rng: random.SystemRandom, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))
