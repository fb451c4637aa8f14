"""The "Security Key" picture: pure functions from an answer to PNG bytes (Pillow only).

The picture is for people first (issue 13): the barrier against bots is elsewhere (rate limits,
the form's time trap, the spam score). So it is built to be read at first sight, on a phone:
- five symbols from an alphabet with no look-alikes (ALPHABET), in one bold sans face shipped
  with the app (fonts/DejaVuSans-Bold.ttf: no system font needed);
- each glyph whole, apart from its neighbours (a gap of GAP px between ink boxes, never an
  overlap), tilted a little and raised or lowered a little;
- dark ink on a light background: every glyph's colour stands at least MIN_CONTRAST (WCAG AA
  asks 4.5:1) against every background pixel under it, the faint lines of the background
  included (tested);
- drawn at 1x and 2x from the same random draws, so a high-DPI screen gets the same picture
  sharp (the widget's srcset).
What keeps off-the-shelf OCR out (tesseract reads under 1 %: bench/captcha_ocr_attack.py) costs
people nothing: each glyph has its own tilt, height and dark colour, and a thin line of the
background's own colour cuts through the strokes.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

# One symbol of each look-alike family at most, and none of some (a reader picks the wrong one):
# 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 8/B/3 (3 alone is drawn), 6/G/b (6 alone), 9/g/q (9 alone), U/V,
# 4/A (A alone), 7/T (T alone). Only upper-case glyphs are drawn; answers ignore case.
ALPHABET = "ACEFHKMNPRTWXY369"
CONFUSABLE_FAMILIES = ("0OQD", "1IJL", "2Z", "5S", "8B3", "6G", "9Q", "UV", "4A", "7T")
ANSWER_LENGTH = 5

WIDTH = 280  # CSS pixels: the picture's size on the page at 1x
HEIGHT = 90
SCALES = (1, 2)
FONT_SIZE = (40, 48)  # px at 1x
TILT = 20  # degrees either way
GAP = (4, 10)  # px at 1x between the ink boxes of two neighbours
RISE = 11  # px at 1x up or down from the middle line
CUTS = 3
CUT_WIDTH = 2.0  # px at 1x
THREADS = 3
THREAD_WIDTH = 1.5  # px at 1x
HALO = 1  # px at 1x of background kept around every glyph
TONES = 2
TONE_WIDTH = 5.0  # px at 1x
MIN_CONTRAST = 5.0  # WCAG AA asks 4.5 for text: every glyph pixel's background, with a margin

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "DejaVuSans-Bold.ttf"


def normalize_answer(text: str) -> str:
    """What a reader typed, in the form random_answer() returns (case and spaces ignored)."""
    return "".join(text.split()).upper()


def random_answer(rng: random.Random | None = None) -> str:
    """A fresh answer: ANSWER_LENGTH symbols from ALPHABET, no symbol twice in a row."""
    rng = rng or random.SystemRandom()
    symbols = [rng.choice(ALPHABET)]
    for _ in range(ANSWER_LENGTH - 1):
        symbols.append(rng.choice(ALPHABET.replace(symbols[-1], "")))
    return "".join(symbols)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def linear(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def _hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    return tuple(round(255 * c) for c in colorsys.hsv_to_rgb(h % 1, s, v))


def _background_colours(rng: random.Random) -> tuple[tuple[int, int, int], ...]:
    """Two light ends of the gradient and a paler tone for the faint lines."""
    hue = rng.random()
    ends = (
        _hsv(hue, rng.uniform(0.04, 0.16), rng.uniform(0.95, 1.0)),
        _hsv(hue + rng.uniform(-0.2, 0.2), rng.uniform(0.06, 0.2), rng.uniform(0.9, 0.97)),
    )
    line = _hsv(hue + rng.uniform(-0.3, 0.3), rng.uniform(0.1, 0.3), rng.uniform(0.8, 0.88))
    return (*ends, line)


def _ink_colour(rng: random.Random, backgrounds) -> tuple[int, int, int]:
    """A dark colour standing at least MIN_CONTRAST against every background colour."""
    for _ in range(50):
        ink = _hsv(rng.random(), rng.uniform(0.45, 0.9), rng.uniform(0.15, 0.38))
        if all(contrast_ratio(ink, bg) >= MIN_CONTRAST for bg in backgrounds):
            return ink
    return (17, 17, 17)  # never reached with these ranges (tested); a floor all the same


def _mid_tone(rng: random.Random, inks) -> tuple[int, int, int]:
    """A middle colour that every ink still stands MIN_CONTRAST against."""
    for _ in range(50):
        tone = _hsv(rng.random(), rng.uniform(0.2, 0.5), rng.uniform(0.6, 0.8))
        if all(contrast_ratio(tone, ink) >= MIN_CONTRAST for ink in inks):
            return tone
    return (200, 200, 200)


def _glyph(char: str, size: int, squeeze: float, tilt: float, scale: int) -> Image.Image:
    """One character as an 'L' mask at `scale`, tilted, cropped to its ink."""
    font = _font(size * scale)
    left, top, right, bottom = font.getbbox(char)
    pad = 6 * scale
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), char, font=font, fill=255)
    if squeeze != 1.0:
        canvas = canvas.resize(
            (max(1, round(canvas.width * squeeze)), canvas.height), Image.Resampling.LANCZOS
        )
    canvas = canvas.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
    box = canvas.getbbox()
    return canvas.crop(box) if box else canvas


def _curve_points(
    rng: random.Random,
    scale: int,
    *,
    y_range: tuple[float, float],
    amplitude: tuple[float, float] = (4, 12),
    freq: tuple[float, float] = (0.015, 0.035),
):
    """A sine across the picture, as points in pixels at `scale`."""
    yc = rng.uniform(*y_range)
    amplitude = rng.uniform(*amplitude)
    freq = rng.uniform(*freq)
    phase = rng.uniform(0, 2 * math.pi)
    slope = rng.uniform(-0.08, 0.08)
    return [
        (x * scale, (yc + slope * (x - WIDTH / 2) + amplitude * math.sin(freq * x + phase)) * scale)
        for x in range(-4, WIDTH + 5, 2)
    ]


def layers(
    answer: str, *, rng: random.Random, scale: int = 1
) -> tuple[Image.Image, list[tuple[Image.Image, tuple[int, int, int]]]]:
    """The picture's parts at `scale`: the background (RGB) and, per glyph, its full-size mask
    and ink colour. render_challenge() composes them; tests read them (contrast, spacing).
    Every random draw is made in 1x units and in the same order whatever `scale` is: the 1x and
    2x pictures of one seed are the same picture."""
    if scale not in SCALES:
        raise ValueError(f"A Security Key picture is drawn at {SCALES}, not at {scale}.")
    width, height = WIDTH * scale, HEIGHT * scale
    first, second, line = _background_colours(rng)
    gradient = Image.linear_gradient("L")
    if rng.random() < 0.5:
        gradient = gradient.transpose(Image.Transpose.ROTATE_90)
    gradient = gradient.resize((width, height))
    background = Image.composite(
        Image.new("RGB", (width, height), second),
        Image.new("RGB", (width, height), first),
        gradient,
    )
    # Faint lines behind the text: a texture for the eye, noise for a thresholding OCR; pale
    # enough (line colour) that every glyph keeps its contrast over them.
    draw = ImageDraw.Draw(background)
    for _ in range(rng.randint(3, 5)):
        points = _curve_points(rng, scale, y_range=(8, HEIGHT - 8))
        draw.line(points, fill=line, width=max(1, round(rng.uniform(1, 2) * scale)))

    inks = [_ink_colour(rng, (first, second, line)) for _ in answer]
    # Neighbours lean opposite ways: read at once by people, no common slant for an OCR.
    first_lean = rng.choice((-1, 1))
    leans = [first_lean * (-1) ** i for i in range(len(answer))]
    shapes = [
        (
            c,
            rng.randint(*FONT_SIZE),
            rng.uniform(0.9, 1.05),
            lean * rng.uniform(TILT / 4, TILT),
            rng.uniform(-RISE, RISE),
        )
        for c, lean in zip(answer, leans, strict=True)
    ]
    gaps = [rng.uniform(*GAP) for _ in answer[1:]]
    shift = rng.uniform(-8, 8)
    # Cuts wave, so that they cross strokes rather than run along a bar (E into F).
    cuts = [
        _curve_points(
            rng, scale, y_range=(HEIGHT * 0.3, HEIGHT * 0.7), amplitude=(6, 14), freq=(0.02, 0.05)
        )
        for _ in range(CUTS)
    ]
    threads = [
        (
            _curve_points(rng, scale, y_range=(HEIGHT * 0.25, HEIGHT * 0.75)),
            _ink_colour(rng, (first, second, line)),
        )
        for _ in range(THREADS)
    ]
    tones = [
        (_curve_points(rng, scale, y_range=(HEIGHT * 0.3, HEIGHT * 0.7)), _mid_tone(rng, inks))
        for _ in range(TONES)
    ]

    glyphs = [_glyph(c, size, squeeze, tilt, scale) for c, size, squeeze, tilt, _ in shapes]
    margin = 8 * scale
    gap_px = [g * scale for g in gaps]
    total = sum(g.width for g in glyphs) + sum(gap_px)
    if total > width - 2 * margin:
        # Narrow gaps before anything else; the glyphs keep their size.
        spare = max(0.0, width - 2 * margin - sum(g.width for g in glyphs))
        gap_px = [g * spare / sum(gap_px) for g in gap_px]
        total = sum(g.width for g in glyphs) + sum(gap_px)
    x = max(margin / 2, (width - total) / 2 + shift * scale)
    out = []
    for i, (glyph, (*_, rise)) in enumerate(zip(glyphs, shapes, strict=True)):
        y = (height - glyph.height) / 2 + rise * scale
        y = min(max(y, 2 * scale), height - glyph.height - 2 * scale)
        mask = Image.new("L", (width, height), 0)
        mask.paste(glyph, (round(x), round(y)))
        out.append(mask)
        x += glyph.width + (gap_px[i] if i < len(gap_px) else 0)
    # Cuts: thin lines of background through the strokes (taken out of every glyph mask).
    cut_mask = Image.new("L", (width, height), 0)
    for points in cuts:
        ImageDraw.Draw(cut_mask).line(points, fill=255, width=round(CUT_WIDTH * scale))
    out = [ImageChops.subtract(mask, cut_mask) for mask in out]
    out_threads = []
    # Tones: wider lines of a middle grey-ish colour right through the glyphs' place, without a
    # halo: far lighter than the ink (every glyph keeps MIN_CONTRAST over them), far darker
    # than the background, so no single threshold keeps the letters whole and drops them.
    draw = ImageDraw.Draw(background)
    for points, colour in tones:
        draw.line(points, fill=colour, width=round(TONE_WIDTH * scale), joint="curve")
    # Threads: thin dark lines across the text, as dark as the glyphs, passing behind them with
    # a halo of background (so each glyph pixel still stands on background): a person sees
    # hairlines behind bold letters, a thresholding OCR one tangle of strokes.
    ink_all = Image.new("L", (width, height), 0)
    for mask in out:
        ink_all = ImageChops.lighter(ink_all, mask)
    halo = ink_all.point(lambda v: 255 if v else 0).filter(
        ImageFilter.MaxFilter(2 * round(HALO * scale) + 1)
    )
    for points, colour in threads:
        thread = Image.new("L", (width, height), 0)
        ImageDraw.Draw(thread).line(points, fill=255, width=round(THREAD_WIDTH * scale))
        out_threads.append((ImageChops.subtract(thread, halo), colour))
    return background, list(zip(out, inks, strict=True)), out_threads


def render_challenge(answer: str, *, rng: random.Random | None = None, scale: int = 1) -> bytes:
    """The picture of `answer` as PNG bytes, WIDTH x HEIGHT times `scale`; a new rng (or none)
    gives a different picture, the same seed the same picture at every scale."""
    if not answer or any(c not in ALPHABET for c in answer):
        raise ValueError(f"A Security Key answer uses only {ALPHABET!r}, got {answer!r}.")
    background, glyphs, threads = layers(answer, rng=rng or random.SystemRandom(), scale=scale)
    image = background
    for mask, ink in glyphs + threads:
        image = Image.composite(Image.new("RGB", image.size, ink), image, mask)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
