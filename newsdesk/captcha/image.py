"""The "Security Key" picture: pure functions from an answer to PNG bytes (Pillow only).

What defeats the bots we measure (bench/captcha_ocr_attack.py, bench/captcha_ml_attack.py):
- glyphs overlap their neighbours (negative kerning, 22-38 % of the narrower one) and are
  raised and lowered alternately (5-10 px): every column holds parts of two glyphs, so
  connected components, column projections and windows cut side by side, even windows
  chosen by a classifier over all cut positions, do not isolate a letter; a person, who
  sees each glyph whole in two dimensions, reads them;
- about a third of the glyphs are drawn hollow (a 3 px outline): two shapes per symbol
  to learn, and a window across a hollow glyph and a filled one resembles neither;
- answers are 6 or 7 symbols: a bot that reads a fair share of glyphs still rarely gets all
  (never the same symbol twice in a row: overlapping twins are miscounted by people);
- every glyph has its own font, size, rotation and shear, and the whole line is warped;
- strokes of the same colour and width as the letters cross them, so thresholding and
  thin-line morphology cannot take them away without taking the letters too;
- fragments of other glyphs and clutter of the same ink sit around the text.
Measured: BENCHMARKS.md, "Captcha". Legibility is checked by eye on samples at each change,
and the alphabet keeps at most one glyph of each look-alike family (no 7: rotated and
crossed, it reads as T or Y). Rendering takes about 16 ms of CPU per picture.
"""

from __future__ import annotations

import io
import math
import os
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# At most one glyph per look-alike family, none for some: 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 6/G/b, 8/B,
# 9 (g and q are never drawn), U/V, C/G, E/F and P/R (a crossing stroke turns F into E, P into
# R), 4/A (sheared), 7/T/Y (rotated and crossed, 7 read as either). Answers are compared
# without case; only upper-case glyphs are drawn.
ALPHABET = "ACEHKMNRTWXY39"
ANSWER_LENGTHS = (6, 7)
OVERLAP = (0.22, 0.38)  # of the narrower of two neighbours
STAGGER = (5, 10)  # pixels each glyph is raised or lowered, alternately
OUTLINE_SHARE = 0.35  # glyphs drawn hollow
OUTLINE_WIDTH = 3  # px: survives the 2x2 opening a bot cleans with, so no free win

WIDTH = 280
HEIGHT = 90

FONT_DIR = os.environ.get("NEWSDESK_CAPTCHA_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# The six faces of Debian's fonts-dejavu-core.
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
)


class CaptchaFontsMissing(RuntimeError):
    """The TrueType fonts the picture needs are not installed."""


def normalize_answer(text: str) -> str:
    """What a reader typed, in the form random_answer() returns (case and spaces ignored)."""
    return "".join(text.split()).upper()


def random_answer(rng: random.Random | None = None) -> str:
    """A fresh answer: 6 or 7 symbols from ALPHABET, no symbol twice in a row (two overlapping
    copies of one glyph read as one: people miscounted EE, CCC, 99)."""
    rng = rng or random.SystemRandom()
    symbols = [rng.choice(ALPHABET)]
    for _ in range(rng.choice(ANSWER_LENGTHS) - 1):
        symbols.append(rng.choice(ALPHABET.replace(symbols[-1], "")))
    return "".join(symbols)


@lru_cache(maxsize=1)
def _font_paths() -> tuple[str, ...]:
    paths = tuple(os.path.join(FONT_DIR, name) for name in FONT_FILES)
    found = tuple(p for p in paths if os.path.isfile(p))
    if len(found) < 2:
        # A bitmap fallback would be unreadable for people and trivial for bots: refuse instead.
        raise CaptchaFontsMissing(
            f"The Security Key picture needs the DejaVu TrueType fonts in {FONT_DIR} "
            "(Debian package fonts-dejavu-core), or NEWSDESK_CAPTCHA_FONT_DIR pointing at them."
        )
    return found


@lru_cache(maxsize=128)  # 6 faces x 15 sizes
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _glyph(char: str, rng: random.Random) -> Image.Image:
    """One character as an 'L' mask, individually distorted and cropped to its ink."""
    font = _font(rng.choice(_font_paths()), rng.randint(36, 50))
    pad = 30
    left, top, right, bottom = font.getbbox(char)
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    draw = ImageDraw.Draw(canvas)
    # About a third of the glyphs are drawn hollow: people read them as well as filled ones;
    # a classifier has two shapes to learn per symbol, and a window cut across a hollow glyph
    # and a filled neighbour looks like neither.
    if rng.random() < OUTLINE_SHARE:
        draw.text(
            (pad - left, pad - top),
            char,
            font=font,
            fill=0,
            stroke_width=OUTLINE_WIDTH,
            stroke_fill=255,
        )
    else:
        draw.text((pad - left, pad - top), char, font=font, fill=255)
    # Shear and horizontal squeeze, then rotation.
    shear = rng.uniform(-0.3, 0.3)
    sx = rng.uniform(0.8, 1.15)
    w, h = canvas.size
    canvas = canvas.transform(
        (w, h),
        Image.Transform.AFFINE,
        (1 / sx, shear, -shear * h / 2 + (w - w / sx) / 2, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    canvas = canvas.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=True)
    box = canvas.getbbox()
    return canvas.crop(box) if box else canvas


def _wave(rng: random.Random, amplitude: float) -> tuple[float, float, float]:
    return amplitude * rng.uniform(0.6, 1.0), rng.uniform(0.02, 0.05), rng.uniform(0, 2 * math.pi)


def _warp(mask: Image.Image, rng: random.Random) -> Image.Image:
    """Bend the whole line with two sine waves (a mesh transform: smooth, no seams)."""
    w, h = mask.size
    ax, fx, px = _wave(rng, 3.0)
    ay, fy, py = _wave(rng, 5.0)

    def src(x: float, y: float) -> tuple[float, float]:
        return (x + ax * math.sin(2 * fx * y + px), y + ay * math.sin(fy * x + py))

    step = 10
    mesh = []
    for x0 in range(0, w, step):
        for y0 in range(0, h, step):
            x1, y1 = min(x0 + step, w), min(y0 + step, h)
            quad = (*src(x0, y0), *src(x0, y1), *src(x1, y1), *src(x1, y0))
            mesh.append(((x0, y0, x1, y1), quad))
    return mask.transform((w, h), Image.Transform.MESH, mesh, resample=Image.Resampling.BICUBIC)


def _curve(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    x0: float,
    x1: float,
    yc: float,
    amplitude: float,
    width: int,
) -> None:
    freq = rng.uniform(0.015, 0.045)
    phase = rng.uniform(0, 2 * math.pi)
    slope = rng.uniform(-0.15, 0.15)
    points = [
        (x, yc + slope * (x - x0) + amplitude * math.sin(freq * x + phase))
        for x in range(int(x0), int(x1) + 1, 3)
    ]
    draw.line(points, fill=255, width=width, joint="curve")


def _text_mask(
    answer: str, rng: random.Random
) -> tuple[Image.Image, list[tuple[float, float, float, float]], float]:
    """The answer's glyphs on a blank mask, their boxes (left, top, right, bottom), the mid-line."""
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    glyphs = [_glyph(c, rng) for c in answer]
    # Negative kerning: each glyph starts before the previous one ends.
    overlaps = [rng.uniform(*OVERLAP) for _ in glyphs[1:]]
    total = sum(g.width for g in glyphs) - sum(
        o * min(a.width, b.width) for o, a, b in zip(overlaps, glyphs, glyphs[1:], strict=False)
    )
    scale = min(1.0, (WIDTH - 24) / total)
    if scale < 1.0:
        glyphs = [
            g.resize(
                (max(1, int(g.width * scale)), max(1, int(g.height * scale))),
                Image.Resampling.BICUBIC,
            )
            for g in glyphs
        ]
        total *= scale
    x = (WIDTH - total) / 2 + rng.uniform(-6, 6)
    mid = HEIGHT / 2 + rng.uniform(-4, 4)
    boxes = []
    # Neighbours alternate up and down: each overlaps the next in columns (no cut between them
    # is clean) but less in area, so a reader still sees both.
    side = rng.choice((-1, 1))
    for i, g in enumerate(glyphs):
        side = -side
        y = mid - g.height / 2 + side * rng.uniform(*STAGGER)
        mask.paste(255, (int(x), int(y)), g)  # lighter-of: glyphs merge where they overlap
        boxes.append((x, y, x + g.width, y + g.height))
        if i < len(overlaps):
            x += g.width - overlaps[i] * min(g.width, glyphs[i + 1].width)
    return mask, boxes, mid


def _fragment(rng: random.Random) -> Image.Image:
    """Part of a glyph from the alphabet, to sit where a segmenter looks for letters."""
    g = _glyph(rng.choice(ALPHABET), rng)
    w, h = g.size
    keep = rng.uniform(0.3, 0.5)
    if rng.random() < 0.5:
        box = (0, 0, int(w * keep), h) if rng.random() < 0.5 else (int(w * (1 - keep)), 0, w, h)
    else:
        box = (0, 0, w, int(h * keep)) if rng.random() < 0.5 else (0, int(h * (1 - keep)), w, h)
    frag = g.crop(box)
    s = rng.uniform(0.4, 0.6)
    return frag.resize((max(1, int(frag.width * s)), max(1, int(frag.height * s))))


def _ink_mask(answer: str, rng: random.Random) -> Image.Image:
    mask, boxes, mid = _text_mask(answer, rng)
    draw = ImageDraw.Draw(mask)
    left, right = boxes[0][0], boxes[-1][2]
    # Strokes as wide as a letter's stem, crossing the whole line.
    for _ in range(rng.randint(1, 2)):
        _curve(
            draw,
            rng,
            rng.uniform(0, left),
            rng.uniform(right, WIDTH),
            mid + rng.uniform(-14, 14),
            rng.uniform(4, 10),
            rng.randint(2, 3),
        )
    # Short arcs through single letters.
    for _ in range(rng.randint(1, 3)):
        cx, cy = rng.uniform(left, right), mid + rng.uniform(-12, 12)
        r = rng.uniform(10, 22)
        start = rng.uniform(0, 360)
        draw.arc(
            (cx - r, cy - r, cx + r, cy + r),
            start,
            start + rng.uniform(70, 160),
            fill=255,
            width=rng.randint(2, 4),
        )
    # Fragments of glyphs along the top and bottom edges and at the ends.
    for _ in range(rng.randint(3, 5)):
        frag = _fragment(rng)
        fx = rng.uniform(-frag.width / 2, WIDTH - frag.width / 2)
        fy = rng.choice(
            (
                rng.uniform(-frag.height / 2, 4),
                rng.uniform(HEIGHT - frag.height - 4, HEIGHT - frag.height / 2),
            )
        )
        mask.paste(255, (int(fx), int(fy)), frag)
    # Dots and specks.
    for _ in range(rng.randint(25, 45)):
        px, py = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        r = rng.uniform(0.8, 2.2)
        draw.ellipse((px - r, py - r, px + r, py + r), fill=255)
    return _warp(mask, rng)


def _hsv_rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    import colorsys

    return tuple(int(255 * c) for c in colorsys.hsv_to_rgb(h, s, v))


def _background(rng: random.Random) -> Image.Image:
    hue = rng.random()
    top = _hsv_rgb(hue, rng.uniform(0.05, 0.25), rng.uniform(0.85, 0.97))
    bottom = _hsv_rgb(
        (hue + rng.uniform(-0.15, 0.15)) % 1, rng.uniform(0.05, 0.3), rng.uniform(0.78, 0.92)
    )
    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    if rng.random() < 0.5:
        gradient = gradient.transpose(Image.Transpose.ROTATE_90).resize((WIDTH, HEIGHT))
    bg = Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), bottom), Image.new("RGB", (WIDTH, HEIGHT), top), gradient
    )
    # Soft blotches of middle intensity, so no single threshold is right everywhere.
    blot = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(blot)
    for _ in range(rng.randint(6, 10)):
        cx, cy = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        rx, ry = rng.uniform(10, 40), rng.uniform(8, 25)
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rng.randint(60, 140))
    blot = blot.filter(ImageFilter.GaussianBlur(6))
    shade = _hsv_rgb(rng.random(), rng.uniform(0.2, 0.5), rng.uniform(0.45, 0.65))
    return Image.composite(Image.new("RGB", (WIDTH, HEIGHT), shade), bg, blot)


def render_challenge(answer: str, *, rng: random.Random | None = None) -> bytes:
    """The picture of `answer` as PNG bytes; a new rng (or none) gives a different picture."""
    if not answer or any(c not in ALPHABET for c in answer):
        raise ValueError(f"A Security Key answer uses only {ALPHABET!r}, got {answer!r}.")
    rng = rng or random.SystemRandom()
    image = _background(rng)
    ink_colour = _hsv_rgb(rng.random(), rng.uniform(0.3, 0.8), rng.uniform(0.12, 0.32))
    ink = _ink_mask(answer, rng)
    image = Image.composite(Image.new("RGB", image.size, ink_colour), image, ink)
    # Sensor-like grain over everything, ink included.
    grain = Image.frombytes("L", (WIDTH, HEIGHT), rng.randbytes(WIDTH * HEIGHT)).convert("RGB")
    image = Image.blend(image, grain, 0.08)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
