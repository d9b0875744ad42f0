"""What a face check costs the server: loading the models, analysing a camera picture, and a
whole check answer (the player's 30 frames), against decoding the same pictures with Pillow in
the same run.

    .venv/bin/python -m bench.faces

Pictures: scikit-image's astronaut portrait (512x512) as a 640x480 camera frame and as a
600x800 upload, JPEG quality 85; for the answer, her head as a 480x360 selfie (the face about
160 px high, as at arm's length), 30 frames moved a pixel or two, as the player sends them.
Prints the median of `--runs` after a warm-up, with the process's resident memory before and
after the models load.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import time

from PIL import Image
from skimage import data as pictures

from learning import faces


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _frames() -> dict[str, bytes]:
    portrait = Image.fromarray(pictures.astronaut())
    camera = Image.new("RGB", (640, 480), (40, 40, 40))
    camera.paste(portrait.resize((480, 480)), (80, 0))
    return {
        "640x480 camera frame": _jpeg(camera),
        "600x800 upload": _jpeg(portrait.resize((600, 800))),
    }


def _answer_frames(count: int = 30) -> list[bytes]:
    head = Image.fromarray(pictures.astronaut()).crop((100, 0, 356, 192)).resize((480, 360))
    return [
        _jpeg(head.transform(head.size, Image.Transform.AFFINE, (1, 0, i % 3 - 1, 0, 1, i % 2)))
        for i in range(count)
    ]


def _median(work, runs: int) -> float:
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    frames = _frames()
    before = _rss_mb()
    started = time.perf_counter()
    faces._models()
    print(
        f"models loaded in {time.perf_counter() - started:.2f} s; "
        f"peak RSS {before:.0f} MB before, {_rss_mb():.0f} MB after"
    )
    for name, data in frames.items():
        decode = _median(lambda data=data: Image.open(io.BytesIO(data)).convert("RGB"), args.runs)
        check = _median(lambda data=data: faces.analyse(data), args.runs)
        assert faces.analyse(data).problem is None, name
        print(
            f"{name}: analyse {check * 1000:.0f} ms median of {args.runs} "
            f"= {check / decode:.0f} x decoding it ({decode * 1000:.1f} ms)"
        )
    _answer(args.runs)


def _answer(runs: int) -> None:
    """A check answer: every frame's landmarks, three descriptors, the judgement."""
    frames = _answer_frames()
    reference = faces.analyse(frames[0]).face
    assert reference is not None and reference.descriptor is not None
    decode = _median(lambda: [Image.open(io.BytesIO(f)).convert("RGB") for f in frames], runs)

    def answer() -> str:
        return faces.judge(faces.read_frames(frames), reference.descriptor, "blink", 0.5)[0]

    took = _median(answer, runs)
    size_kb = sum(len(frame) for frame in frames) / 1024
    print(
        f"check answer, {len(frames)} frames 480x360 ({size_kb:.0f} KB): {took * 1000:.0f} ms "
        f"median of {runs} = {took / decode:.0f} x decoding them ({decode * 1000:.1f} ms); "
        f"judged {answer()!r} (a still picture: no blink)"
    )


if __name__ == "__main__":
    main()
