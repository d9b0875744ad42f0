"""Faces found, compared and measured, on portraits that ship inside packages from the registry
(tests/faces/portraits.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance
from skimage import data as pictures

from learning import faces
from tests.faces import portraits

MATCH = 0.5  # the default threshold a check will use


def _jpeg(image: Image.Image | np.ndarray, quality: int = 90) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    return portraits.jpeg(image, quality)


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return portraits.astronaut()


@pytest.fixture(scope="module")
def hopper() -> Image.Image:
    return portraits.hopper()


def test_one_face_is_found_in_a_portrait_and_not_the_badge_beside_it(astronaut) -> None:
    finding = faces.analyse(_jpeg(astronaut, quality=40))  # JPEG makes the badge look facial
    assert finding.count == 1 and finding.problem is None
    face = finding.face
    assert face is not None and len(face.descriptor) == 128
    assert 150 < face.box.left < 200 and 60 < face.box.top < 110  # her face, not the badge
    assert 0.25 < face.eye_aspect_ratio < 0.4 and 0.45 < face.yaw < 0.55


def test_the_same_person_matches_and_another_does_not(astronaut, hopper) -> None:
    reference = faces.analyse(_jpeg(astronaut)).face
    altered = ImageEnhance.Brightness(astronaut.crop((60, 20, 400, 330))).enhance(1.25)
    again = faces.analyse(_jpeg(altered, quality=60)).face
    other = faces.analyse(_jpeg(hopper)).face
    assert reference and again and other
    assert faces.distance(reference.descriptor, again.descriptor) < MATCH
    assert faces.distance(reference.descriptor, other.descriptor) > MATCH + 0.1
    assert faces.distance(other.descriptor, reference.descriptor) == pytest.approx(
        faces.distance(reference.descriptor, other.descriptor)
    )


def test_no_face_several_faces_and_a_face_too_small_are_told_apart(astronaut, hopper) -> None:
    for picture in (pictures.coffee(), pictures.chelsea()):
        assert faces.analyse(_jpeg(picture)).problem == "no_face"
    both = Image.new("RGB", (512 + hopper.width, max(512, hopper.height)))
    both.paste(astronaut, (0, 0))
    both.paste(hopper, (512, 0))
    assert faces.analyse(_jpeg(both)).problem == "several_faces"
    tiny = astronaut.resize((300, 300))  # her face about 50 px
    assert faces.analyse(_jpeg(tiny)).problem in ("face_too_small", "no_face")


def test_what_is_no_picture_is_refused() -> None:
    for data in (b"", b"%PDF-1.4", _gif()):
        with pytest.raises(faces.NotAPicture):
            faces.analyse(data)


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 200)).save(out, format="GIF")
    return out.getvalue()


def test_a_still_picture_held_to_the_camera_neither_blinks_nor_turns(astronaut) -> None:
    """Frames of one printed photo, moved a little and re-encoded, as a camera would send them."""
    rng = np.random.default_rng(7)
    frames = []
    for _ in range(8):
        shifted = astronaut.rotate(rng.uniform(-3, 3), translate=tuple(rng.integers(-6, 7, 2)))
        frames.append(
            faces.analyse(
                _jpeg(ImageEnhance.Brightness(shifted).enhance(rng.uniform(0.9, 1.1)), quality=70)
            ).face
        )
    assert all(frames)
    ratios = [face.eye_aspect_ratio for face in frames]
    yaws = [face.yaw for face in frames]
    assert max(ratios) - min(ratios) < 0.08 and max(yaws) - min(yaws) < 0.05
    assert not faces.blinked(ratios)
    assert not faces.turned(yaws)


@pytest.mark.parametrize(
    ("ratios", "blink"),
    [
        ([0.31, 0.32, 0.30, 0.15, 0.29, 0.31], True),
        ([0.33, 0.17, 0.16, 0.31, 0.32, 0.30], True),
        ([0.31, 0.30, 0.32, 0.31, 0.30], False),  # still
        ([0.16, 0.30, 0.31, 0.32], False),  # closed first: no open eyes before it
        ([0.31, 0.30, 0.32, 0.14], False),  # closed at the end: no open eyes after it
        ([0.3, 0.1], False),  # too few frames
    ],
)
def test_a_blink_is_open_closed_open(ratios, blink) -> None:
    assert faces.blinked(ratios) is blink


@pytest.mark.parametrize(
    ("yaws", "turn"),
    [
        ([0.50, 0.44, 0.34, 0.40, 0.49], True),
        ([0.50, 0.58, 0.66, 0.60, 0.52], True),  # the other way will do too
        ([0.50, 0.44, 0.34, 0.34, 0.36], False),  # never came back
        ([0.50, 0.49, 0.51, 0.50], False),  # still
        ([0.50, 0.30], False),  # too few frames
        ([0.36, 0.45, 0.50, 0.50, 0.38, 0.35, 0.49], True),  # caught mid-turn: the next one
    ],
)
def test_a_turn_goes_away_and_back(yaws, turn) -> None:
    assert faces.turned(yaws) is turn
