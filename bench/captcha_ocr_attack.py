"""Attack the Security Key picture with off-the-shelf OCR: tesseract, with sensible preprocessing.

    .venv/bin/python bench/captcha_ocr_attack.py                      # 200 fresh, 1x and 2x
    .venv/bin/python bench/captcha_ocr_attack.py --target simple-captcha  # calibration

Each challenge is tried in several preprocessings (grey, Otsu threshold on the ink colour,
that plus median and opening, each upscaled 3x) and page-segmentation modes (7 one line,
8 one word, 13 raw line), with a whitelist of the alphabet. A challenge counts as solved if
ANY of those readings is the answer, which is kinder to the bot than a bot can be (it has
one try); a second figure counts only the most frequent reading.

Needs the tesseract binary (Debian: tesseract-ocr) and bench/requirements-captcha.txt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))

from captcha_ml_attack import TARGETS, cpu_seconds, machine, otsu, write_section  # noqa: E402

PSMS = (7, 8, 13)


def preprocessings(png: bytes) -> list[Image.Image]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    rgb = ndimage.median_filter(np.asarray(image, dtype=float), size=(3, 3, 1))
    gray = rgb.mean(axis=2)
    ink = rgb[gray <= np.percentile(gray, 3)].mean(axis=0)
    dist = np.sqrt(((rgb - ink) ** 2).sum(axis=2))
    binary = dist < otsu(dist)
    opened = ndimage.binary_opening(binary, structure=np.ones((2, 2)))
    labels, n = ndimage.label(opened)
    if n:
        sizes = ndimage.sum(opened, labels, range(1, n + 1))
        opened = np.isin(labels, 1 + np.flatnonzero(sizes >= 20))
    out = []
    for arr in (gray.astype(np.uint8), np.where(binary, 0, 255), np.where(opened, 0, 255)):
        img = Image.fromarray(np.asarray(arr, dtype=np.uint8))
        img = img.resize((img.width * 3, img.height * 3), Image.Resampling.LANCZOS)
        # A white margin helps tesseract find the line.
        framed = Image.new("L", (img.width + 40, img.height + 40), 255)
        framed.paste(img, (20, 20))
        out.append(framed)
    return out


def tesseract(image: Image.Image, psm: int, whitelist: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        image.save(f.name)
        result = subprocess.run(
            [
                "tesseract",
                f.name,
                "stdout",
                "--psm",
                str(psm),
                "-l",
                "eng",
                "-c",
                f"tessedit_char_whitelist={whitelist}",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    return "".join(result.stdout.split()).upper()


def _attack(args) -> tuple[str, list[str]]:
    target, seed = args
    generate, alphabet = TARGETS[target]
    answer, png = generate(random.Random(seed))
    readings = [tesseract(img, psm, alphabet) for img in preprocessings(png) for psm in PSMS]
    return answer, readings


def run(target: str, test: int, seed: int | None, workers: int) -> dict:
    started, cpu_started = time.perf_counter(), cpu_seconds()
    base = seed if seed is not None else random.SystemRandom().randrange(2**32)
    with Pool(workers) as pool:
        results = pool.map(_attack, [(target, base + i) for i in range(test)], chunksize=4)
    any_right = sum(answer in readings for answer, readings in results)
    vote_right = sum(
        Counter(r for r in readings if r).most_common(1)[0][0] == answer if any(readings) else False
        for answer, readings in results
    )
    return {
        "target": target,
        "test": test,
        "any": any_right,
        "vote": vote_right,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "examples": [f"{a}->{Counter(r).most_common(1)[0][0]}" for a, r in results[:8]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--target",
        default="ours,ours-2x",
        help=f"comma-separated, of {', '.join(sorted(TARGETS))}, or all",
    )
    parser.add_argument("--test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file
    if not shutil.which("tesseract"):
        sys.exit("tesseract is not installed (Debian: apt-get install tesseract-ocr).")
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    version = (version.stdout or version.stderr).splitlines()[0]

    targets = sorted(TARGETS) if args.target == "all" else args.target.split(",")
    unknown = set(targets) - set(TARGETS)
    if unknown:
        sys.exit(f"unknown target(s) {sorted(unknown)}: choose from {sorted(TARGETS)}")
    rows = []
    for target in targets:
        r = run(target, args.test, args.seed, args.workers)
        print(
            f"{target}: solved by any of {3 * len(PSMS)} readings {r['any']}/{r['test']} = "
            f"{100 * r['any'] / r['test']:.1f} %, by the most frequent reading {r['vote']}/"
            f"{r['test']} = {100 * r['vote'] / r['test']:.1f} %, {r['seconds']:.0f} s wall, "
            f"{r['cpu_seconds']:.0f} s CPU"
        )
        print("  e.g. " + " ".join(r["examples"]))
        rows.append(
            f"| {target} | {r['test']} | **{100 * r['any'] / r['test']:.1f} %** ({r['any']}/"
            f"{r['test']}) | {100 * r['vote'] / r['test']:.1f} % ({r['vote']}/{r['test']}) | "
            f"{r['seconds']:.0f} s wall, {r['cpu_seconds']:.0f} s CPU |"
        )
    if not args.no_write:
        write_section(
            "ocr",
            f"### OCR bot ({version})\n\n"
            f"`{' '.join(['python', 'bench/captcha_ocr_attack.py'] + sys.argv[1:])}` on "
            f"{dt.date.today().isoformat()}; {machine()}.\n"
            f"3 preprocessings (grey, ink-colour Otsu, plus median and opening; 3x upscale) x "
            f"psm {', '.join(map(str, PSMS))}, alphabet whitelist.\n\n"
            "| target | fresh challenges | solved by any reading | solved by the most frequent "
            "reading | run time |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        )


if __name__ == "__main__":
    main()
