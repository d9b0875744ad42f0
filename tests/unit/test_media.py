"""Tests for learning.media: probing uploaded videos and writing poster frames."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import pytest

from learning.media import NotAVideo, VideoInfo, poster_frame, probe_video

DEMO_MEDIA = Path(__file__).resolve().parents[2] / "learning" / "demo" / "media"
# Durations the demo videos were generated with (scripts/make_demo_videos.py).
DEMO_DURATIONS_S = {
    "intro": 75,
    "accounting-basics": 150,
    "mrv": 120,
    "trading": 90,
    "quota-management": 60,
    "lecture": 45 * 60,
}


def _encoder(*names: str) -> str | None:
    """Return the first of ``names`` that this PyAV build can encode with, or None."""
    for name in names:
        try:
            av.Codec(name, "w")
        except av.codec.codec.UnknownCodecError:
            continue
        return name
    return None


def _write_video(
    path: Path,
    codec: str,
    container_format: str,
    seconds: float = 3.0,
    options: dict[str, str] | None = None,
) -> None:
    """Encode ``seconds`` of a small grey 10 fps video into ``path``."""
    with av.open(str(path), "w", format=container_format, options=options or {}) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(round(seconds * 10)):
            frame = av.VideoFrame(64, 48, "yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def test_demo_media_ships_every_video() -> None:
    assert sorted(path.stem for path in DEMO_MEDIA.glob("*.webm")) == sorted(DEMO_DURATIONS_S)


@pytest.mark.parametrize("stem", sorted(DEMO_DURATIONS_S))
def test_demo_video_probes_to_its_duration(stem: str) -> None:
    info = probe_video(DEMO_MEDIA / f"{stem}.webm")
    assert abs(info.duration_s - DEMO_DURATIONS_S[stem]) <= 1
    assert (info.container, info.mime_type) == ("webm", "video/webm")
    assert (info.width, info.height) == (320, 180)


def test_lecture_video_lasts_exactly_45_minutes() -> None:
    info = probe_video(DEMO_MEDIA / "lecture.webm")
    assert info == VideoInfo(
        duration_s=2700, container="webm", width=320, height=180, mime_type="video/webm"
    )


def test_lecture_video_has_a_keyframe_every_10_seconds() -> None:
    # Seeking a 45-minute video must not decode from far back (the script's Encoding).
    with av.open(str(DEMO_MEDIA / "lecture.webm")) as container:
        keyframes = [
            float(packet.pts * packet.time_base)
            for packet in container.demux(video=0)
            if packet.is_keyframe and packet.pts is not None
        ]
    assert keyframes[0] == 0
    assert max(b - a for a, b in itertools.pairwise(keyframes)) <= 10
    assert keyframes[-1] >= 2700 - 10


def test_text_file_named_webm_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "lecture.webm"
    fake.write_text("These are my notes, not a video.\n" * 20)
    with pytest.raises(NotAVideo, match="not a WebM or MP4"):
        probe_video(fake)


def test_empty_file_is_not_a_video(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(NotAVideo, match="empty"):
        probe_video(empty)


def test_truncated_webm_is_not_a_video(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.webm"
    truncated.write_bytes((DEMO_MEDIA / "intro.webm").read_bytes()[:2048])
    with pytest.raises(NotAVideo):
        probe_video(truncated)


def test_webm_cut_in_half_is_not_a_video(tmp_path: Path) -> None:
    data = (DEMO_MEDIA / "mrv.webm").read_bytes()
    half = tmp_path / "half.webm"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotAVideo, match="ends early"):
        probe_video(half)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe_video(tmp_path / "nowhere.webm")


def test_h264_mp4_probes(tmp_path: Path) -> None:
    encoder = _encoder("libx264", "h264")
    if encoder is None:
        pytest.skip("this PyAV build has no H.264 encoder (libx264) to make a test MP4")
    video = tmp_path / "clip.bin"  # the name says nothing: the type comes from the content
    _write_video(video, encoder, "mp4", seconds=3.5)
    assert probe_video(video) == VideoInfo(
        duration_s=3, container="mp4", width=64, height=48, mime_type="video/mp4"
    )


def test_hevc_mp4_is_refused(tmp_path: Path) -> None:
    encoder = _encoder("libx265", "hevc")
    if encoder is None:
        pytest.skip("this PyAV build has no HEVC encoder (libx265) to make a test MP4")
    video = tmp_path / "clip.mp4"
    _write_video(video, encoder, "mp4")
    with pytest.raises(NotAVideo, match="HEVC"):
        probe_video(video)


def test_vp9_in_mp4_is_refused(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    _write_video(video, "libvpx-vp9", "mp4")
    with pytest.raises(NotAVideo, match=r"codec \(VP9\)"):
        probe_video(video)


def test_matroska_is_refused(tmp_path: Path) -> None:
    video = tmp_path / "clip.webm"
    _write_video(video, "libvpx", "matroska")
    with pytest.raises(NotAVideo, match="Matroska"):
        probe_video(video)


def test_audio_only_webm_is_refused(tmp_path: Path) -> None:
    audio_only = tmp_path / "sound.webm"
    with av.open(str(audio_only), "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48_000, layout="mono")
        for index in range(50):
            frame = av.AudioFrame(format="s16", layout="mono", samples=960)
            frame.planes[0].update(bytes(960 * 2))
            frame.sample_rate, frame.pts = 48_000, index * 960
            frame.time_base = Fraction(1, 48_000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with pytest.raises(NotAVideo, match="no video track"):
        probe_video(audio_only)


def test_webm_without_duration_header_is_measured(tmp_path: Path) -> None:
    live = tmp_path / "live.webm"
    _write_video(live, "libvpx", "webm", seconds=4.5, options={"live": "1"})
    with av.open(str(live)) as container:
        assert container.duration is None  # the case under test: no duration is recorded
    assert probe_video(live).duration_s == 4


def test_short_video_lasts_at_least_one_second(tmp_path: Path) -> None:
    short = tmp_path / "short.webm"
    _write_video(short, "libvpx", "webm", seconds=0.5)
    assert probe_video(short).duration_s == 1


def test_poster_frame_writes_png(tmp_path: Path) -> None:
    poster = tmp_path / "poster.png"
    poster_frame(DEMO_MEDIA / "trading.webm", poster, at_s=5.0)
    assert poster.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with av.open(str(poster)) as image:
        frame = next(image.decode(video=0))
    assert (frame.width, frame.height) == (320, 180)


def test_poster_frame_past_the_end_uses_last_frame(tmp_path: Path) -> None:
    poster = tmp_path / "poster.png"
    poster_frame(DEMO_MEDIA / "quota-management.webm", poster, at_s=10_000)
    assert poster.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_poster_frame_of_text_file_raises(tmp_path: Path) -> None:
    fake = tmp_path / "notes.webm"
    fake.write_text("not a video\n")
    with pytest.raises(NotAVideo):
        poster_frame(fake, tmp_path / "poster.png")
