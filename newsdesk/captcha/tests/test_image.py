import io
import random

import pytest
from PIL import Image, ImageDraw

from newsdesk.captcha import image
from newsdesk.captcha.image import (
    ALPHABET,
    HEIGHT,
    WIDTH,
    CaptchaFontsMissing,
    normalize_answer,
    random_answer,
    render_challenge,
)

# Glyphs a reader confuses with another one, whatever the font or distortion.
CONFUSABLE = set("0Oo1Il|2Z5S8B6GbgqQDUVFP47")  # 9 stays: g and q are never drawn


def _pixels(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png))


def test_alphabet_has_no_confusable_glyphs_and_is_upper_case():
    assert not CONFUSABLE & set(ALPHABET)
    assert ALPHABET.upper() == ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET) >= 14


def test_random_answer_draws_6_or_7_symbols_from_the_alphabet():
    rng = random.Random(1)
    answers = [random_answer(rng) for _ in range(500)]
    assert {len(a) for a in answers} == {6, 7}
    assert set("".join(answers)) == set(ALPHABET)


def test_random_answer_never_repeats_a_symbol_in_a_row():
    rng = random.Random(2)
    for answer in (random_answer(rng) for _ in range(2000)):
        assert all(a != b for a, b in zip(answer, answer[1:], strict=False)), answer


def test_random_answer_without_rng_uses_fresh_randomness():
    assert len({random_answer() for _ in range(50)}) > 45


def test_normalize_answer_ignores_case_and_spaces():
    assert normalize_answer(" k3c e9w\n") == "K3CE9W"


def test_render_returns_a_png_of_the_fixed_size():
    png = render_challenge("K3CE9W", rng=random.Random(2))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = _pixels(png)
    picture.load()
    assert picture.format == "PNG"
    assert picture.size == (WIDTH, HEIGHT)
    assert picture.mode == "RGB"
    assert 2_000 < len(png) < 80_000


def test_same_answer_gives_different_pictures_with_different_rngs():
    a = _pixels(render_challenge("AHKMN", rng=random.Random(1))).tobytes()
    b = _pixels(render_challenge("AHKMN", rng=random.Random(2))).tobytes()
    c = _pixels(render_challenge("AHKMN")).tobytes()
    assert len({a, b, c}) == 3


def test_same_seed_gives_the_same_picture():
    assert render_challenge("AHKMN", rng=random.Random(9)) == render_challenge(
        "AHKMN", rng=random.Random(9)
    )


def test_picture_has_dark_ink_on_a_lighter_background():
    grey = _pixels(render_challenge("WXY39", rng=random.Random(3))).convert("L")
    hist = grey.histogram()
    total = sum(hist)
    dark = sum(hist[:90]) / total
    light = sum(hist[150:]) / total
    assert 0.04 < dark < 0.4
    assert light > 0.3


@pytest.mark.parametrize("seed", range(40))
def test_every_glyph_is_placed_inside_the_picture(seed):
    rng = random.Random(seed)
    answer = random_answer(rng)
    _, boxes, mid = image._text_mask(answer, rng)
    assert len(boxes) == len(answer)
    assert boxes[0][0] >= 0 and boxes[-1][2] <= WIDTH
    assert all(top >= 0 and bottom <= HEIGHT for _, top, _, bottom in boxes)
    assert HEIGHT * 0.3 < mid < HEIGHT * 0.7


def test_glyphs_overlap_their_neighbours():
    # Touching glyphs are what defeats segmentation: spacing must never open a clean gap.
    rng = random.Random(4)
    for _ in range(30):
        _, boxes, _ = image._text_mask(random_answer(rng), rng)
        assert all(b[0] < a[2] for a, b in zip(boxes, boxes[1:], strict=False))


def test_neighbours_are_raised_and_lowered_alternately():
    # Every column then holds parts of two glyphs: no window cut side by side isolates one.
    rng = random.Random(5)
    for _ in range(30):
        _, boxes, _ = image._text_mask(random_answer(rng), rng)
        centres = [(top + bottom) / 2 for _, top, _, bottom in boxes]
        steps = [b - a for a, b in zip(centres, centres[1:], strict=False)]
        assert all(s * t < 0 for s, t in zip(steps, steps[1:], strict=False))


def _holes(mask: Image.Image) -> int:
    """Background pixels of a glyph mask that cannot be reached from outside it."""
    binary = mask.point(lambda v: 255 if v > 96 else 0)
    framed = Image.new("L", (binary.width + 4, binary.height + 4), 0)
    framed.paste(binary, (2, 2))
    ImageDraw.floodfill(framed, (0, 0), 255)
    return framed.histogram()[0]


def test_some_glyphs_are_drawn_hollow(monkeypatch):
    # E, H, K, T, X have no enclosed counter when filled; drawn as an outline, they have.
    rng = random.Random(6)
    monkeypatch.setattr(image, "OUTLINE_SHARE", 0.0)
    assert all(_holes(image._glyph(c, rng)) < 5 for c in "EHKTX" * 3)
    monkeypatch.setattr(image, "OUTLINE_SHARE", 1.0)
    assert all(_holes(image._glyph(c, rng)) > 100 for c in "EHKTX" * 3)
    monkeypatch.undo()
    hollow = sum(_holes(image._glyph("H", rng)) > 100 for _ in range(300))
    assert 0.2 * 300 < hollow < 0.5 * 300


@pytest.mark.parametrize("answer", ["", "ABC", "K3CE0", "k3ce9", "K3C O", "K3CE7"])
def test_answers_outside_the_alphabet_are_refused(answer):
    with pytest.raises(ValueError):
        render_challenge(answer, rng=random.Random(1))


def test_missing_fonts_raise_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(image, "FONT_DIR", str(tmp_path))
    image._font_paths.cache_clear()
    try:
        with pytest.raises(CaptchaFontsMissing, match="fonts-dejavu-core"):
            render_challenge("AHKMN", rng=random.Random(1))
    finally:
        monkeypatch.undo()
        image._font_paths.cache_clear()
