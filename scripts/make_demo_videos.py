"""Regenerate the demo course videos shipped in ``learning/demo/media/``.

The demo seeder uses these small WebM files as the course videos of a carbon emission
manager (碳排放管理员) training. They are checked in, so this script only needs to run
when they should change; the app never imports it. Reruns write byte-identical files.

There are five short lessons (1-2.5 minutes) and one generic 45-minute ``lecture``
that the seeder registers under many lecture titles. Each video is VP9 at 320x180 with
the cues (seek index) at the front, so seeking is quick, plus a silent mono Opus track.
The short lessons are 10 fps with a keyframe every 4 seconds; the lecture, to stay
small (about 1.2 MB), is 2 fps at a coarser quality with a keyframe every 10 seconds
(see ``Encoding``). Every frame shows a coloured background, the lesson's title, a
running "mm:ss / mm:ss" clock and a progress bar, so a person (or a screenshot) can
tell that the video plays and where it is.

Needs, for generation only::

    pip install av pillow

and the DejaVu Sans Bold font (Debian package ``fonts-dejavu-core``); the Chinese
subtitle line is drawn when Noto Sans CJK (``fonts-noto-cjk``) is installed too.

Usage::

    python scripts/make_demo_videos.py [--out learning/demo/media] [STEM ...]

where the optional stems (e.g. ``lecture``) limit the run to those videos.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 320, 180
SAMPLE_RATE = 48_000
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FACE = "Noto Sans CJK SC"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "learning" / "demo" / "media"


@dataclass(frozen=True)
class Encoding:
    """How a video is encoded: frame rate, keyframe spacing, quality and audio packets."""

    fps: int = 10
    keyframe_every_s: int = 4
    crf: int = 42  # VP9 constant quality, 0 (best) to 63 (smallest)
    audio_frame_ms: int = 20  # Opus frame duration; longer frames mean fewer packets
    audio_bit_rate: int = 6_000


SHORT = Encoding()
# The 45-minute lecture must stay small. Its clock only changes once a second, so 2 fps
# is plenty; keyframes (the bulk of the file) come every 10 s at a coarser quality, and
# the silent audio goes in 120 ms Opus packets at the lowest bitrate (2 bytes each).
LONG = Encoding(fps=2, keyframe_every_s=10, crf=60, audio_frame_ms=120, audio_bit_rate=500)


@dataclass(frozen=True)
class Lesson:
    """One demo video: its file stem, what it shows, how long it runs and its encoding."""

    stem: str
    title: str
    subtitle_zh: str
    duration_s: int
    background: tuple[int, int, int]
    encoding: Encoding = SHORT


LESSONS = (
    Lesson("intro", "Course Introduction", "课程导学", 75, (27, 94, 32)),
    Lesson("accounting-basics", "GHG Accounting Basics", "温室气体核算基础", 150, (21, 101, 192)),
    Lesson("mrv", "Monitoring, Reporting,\nVerification", "监测、报告与核查", 120, (106, 27, 154)),
    Lesson("trading", "Carbon Emission Trading", "碳排放权交易", 90, (191, 54, 12)),
    Lesson("quota-management", "Allowance Management", "配额管理与清缴", 60, (0, 105, 92)),
    # One generic lecture, registered by the demo seeder under many titles (第1讲, 第2讲, ...).
    Lesson("lecture", "Course Lecture", "碳排放管理员培训 · 课程讲座", 45 * 60, (55, 71, 79), LONG),
)


def cjk_font(size: int) -> ImageFont.FreeTypeFont | None:
    """Return the simplified-Chinese face of Noto Sans CJK, or None if it is not installed."""
    if not CJK_FONT.exists():
        return None
    index = 0
    while True:
        try:
            font = ImageFont.truetype(str(CJK_FONT), size, index=index)
        except OSError:
            return None
        if font.getname()[0] == CJK_FACE:
            return font
        index += 1


def clock(seconds: int) -> str:
    """Format whole seconds as mm:ss."""
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def background_image(lesson: Lesson) -> Image.Image:
    """Draw the parts of a frame that never change: background, titles and bar outline."""
    image = Image.new("RGB", (WIDTH, HEIGHT), lesson.background)
    draw = ImageDraw.Draw(image)
    small = ImageFont.truetype(str(LATIN_FONT), 11)
    title = ImageFont.truetype(str(LATIN_FONT), 20)
    draw.text((10, 8), "Carbon Emission Manager Training", font=small, fill=(230, 230, 230))
    draw.multiline_text((10, 28), lesson.title, font=title, fill="white", spacing=2)
    zh = cjk_font(16)
    if zh is not None:
        draw.text((10, 84), lesson.subtitle_zh, font=zh, fill=(230, 230, 230))
    draw.rectangle((10, 160, WIDTH - 10, 168), outline="white")
    return image


def render_frames(lesson: Lesson):
    """Yield one PIL image per video frame of the lesson."""
    base = background_image(lesson)
    big = ImageFont.truetype(str(LATIN_FONT), 30)
    fps = lesson.encoding.fps
    total = clock(lesson.duration_s)
    frame_count = lesson.duration_s * fps
    bar_width = WIDTH - 24
    for index in range(frame_count):
        image = base.copy()
        draw = ImageDraw.Draw(image)
        draw.text((10, 112), f"{clock(index // fps)} / {total}", font=big, fill="white")
        filled = round(bar_width * (index + 1) / frame_count)
        draw.rectangle((12, 162, 12 + filled, 166), fill="white")
        yield image


def write_video(lesson: Lesson, path: Path) -> None:
    """Encode one lesson as a WebM file (VP9 video, silent Opus audio) at ``path``."""
    # Cues (the seek index) go before the clusters, so a browser can seek without first
    # fetching the end of the file; bitexact makes reruns write byte-identical files.
    encoding = lesson.encoding
    options = {"cues_to_front": "1", "fflags": "+bitexact"}
    with av.open(str(path), "w", format="webm", options=options) as container:
        video = container.add_stream("libvpx-vp9", rate=encoding.fps)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = 0  # constant quality: the bitrate comes from crf
        video.codec_context.gop_size = encoding.fps * encoding.keyframe_every_s
        video.options = {
            "crf": str(encoding.crf),
            "deadline": "good",
            "cpu-used": "2",
            "row-mt": "1",
        }
        audio = container.add_stream("libopus", rate=SAMPLE_RATE, layout="mono")
        audio.bit_rate = encoding.audio_bit_rate
        audio.options = {"frame_duration": str(encoding.audio_frame_ms)}
        audio_frame_samples = SAMPLE_RATE * encoding.audio_frame_ms // 1000

        # Interleave the streams: each video frame is followed by the audio it spans.
        silence = bytes(audio_frame_samples * 2)  # s16 mono
        audio_pts = 0
        for index, image in enumerate(render_frames(lesson)):
            frame = av.VideoFrame.from_image(image)
            frame.pts, frame.time_base = index, Fraction(1, encoding.fps)
            container.mux(video.encode(frame))
            while audio_pts < (index + 1) * SAMPLE_RATE // encoding.fps:
                sound = av.AudioFrame(format="s16", layout="mono", samples=audio_frame_samples)
                sound.planes[0].update(silence)
                sound.sample_rate, sound.pts = SAMPLE_RATE, audio_pts
                sound.time_base = Fraction(1, SAMPLE_RATE)
                container.mux(audio.encode(sound))
                audio_pts += audio_frame_samples
        container.mux(video.encode())
        container.mux(audio.encode())


def main() -> None:
    """Write the lessons' videos (all, or the named ones) to the output folder; print sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("stems", nargs="*", help="only write these videos (default: all)")
    args = parser.parse_args()
    known = [lesson.stem for lesson in LESSONS]
    if unknown := set(args.stems) - set(known):
        parser.error(f"unknown video {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for lesson in LESSONS:
        if args.stems and lesson.stem not in args.stems:
            continue
        path = out / f"{lesson.stem}.webm"
        write_video(lesson, path)
        print(f"{path}: {lesson.duration_s} s, {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
