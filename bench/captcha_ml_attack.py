"""Attack the Security Key picture the way a bot would: clean, segment, classify.

The bot renders a few thousand challenges with our own generator (it knows their answers),
learns a glyph classifier from them, then reads fresh challenges it has never seen.

    .venv/bin/python bench/captcha_ml_attack.py                        # our captcha, 200 fresh
    .venv/bin/python bench/captcha_ml_attack.py --target simple-captcha     # calibration
    .venv/bin/python bench/captcha_ml_attack.py --target simple-captcha-2x  # calibration

Calibration: the same bot against stock django-simple-captcha images (its defaults: Vera,
size 22, 4 letters A-Z, rotation -35..35, noise arcs and dots, smooth filter). With the package
installed (pip install django-simple-captcha) its own _captcha_image() draws them; without it a
copy of its defaults is drawn with DejaVu Sans (a Vera derivative) and the output says so.
A bot that cannot read those images would say nothing about ours.

Extra requirements: bench/requirements-captcha.txt. Results go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import re
import resource
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdesk.captcha.image import ALPHABET, random_answer, render_challenge  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from _report import machine  # noqa: E402

CROP = 24  # glyph crops are normalised to CROP x CROP


# ---------------------------------------------------------------- targets


def ours(rng: random.Random) -> tuple[str, bytes]:
    answer = random_answer(rng)
    return answer, render_challenge(answer, rng=rng)


SC_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_sc_real = None


def _simple_captcha_real():
    """django-simple-captcha's own image function, with its default settings, if installed."""
    global _sc_real
    if _sc_real is None:
        try:
            import django
            from django.conf import settings

            if not settings.configured:
                settings.configure(INSTALLED_APPS=["captcha"], DATABASES={}, USE_TZ=True)
                django.setup()
            from captcha.views import _captcha_image

            _sc_real = _captcha_image
        except ImportError:
            _sc_real = False
    return _sc_real


def _simple_captcha_copy(text: str, scale: int, rng: random.Random) -> bytes:
    """django-simple-captcha 0.7.0 _captcha_image() with default settings, drawn by hand."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22 * scale)

    def getsize(t):
        left, top, right, bottom = font.getbbox(t)
        return right - top, bottom - left  # sic: the package swaps them the same way

    w, h = getsize(text)
    size = (w * 2, int(h * 1.4))
    image = Image.new("RGB", size, "#ffffff")
    xpos = 2
    for char in text:
        fg = Image.new("RGB", size, "#001100")
        charimage = Image.new("L", getsize(f" {char} "), "#000000")
        ImageDraw.Draw(charimage).text((0, 0), f" {char} ", font=font, fill="#ffffff")
        charimage = charimage.rotate(rng.randrange(-35, 35), expand=0, resample=Image.BICUBIC)
        charimage = charimage.crop(charimage.getbbox())
        mask = Image.new("L", size)
        mask.paste(charimage, (xpos, 4, xpos + charimage.size[0], 4 + charimage.size[1]))
        image = Image.composite(fg, image, mask)
        xpos = xpos + 2 + charimage.size[0]
    image = image.crop((0, 0, xpos + 1, size[1]))
    draw = ImageDraw.Draw(image)
    sw, sh = image.size
    draw.arc([-20, -20, sw, 20], 0, 295, fill="#001100")
    draw.line([-20, 20, sw + 20, sh - 20], fill="#001100")
    draw.line([-20, 0, sw + 20, sh], fill="#001100")
    for _ in range(int(sw * sh * 0.1)):
        draw.point((rng.randint(0, sw), rng.randint(0, sh)), fill="#001100")
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def simple_captcha(rng: random.Random, scale: int = 1) -> tuple[str, bytes]:
    text = "".join(rng.choice(SC_ALPHABET) for _ in range(4))
    real = _simple_captcha_real()
    if real:
        import types

        # The package seeds the global random per image; seed it from our rng instead.
        random.seed(rng.random())
        response = real(types.SimpleNamespace(challenge=text), scale)
        return text, response.content
    return text, _simple_captcha_copy(text, scale, rng)


def simple_captcha_2x(rng: random.Random) -> tuple[str, bytes]:
    return simple_captcha(rng, scale=2)


TARGETS = {
    "ours": (ours, ALPHABET),
    "simple-captcha": (simple_captcha, SC_ALPHABET),
    "simple-captcha-2x": (simple_captcha_2x, SC_ALPHABET),
}


# ---------------------------------------------------------------- cleaning


def otsu(values: np.ndarray) -> float:
    hist, edges = np.histogram(values, bins=256)
    hist = hist.astype(float)
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centers)
    mean0 = m0 / np.maximum(w0, 1)
    mean1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mean0 - mean1) ** 2
    return float(centers[np.argmax(between)])


def clean(png: bytes) -> np.ndarray:
    """Binary ink mask (True = ink) with noise removed."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    rgb = ndimage.median_filter(rgb, size=(3, 3, 1))
    gray = rgb.mean(axis=2)
    # Text is drawn in one colour: estimate it from the darkest pixels and keep what is near it.
    dark = gray <= np.percentile(gray, 3)
    ink = rgb[dark].mean(axis=0)
    dist = np.sqrt(((rgb - ink) ** 2).sum(axis=2))
    binary = dist < otsu(dist)
    # Thin lines and dots go; strokes survive a 2x2 opening.
    binary = ndimage.binary_opening(binary, structure=np.ones((2, 2)))
    labels, n = ndimage.label(binary)
    if n:
        sizes = ndimage.sum(binary, labels, range(1, n + 1))
        min_size = max(20, binary.shape[0] * binary.shape[1] // 600)
        binary = np.isin(labels, 1 + np.flatnonzero(sizes >= min_size))
    return binary


def text_extent(binary: np.ndarray) -> tuple[int, int, int, int]:
    """Rows and columns where the text line is: drop sparse margins (fragments, stray strokes)."""
    cols = binary.sum(axis=0)
    rows = binary.sum(axis=1)
    h = binary.shape[0]
    col_on = np.flatnonzero(cols >= max(2, 0.06 * h))
    row_on = np.flatnonzero(rows >= max(2, 0.15 * rows.max() if rows.max() else 0))
    if not len(col_on) or not len(row_on):
        return 0, binary.shape[1], 0, h
    return col_on[0], col_on[-1] + 1, row_on[0], row_on[-1] + 1


def segment(binary: np.ndarray, n: int) -> list[np.ndarray]:
    """n glyph crops: connected components split at projection minima, else an even split."""
    x0, x1, y0, y1 = text_extent(binary)
    band = binary[y0:y1, x0:x1]
    width = x1 - x0
    labels, count = ndimage.label(band)
    spans = []
    for sl in ndimage.find_objects(labels):
        if sl is None:
            continue
        a, b = sl[1].start, sl[1].stop
        if (sl[0].stop - sl[0].start) >= 0.3 * band.shape[0]:
            spans.append([a, b])
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:  # components nested in others' columns belong to them
        if merged and a < merged[-1][1] - 2:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    cuts = []
    if merged:
        char_w = width / n
        pieces = [max(1, round((b - a) / char_w)) for a, b in merged]
        if sum(pieces) == n:
            proj = band.sum(axis=0).astype(float)
            for (a, b), k in zip(merged, pieces, strict=False):
                bounds = [a]
                for j in range(1, k):
                    guess = a + (b - a) * j / k
                    lo, hi = int(guess - char_w * 0.3), int(guess + char_w * 0.3) + 1
                    lo, hi = max(lo, bounds[-1] + 1), min(hi, b - 1)
                    cut = lo + int(np.argmin(proj[lo:hi])) if hi > lo else int(guess)
                    bounds.append(cut)
                bounds.append(b)
                cuts.extend(zip(bounds[:-1], bounds[1:], strict=False))
    if len(cuts) != n:  # even split as the fallback
        edges = np.linspace(0, width, n + 1).astype(int)
        cuts = list(zip(edges[:-1], edges[1:], strict=False))
    return [normalise(band[:, a:b]) for a, b in cuts]


def normalise(crop: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(crop.any(axis=1))
    cols = np.flatnonzero(crop.any(axis=0))
    if len(rows) and len(cols):
        crop = crop[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    side = max(h, w, 1)
    square = np.zeros((side, side), dtype=np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = (
        crop * 255
    )
    img = Image.fromarray(square).resize((CROP, CROP), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float32) / 255.0


def features(crop: np.ndarray) -> np.ndarray:
    """Pixels plus a histogram of gradient orientations in 4x4 cells (a small HOG)."""
    gy, gx = np.gradient(crop)
    mag = np.hypot(gx, gy)
    ang = (np.arctan2(gy, gx) % np.pi) / np.pi * 8
    bins = np.minimum(ang.astype(int), 7)
    cells = CROP // 4
    hog = np.zeros((4, 4, 8), dtype=np.float32)
    for i in range(4):
        for j in range(4):
            sl = (slice(i * cells, (i + 1) * cells), slice(j * cells, (j + 1) * cells))
            hog[i, j] = np.bincount(bins[sl].ravel(), weights=mag[sl].ravel(), minlength=8)
    hog /= np.linalg.norm(hog) + 1e-6
    return np.concatenate([crop.ravel(), 2 * hog.ravel()])


# ---------------------------------------------------------------- the bot


def _sample(args):
    target, seed = args
    generate = TARGETS[target][0]
    answer, png = generate(random.Random(seed))
    binary = clean(png)
    x0, x1, y0, y1 = text_extent(binary)
    return answer, binary, (x1 - x0, int(binary[y0:y1, x0:x1].sum()), binary.shape[1])


def _crops(args):
    binary, n = args
    return [features(c) for c in segment(binary, n)]


def make_classifier(kind: str):
    if kind == "svm":
        from sklearn.svm import SVC

        return SVC(C=10, gamma="scale")
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(256,), alpha=1e-3, max_iter=80, early_stopping=True, random_state=0
    )


def run(target: str, train: int, test: int, seed: int, workers: int, classifier: str) -> dict:
    from sklearn.linear_model import LogisticRegression

    started, cpu_started = time.perf_counter(), cpu_seconds()
    # Seeds from the OS: the fresh challenges are not reproducible by the bot, as in production.
    base = seed if seed is not None else random.SystemRandom().randrange(2**32)
    with Pool(workers) as pool:
        train_set = pool.map(_sample, [(target, base + i) for i in range(train)], chunksize=32)
        test_set = pool.map(_sample, [(target, base + 10**7 + i) for i in range(test)], chunksize=8)

        # The bot learns the answer length from the picture's ink width and mass.
        lengths = sorted({len(a) for a, _, _ in train_set})
        if len(lengths) > 1:
            length_model = LogisticRegression(max_iter=2000).fit(
                np.array([m for _, _, m in train_set], dtype=float),
                [len(a) for a, _, _ in train_set],
            )
            guess = lambda m: int(length_model.predict(np.array([m], dtype=float))[0])  # noqa: E731
        else:
            guess = lambda m: lengths[0]  # noqa: E731

        train_crops = pool.map(_crops, [(b, len(a)) for a, b, _ in train_set], chunksize=32)
        X = np.array([f for crops in train_crops for f in crops])
        y = [c for a, _, _ in train_set for c in a]
        fit_started = time.perf_counter()
        clf = make_classifier(classifier).fit(X, y)
        fit_seconds = time.perf_counter() - fit_started

        n_guess = [guess(m) for _, _, m in test_set]
        test_crops = pool.map(
            _crops, [(b, n) for (_, b, _), n in zip(test_set, n_guess, strict=False)]
        )
    solved = chars_right = chars_total = length_right = 0
    examples = []
    for (answer, _, _), crops in zip(test_set, test_crops, strict=False):
        read = "".join(clf.predict(np.array(crops)))
        solved += read == answer
        chars_total += len(answer)
        if len(read) == len(answer):
            length_right += 1
            chars_right += sum(a == b for a, b in zip(read, answer, strict=False))
        if len(examples) < 8:
            examples.append(f"{answer}->{read}")
    return {
        "target": target,
        "train": train,
        "test": test,
        "solved": solved,
        "solve_rate": solved / test,
        "char_accuracy": chars_right / chars_total,
        "length_right": length_right / test,
        "train_glyphs": len(y),
        "fit_seconds": fit_seconds,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "examples": examples,
        "generator": (
            "django-simple-captcha's own _captcha_image()"
            if target != "ours" and _simple_captcha_real()
            else ("copy of django-simple-captcha defaults" if target != "ours" else "ours")
        ),
    }


# ---------------------------------------------------------------- BENCHMARKS.md


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers: fair when the machine is shared."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def write_section(key: str, body: str) -> None:
    """Replace this attack's block inside the captcha section of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = "<!-- captcha:start -->", "<!-- captcha:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        section, tail = rest.split(end, 1)
    else:
        head, section, tail = text.rstrip("\n") + "\n\n", "", "\n"
    blocks = dict(re.findall(r"<!-- captcha:(\w+) -->\n(.*?)<!-- /captcha:\1 -->\n", section, re.S))
    blocks[key] = body.rstrip("\n") + "\n"
    order = ["ocr", "ml", "ml_calibration"]
    inner = "".join(
        f"<!-- captcha:{k} -->\n{blocks[k]}<!-- /captcha:{k} -->\n"
        for k in sorted(blocks, key=lambda k: order.index(k) if k in order else 99)
    )
    section = (
        "\n## Captcha (Security Key): bots against the picture\n\n"
        "Requirement (issue 3): tesseract solves < 1 %, a segment-and-classify bot trained on "
        "its own challenges < 5 %, on 200 fresh challenges each.\n\n" + inner
    )
    path.write_text(head + start + section + end + tail)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--target", choices=sorted(TARGETS) + ["all"], default="ours")
    parser.add_argument("--train", type=int, default=3000, help="challenges the bot trains on")
    parser.add_argument("--test", type=int, default=200, help="fresh challenges attacked")
    parser.add_argument("--seed", type=int, default=None, help="reproducible run (default: fresh)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--classifier", choices=("mlp", "svm"), default="mlp")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file

    targets = (
        ["ours", "simple-captcha", "simple-captcha-2x"] if args.target == "all" else [args.target]
    )
    results = []
    for target in targets:
        r = run(target, args.train, args.test, args.seed, args.workers, args.classifier)
        results.append(r)
        print(
            f"{target}: solved {r['solved']}/{r['test']} = {100 * r['solve_rate']:.1f} %, "
            f"per-char accuracy {100 * r['char_accuracy']:.1f} %, length guessed right "
            f"{100 * r['length_right']:.1f} %, trained on {r['train']} challenges "
            f"({r['train_glyphs']} glyphs), {r['seconds']:.0f} s wall, "
            f"{r['cpu_seconds']:.0f} s CPU "
            f"[{r['generator']}]"
        )
        print("  e.g. " + " ".join(r["examples"]))
    if args.no_write:
        return
    today = dt.date.today().isoformat()
    for key, subset in (
        ("ml", [r for r in results if r["target"] == "ours"]),
        ("ml_calibration", [r for r in results if r["target"] != "ours"]),
    ):
        if not subset:
            continue
        title = "ML bot" if key == "ml" else "ML bot calibration (stock django-simple-captcha)"
        rows = "\n".join(
            f"| {r['target']} | {r['generator']} | {r['train']} | {r['test']} | "
            f"**{100 * r['solve_rate']:.1f} %** ({r['solved']}/{r['test']}) | "
            f"{100 * r['char_accuracy']:.1f} % | "
            f"{r['seconds']:.0f} s wall, {r['cpu_seconds']:.0f} s CPU |"
            for r in subset
        )
        write_section(
            key,
            f"### {title}\n\n"
            f"`{' '.join(['python', 'bench/captcha_ml_attack.py'] + sys.argv[1:])}` on {today}; "
            f"{machine()}.\nClean (colour of the darkest ink, Otsu, median, 2x2 opening, small "
            "components dropped), segment (connected components split at projection minima, even "
            "split as fallback; length guessed by a logistic regression on ink width), classify "
            f"({'RBF SVM' if args.classifier == 'svm' else 'MLP, 256 hidden units'} "
            "on 24x24 crops + "
            "gradient histograms).\n\n"
            "| target | images drawn by | training challenges | fresh challenges | solved | "
            "per-char accuracy | run time |\n|---|---|---|---|---|---|---|\n" + rows + "\n",
        )


if __name__ == "__main__":
    main()
