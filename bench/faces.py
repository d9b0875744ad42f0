"""What a face check costs the server: loading the models, analysing a camera picture, and a
liveness frame, against decoding the same picture with Pillow in the same run.

    .venv/bin/python -m bench.faces

Pictures: scikit-image's astronaut portrait (512x512) as a 640x480 camera frame and as a
600x800 upload, JPEG quality 85. Prints the median of `--runs` after a warm-up, with the
process's resident memory before and after the models load.
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


if __name__ == "__main__":
    main()
