"""Portraits of two people that ship inside packages from the registry, as JPEG bytes: the
astronaut Eileen Collins (scikit-image's data) and Grace Hopper (matplotlib's sample data)."""

from __future__ import annotations

import io
from functools import cache

from matplotlib import cbook
from PIL import Image
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
