"""Portraits of two people that ship inside packages from the registry, as JPEG bytes: the
astronaut Eileen Collins (scikit-image's data) and Grace Hopper (matplotlib's sample data)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from matplotlib import cbook
from PIL import Image, ImageDraw, ImageEnhance
from skimage import data as pictures


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


@cache
def astronaut() -> Image.Image:
    return Image.fromarray(pictures.astronaut())


@cache
def hopper() -> Image.Image:
    return Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")


@cache
def cat() -> Image.Image:
    return Image.fromarray(pictures.chelsea())


# --- frame sequences as a camera would send them during a face check ----------------------

#: The eyes of each portrait (left, top, right, bottom in its pixels), as the 68-point
#: landmarks find them, with the margin that closes them convincingly.
EYES = {
    "astronaut": ((192, 94, 215, 108), (235, 97, 258, 111)),
    "hopper": ((203, 184, 243, 208), (290, 179, 331, 202)),
}


def closed_eyes(image: Image.Image, eyes: tuple[tuple[int, int, int, int], ...]) -> Image.Image:
    """The portrait with its eyes shut: the eyelid's skin above each eye drawn over it, and a
    line of lashes across."""
    shut = image.copy()
    draw = ImageDraw.Draw(shut)
    for left, top, right, bottom in eyes:
        height = bottom - top
        lid = image.crop((left, top - height, right, top)).resize((right - left, height))
        shut.paste(lid, (left, top))
        middle = (top + bottom) // 2
        draw.line([(left + 2, middle), (right - 2, middle)], fill=(60, 40, 30), width=2)
    return shut


def turned_head(image: Image.Image, middle: int, shift: float) -> Image.Image:
    """The portrait warped as if the head turned: the column `middle` (between the eyes) moves
    by `shift` of the width, the part left of it squeezed and the rest stretched (or the other
    way), which moves the nose toward one end of the jaw as a turn does."""
    width, height = image.size
    moved = int(middle + shift * width)
    mesh = [
        ((0, 0, moved, height), (0, 0, 0, height, middle, height, middle, 0)),
        ((moved, 0, width, height), (middle, 0, middle, height, width, height, width, 0)),
    ]
    return image.transform(image.size, Image.Transform.MESH, mesh, Image.Resampling.BILINEAR)


def _jittered(image: Image.Image, index: int) -> Image.Image:
    """A camera never sends the same frame twice: a pixel's shift and a little light."""
    shifted = image.transform(
        image.size, Image.Transform.AFFINE, (1, 0, index % 3 - 1, 0, 1, index % 2)
    )
    return ImageEnhance.Brightness(shifted).enhance(1 + 0.02 * (index % 4 - 1.5))


def blinking(name: str, image: Image.Image) -> list[bytes]:
    """Eyes open, shut for two frames, open again."""
    shut = closed_eyes(image, EYES[name])
    sequence = [image] * 3 + [shut] * 2 + [image] * 7
    return [jpeg(_jittered(frame, i), quality=85) for i, frame in enumerate(sequence)]


def turning(name: str, image: Image.Image) -> list[bytes]:
    """The head turned to one side and back, held turned for three frames as a person does
    (a third of a second in the fake camera's video): a turn seen in one frame only could
    fall between two of the player's frames, 110 ms apart."""
    (left, *_), (*_, right, _) = EYES[name]
    middle = (left + right) // 2
    shifts = (0, -0.03, -0.06, -0.09, -0.12, -0.12, -0.12, -0.09, -0.05, -0.02, 0, 0)
    return [
        jpeg(_jittered(turned_head(image, middle, shift), i), quality=85)
        for i, shift in enumerate(shifts)
    ]


def still(image: Image.Image, count: int = 12) -> list[bytes]:
    """A printed photo held to the camera: it moves a little and never blinks or turns."""
    return [jpeg(_jittered(image, i), quality=85) for i in range(count)]


def live(name: str, image: Image.Image, action: str) -> list[bytes]:
    """Frames that do what a check asks for (`faces.liveness_action`)."""
    return blinking(name, image) if action == "blink" else turning(name, image)


def y4m(frames: list[bytes], path: Path, *, hold: int = 3) -> Path:
    """A Y4M video of `frames` (each shown `hold` frames at 30 fps), for Chromium's fake camera
    (`--use-file-for-fake-video-capture`), which plays it in a loop."""
    pictures = [Image.open(io.BytesIO(frame)).convert("RGB") for frame in frames]
    width, height = (side - side % 2 for side in pictures[0].size)  # 4:2:0 needs even sides
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for picture in pictures:
            y, u, v = picture.crop((0, 0, width, height)).convert("YCbCr").split()
            planes = (
                y.tobytes()
                + u.resize((width // 2, height // 2)).tobytes()
                + v.resize((width // 2, height // 2)).tobytes()
            )
            for _ in range(hold):
                out.write(b"FRAME\n" + planes)
    return path
