"""Faces in camera pictures: found, described, compared with a reference, and measured for a
blink or a turn of the head.

dlib (the prebuilt `dlib-bin` wheel) runs on the CPU with the weights of the
`face-recognition-models` package: the HOG frontal face detector, the 5-point landmarks that
align a face for the ResNet descriptor (128 numbers; two pictures of one person lie closer than
about 0.5, two people further apart), and the 68-point landmarks the liveness signals are read
from. The models load once per process, on first use (about 1 s and 100 MB). On these machines a
check picture costs about 0.13 s (detection 0.03-0.05 s, descriptor 0.1 s) and a liveness frame
about 0.04 s, which is why checks never run on the heartbeat's path.

No Flask and no database here: pictures in, plain figures out. What a check decides from them
(`liveness` below, the match threshold) is pure and tested on figures alone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SCORE = 0.5  # the detector's confidence: a badge or a pattern scores below 0.3, faces above 0.6
MIN_FACE_PX = 80  # a smaller face gives a descriptor that cannot tell people apart
MAX_SIDE_PX = 1024  # larger pictures are scaled down before detection (time grows with area)
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded
DESCRIPTOR_SIZE = 128

_load_lock = threading.Lock()


class NotAPicture(ValueError):
    """The bytes are not a JPEG or PNG picture that can be decoded."""


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def size(self) -> int:
        return min(self.right - self.left, self.bottom - self.top)


@dataclass(frozen=True)
class Face:
    box: Box
    score: float
    descriptor: tuple[float, ...] | None  # 128 numbers; None when not asked for
    eye_aspect_ratio: float  # open eyes about 0.3; closed below about 0.2
    yaw: float  # where the nose sits between the jaw's ends: 0.5 facing the camera


@dataclass(frozen=True)
class Finding:
    """What a picture shows: how many faces, and the face when there is exactly one."""

    count: int
    face: Face | None

    @property
    def problem(self) -> str | None:
        """Why the picture cannot serve a check: no_face, several_faces, face_too_small."""
        if self.count == 0:
            return "no_face"
        if self.count > 1:
            return "several_faces"
        if self.face is None:
            return "face_too_small"
        return None


def analyse(data: bytes, *, describe: bool = True) -> Finding:
    """The faces of a JPEG or PNG picture; `NotAPicture` for anything else. Without `describe`
    the descriptor (most of the time) is skipped: enough for a liveness frame."""
    pixels = _pixels(data)
    models = _models()
    with _load_lock:  # dlib's objects are not documented as safe to share across threads
        boxes, scores, _kinds = models.detector.run(pixels, 0, 0.0)
        found = [
            (box, score) for box, score in zip(boxes, scores, strict=True) if score >= MIN_SCORE
        ]
        if len(found) != 1:
            return Finding(count=len(found), face=None)
        rectangle, score = found[0]
        box = Box(rectangle.left(), rectangle.top(), rectangle.right(), rectangle.bottom())
        if box.size < MIN_FACE_PX:
            return Finding(count=1, face=None)
        descriptor = None
        if describe:
            aligned = models.five_points(pixels, rectangle)
            descriptor = models.describer.compute_face_descriptor(pixels, aligned)
        points = models.sixty_eight_points(pixels, rectangle)
    landmarks = [(points.part(i).x, points.part(i).y) for i in range(68)]
    return Finding(
        count=1,
        face=Face(
            box=box,
            score=float(score),
            descriptor=None if descriptor is None else tuple(float(v) for v in descriptor),
            eye_aspect_ratio=eye_aspect_ratio(landmarks),
            yaw=yaw(landmarks),
        ),
    )


def distance(one: Sequence[float], other: Sequence[float]) -> float:
    """How far apart two descriptors are (Euclidean)."""
    if len(one) != DESCRIPTOR_SIZE or len(other) != DESCRIPTOR_SIZE:
        raise ValueError("a face descriptor has 128 numbers")
    return math.dist(one, other)


# --- signals from the 68 landmarks (iBUG numbering) and what they show ------------------------


def eye_aspect_ratio(landmarks: Sequence[tuple[float, float]]) -> float:
    """The mean of both eyes' height over width (Soukupová and Čech, 2016): about 0.3 open,
    below 0.2 closed."""

    def one_eye(first: int) -> float:
        p = [landmarks[first + i] for i in range(6)]
        width = math.dist(p[0], p[3])
        return (math.dist(p[1], p[5]) + math.dist(p[2], p[4])) / (2 * width) if width else 0.0

    return (one_eye(36) + one_eye(42)) / 2


def yaw(landmarks: Sequence[tuple[float, float]]) -> float:
    """Where the nose tip sits between the ends of the jaw, 0 (at the left end in the picture)
    to 1: 0.5 when the face looks at the camera, about 0.35 or 0.65 turned by 20-30 degrees."""
    left, right, nose = landmarks[0][0], landmarks[16][0], landmarks[30][0]
    return (nose - left) / (right - left) if right != left else 0.5


LIVENESS_ACTIONS = ("blink", "turn")


def liveness_action(check_id: str) -> str:
    """The action a face check asks for, drawn from its id (so the same check always asks the
    same) and unknown to a client before the check is raised."""
    digest = hashlib.sha256(f"liveness:{check_id}".encode()).digest()
    return LIVENESS_ACTIONS[digest[0] % len(LIVENESS_ACTIONS)]


BLINK_CLOSED_RATIO = 0.65  # a closed eye: below this share of the open eyes' ratio
TURN_AWAY = 0.12  # a turn: the yaw this far from where the face started
TURN_BACK = 0.05  # and back within this of it


def blinked(ratios: Sequence[float]) -> bool:
    """Whether a series of eye aspect ratios (one a frame, in order) holds a blink: open eyes,
    then a frame with them closed, then open again. A still picture (a photo held to the
    camera) keeps its ratio within a few hundredths and never blinks."""
    if len(ratios) < 3:
        return False
    open_level = float(np.median(ratios))
    closed = [i for i, ratio in enumerate(ratios) if ratio < BLINK_CLOSED_RATIO * open_level]
    if not closed:
        return False
    reopened = 0.8 * open_level
    before = any(ratio > reopened for ratio in ratios[: closed[0]])
    after = any(ratio > reopened for ratio in ratios[closed[-1] + 1 :])
    return before and after


def turned(yaws: Sequence[float]) -> bool:
    """Whether a series of yaws (one a frame) turns the head to either side and back: a frame,
    a later one turned away from it, and a later one back near it. Either side will do (a front
    camera's preview is mirrored), and the series may start anywhere; a still picture moves a
    few hundredths and never turns."""
    for i, start in enumerate(yaws):
        away = next((j for j in range(i + 1, len(yaws)) if abs(yaws[j] - start) > TURN_AWAY), None)
        if away is not None and any(abs(v - start) < TURN_BACK for v in yaws[away + 1 :]):
            return True
    return False


# --- a face check's answer: frames in order, judged against the reference ------------------

MIN_FRAMES = 5  # frames with one face that an answer needs: fewer cannot show an action
IDENTITY_FRAMES = 3  # frames compared with the reference: first, middle and last with a face


@dataclass(frozen=True)
class Reading:
    """What the model found in an answer's frames, in order: the findings (landmarks only)
    and, for up to `IDENTITY_FRAMES` of them, the face with its descriptor."""

    findings: tuple[Finding, ...]
    described: tuple[Face, ...]
    snapshot_index: int | None  # the frame to keep: the middle one compared with the reference


def read_frames(pictures: Sequence[bytes]) -> Reading:
    """Run the model over an answer's frames (slow: call it outside any transaction).
    `NotAPicture` if one of them is not a picture."""
    findings = tuple(analyse(picture, describe=False) for picture in pictures)
    with_face = [i for i, finding in enumerate(findings) if finding.face is not None]
    chosen = _spread(with_face, IDENTITY_FRAMES)
    described = tuple(face for i in chosen if (face := analyse(pictures[i]).face) is not None)
    middle = chosen[len(chosen) // 2] if chosen else None
    return Reading(findings=findings, described=described, snapshot_index=middle)


def _spread(indexes: Sequence[int], count: int) -> list[int]:
    """Up to `count` of `indexes`, evenly spread, first and last included."""
    if len(indexes) <= count:
        return list(indexes)
    step = (len(indexes) - 1) / (count - 1)
    return [indexes[round(i * step)] for i in range(count)]


def judge(
    reading: Reading, reference: Sequence[float] | None, action: str, threshold: float
) -> tuple[str, float | None]:
    """The outcome of a face-check answer (accounting.FACE_OUTCOMES) and the largest distance
    between the reference and the frames compared with it. In this order: several faces in any
    frame, no usable face, too few frames, another person, the action not seen, a match."""
    if reference is None:
        return "no_reference", None
    if any(finding.count > 1 for finding in reading.findings):
        return "several_faces", None
    faces = [finding.face for finding in reading.findings if finding.face is not None]
    if not faces:
        small = any(finding.count == 1 for finding in reading.findings)
        return ("face_too_small" if small else "no_face"), None
    if len(faces) < MIN_FRAMES or not reading.described:
        return "no_face", None
    far = max(distance(face.descriptor or (), reference) for face in reading.described)
    if far > threshold:
        return "mismatch", far
    if action == "blink":
        live = blinked([face.eye_aspect_ratio for face in faces])
    else:
        live = turned([face.yaw for face in faces])
    return ("match" if live else "not_live"), far


# --- pictures and models ------------------------------------------------------------------


def _pixels(data: bytes) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG") or image.width * image.height > MAX_PIXELS:
                raise NotAPicture(image.format or "unknown")
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise NotAPicture(str(error)) from error
    upright.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    return np.asarray(upright)


@dataclass(frozen=True)
class _Models:
    detector: Any
    five_points: Any
    sixty_eight_points: Any
    describer: Any


@cache
def _models() -> _Models:
    import dlib  # imported here: a process that never checks a face never loads it

    folder = model_folder()
    return _Models(
        detector=dlib.get_frontal_face_detector(),
        five_points=dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat")),
        sixty_eight_points=dlib.shape_predictor(
            str(folder / "shape_predictor_68_face_landmarks.dat")
        ),
        describer=dlib.face_recognition_model_v1(
            str(folder / "dlib_face_recognition_resnet_model_v1.dat")
        ),
    )


def model_folder() -> Path:
    """Where the face-recognition-models package keeps its weights. Found without importing
    the package, whose `__init__` needs `pkg_resources` (gone from setuptools 82)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face-recognition-models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"
