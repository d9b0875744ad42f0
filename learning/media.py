"""Check that a file is a video browsers can play, read its length and grab a poster frame.

The type is decided by the file's content, never by its name: WebM starts with an EBML
header whose DocType is ``webm``, MP4 with an ISO base media ``ftyp`` box. PyAV then reads
the streams, so only codecs that browsers decode natively in that container are accepted.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction

import av
from av.container import InputContainer
from av.video.stream import VideoStream

_HEAD_BYTES = 4096
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE_ID = 0x4282
_MIME_TYPES = {"webm": "video/webm", "mp4": "video/mp4"}
_DISPLAY_NAMES = {"webm": "WebM", "mp4": "MP4"}
# Video codecs (FFmpeg's canonical names) that browsers play in each container.
_PLAYABLE_CODECS = {"webm": frozenset({"vp8", "vp9", "av1"}), "mp4": frozenset({"h264", "av1"})}
_CODEC_ADVICE = "Please convert it to H.264 in an MP4 file, or VP9 in a WebM file."


class NotAVideo(ValueError):
    """The file is not a video browsers can play. `reason` names why and `params` fill it in,
    for the words in the reader's language (`learning.texts.messages`); the message says the
    same in plain English, for logs and the command line."""

    def __init__(self, reason: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class VideoInfo:
    """What the app needs to know about a playable video file."""

    duration_s: int  # whole seconds, rounded down, at least 1
    container: str  # "webm" | "mp4"
    width: int
    height: int
    mime_type: str


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Check that ``path`` holds a WebM or MP4 video browsers can play and describe it.

    Raises NotAVideo, with a message for the person who supplied the file, when the
    content is not WebM/MP4, has no video stream, uses a codec browsers cannot play,
    is damaged or cut short, or has no length. A missing file raises FileNotFoundError.
    """
    with open(path, "rb") as file:
        container_kind = _sniff_container(file.read(_HEAD_BYTES))
    try:
        with av.open(os.fspath(path)) as container:
            stream = _playable_video_stream(container, container_kind)
            _decode_first_frame(container, stream)
            seconds = _duration_seconds(container, stream)
            if seconds <= 0:
                raise NotAVideo("no_length", "The video has no length (its duration is zero).")
            _check_reaches(container, stream, seconds)
            width, height = stream.codec_context.width, stream.codec_context.height
    except av.FFmpegError as error:
        raise NotAVideo(
            "unreadable", "The file could not be read; it may be damaged or incomplete."
        ) from error
    return VideoInfo(
        duration_s=max(1, math.floor(seconds)),
        container=container_kind,
        width=width,
        height=height,
        mime_type=_MIME_TYPES[container_kind],
    )


def poster_frame(
    path: str | os.PathLike[str], out_png_path: str | os.PathLike[str], at_s: float = 1.0
) -> None:
    """Write the frame shown at ``at_s`` seconds (the last frame if the video is shorter) as PNG.

    The PNG is encoded by PyAV's own PNG encoder, so this needs no imaging library.
    Raises NotAVideo if the file has no decodable video frame.
    """
    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video:
                raise NotAVideo("no_video_track", "The file has no video track.")
            stream = container.streams.video[0]
            container.seek(int(max(0.0, at_s) * av.time_base))
            chosen: av.VideoFrame | None = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is not None and frame.time >= at_s:
                    break
            if chosen is None:
                raise NotAVideo("no_frame", "The video has no frame that can be shown.")
            encoder = av.CodecContext.create("png", "w")
            encoder.width, encoder.height = chosen.width, chosen.height
            encoder.pix_fmt = "rgb24"
            encoder.time_base = Fraction(1, 1)
            packets = [*encoder.encode(chosen.reformat(format="rgb24")), *encoder.encode()]
            png = b"".join(bytes(packet) for packet in packets)
    except av.FFmpegError as error:
        raise NotAVideo(
            "unreadable", "The file could not be read; it may be damaged or incomplete."
        ) from error
    with open(out_png_path, "wb") as out:
        out.write(png)


def _sniff_container(head: bytes) -> str:
    """Return "webm" or "mp4" from the first bytes of a file, or raise NotAVideo."""
    if not head:
        raise NotAVideo("empty", "The file is empty.")
    if head.startswith(_EBML_MAGIC):
        doctype = _ebml_doctype(head)
        if doctype == "webm":
            return "webm"
        if doctype == "matroska":
            raise NotAVideo(
                "matroska",
                "The file is a Matroska (MKV) video, which browsers do not play. "
                "Please convert it to WebM or MP4.",
            )
        raise NotAVideo(
            "webm_header", "The file is not a WebM or MP4 video (its WebM header is damaged)."
        )
    if head[4:8] == b"ftyp":
        return "mp4"
    raise NotAVideo("not_webm_or_mp4", "The file is not a WebM or MP4 video.")


def _ebml_doctype(head: bytes) -> str | None:
    """Return the DocType in the EBML header that starts ``head``, or None if there is none."""
    _, pos = _read_vint(head, 0, keep_marker=True)  # the EBML header's ID
    size, pos = _read_vint(head, pos, keep_marker=False)
    end = min(pos + size, len(head))
    while pos < end:
        element_id, pos = _read_vint(head, pos, keep_marker=True)
        size, pos = _read_vint(head, pos, keep_marker=False)
        if element_id == _EBML_DOCTYPE_ID:
            return head[pos : pos + size].rstrip(b"\0").decode("ascii", errors="replace")
        pos += size
    return None


def _read_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """Read an EBML variable-length integer at ``pos``; return it and the position after it.

    Element IDs keep their length-marker bit (``keep_marker``), sizes drop it. At the end
    of ``data``, or on an invalid zero byte, it returns ``(len(data), len(data))`` so that
    the caller's walk through the header stops.
    """
    if pos >= len(data) or data[pos] == 0:
        return len(data), len(data)
    length = 9 - data[pos].bit_length()
    value = int.from_bytes(data[pos : pos + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, pos + length


def _playable_video_stream(container: InputContainer, container_kind: str) -> VideoStream:
    """Return the first video stream; raise NotAVideo if there is none or browsers can't play it."""
    if not container.streams.video:
        raise NotAVideo("no_video_track", "The file has no video track.")
    stream = container.streams.video[0]
    # PyAV leaves codec_context unset when FFmpeg has no decoder for the stream.
    codec = stream.codec_context.codec.canonical_name if stream.codec_context else "unknown"
    if codec == "hevc":
        raise NotAVideo(
            "hevc",
            "The video uses the HEVC (H.265) codec, which many browsers cannot play. "
            + _CODEC_ADVICE,
        )
    if codec not in _PLAYABLE_CODECS[container_kind]:
        raise NotAVideo(
            "codec",
            f"The video's codec ({codec.upper()}) is not one browsers play "
            f"in {_DISPLAY_NAMES[container_kind]} files. {_CODEC_ADVICE}",
            codec=codec.upper(),
            container=_DISPLAY_NAMES[container_kind],
        )
    return stream


def _decode_first_frame(container: InputContainer, stream: VideoStream) -> None:
    """Decode the first video frame, or raise NotAVideo if the file holds none."""
    for _ in container.decode(stream):
        return
    raise NotAVideo(
        "no_frame", "The video has no frame that can be shown; it may be damaged or incomplete."
    )


def _duration_seconds(container: InputContainer, stream: VideoStream) -> Fraction:
    """Return the video's length in seconds.

    Uses the container's duration, else the video stream's; when neither is recorded (as
    with WebM written by some live encoders), reads every video packet to find where the
    last one ends.
    """
    if container.duration is not None:
        return Fraction(container.duration, av.time_base)
    time_base = stream.time_base
    if time_base is None:  # no unit for its timestamps: no length to be had
        return Fraction(0)
    if stream.duration is not None:
        return stream.duration * time_base
    container.seek(0)
    first_pts: int | None = None
    end_pts = 0
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        if first_pts is None:
            first_pts = packet.pts
        end_pts = max(end_pts, packet.pts + (packet.duration or 0))
    if first_pts is None:
        return Fraction(0)
    return (end_pts - first_pts) * time_base


def _check_reaches(container: InputContainer, stream: VideoStream, seconds: Fraction) -> None:
    """Raise NotAVideo unless there is video data near the end of the stated duration."""
    container.seek(int(max(Fraction(0), seconds - 1) * av.time_base))
    for packet in container.demux(stream):
        if packet.pts is not None and packet.size > 0:
            return
    raise NotAVideo(
        "ends_early",
        "The video ends early; the file may be incomplete (was the upload cut off?).",
    )
