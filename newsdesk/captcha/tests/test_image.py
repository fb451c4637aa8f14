import io
import random

import pytest
from PIL import Image, ImageFilter

from newsdesk.captcha import image
from newsdesk.captcha.image import (
    ALPHABET,
    ANSWER_LENGTH,
    CONFUSABLE_FAMILIES,
    HEIGHT,
    WIDTH,
    contrast_ratio,
    layers,
    normalize_answer,
    random_answer,
    relative_luminance,
    render_challenge,
)

WCAG_AA = 4.5


def _pixels(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png))


def test_alphabet_keeps_at_most_one_symbol_of_each_look_alike_family():
    for family in CONFUSABLE_FAMILIES:
        assert len(set(family) & set(ALPHABET)) <= 1, family
    # Those a reader confuses whatever the face: none at all.
    assert not set("0OQD1IlJL2Z5S8B") & set(ALPHABET)
    assert ALPHABET.upper() == ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET) >= 16


def test_random_answer_draws_answer_length_symbols_from_the_alphabet():
    rng = random.Random(1)
    answers = [random_answer(rng) for _ in range(500)]
    assert {len(a) for a in answers} == {ANSWER_LENGTH}
    assert set("".join(answers)) == set(ALPHABET)


def test_random_answer_never_repeats_a_symbol_in_a_row():
    rng = random.Random(2)
    for answer in (random_answer(rng) for _ in range(2000)):
        assert all(a != b for a, b in zip(answer, answer[1:], strict=False)), answer


def test_random_answer_without_rng_uses_fresh_randomness():
    assert len({random_answer() for _ in range(50)}) > 45


def test_normalize_answer_ignores_case_and_spaces():
    assert normalize_answer(" k3c e9w\n") == "K3CE9W"


def test_wcag_contrast_ratio_matches_the_reference_values():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    # #767676 on white is the usual example of the 4.5:1 AA limit.
    assert contrast_ratio((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert relative_luminance((255, 0, 0)) == pytest.approx(0.2126)


@pytest.mark.parametrize("scale", [1, 2])
def test_render_returns_a_png_of_the_css_size_times_the_scale(scale):
    png = render_challenge("K3CE9", rng=random.Random(2), scale=scale)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = _pixels(png)
    picture.load()
    assert picture.size == (WIDTH * scale, HEIGHT * scale)
    assert picture.mode == "RGB"


def test_other_scales_are_refused():
    with pytest.raises(ValueError):
        render_challenge("K3CE9", rng=random.Random(2), scale=3)


def _blurred(seed: int, scale: int) -> Image.Image:
    png = render_challenge("AHKMN", rng=random.Random(seed), scale=scale)
    picture = _pixels(png).convert("L").resize((WIDTH, HEIGHT), Image.Resampling.BOX)
    return picture.filter(ImageFilter.GaussianBlur(2))


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes(), strict=True)) / len(a.tobytes())


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_the_2x_picture_is_the_1x_picture_sharper(seed):
    # Same seed, same picture: the 2x one shrunk to 1x is much closer to the 1x one than
    # another picture is (hairlines differ by a pixel's rounding, nothing else).
    one, two, other = _blurred(seed, 1), _blurred(seed, 2), _blurred(seed + 10, 1)
    assert _mean_difference(one, two) < 0.5 * _mean_difference(one, other)


def test_same_answer_gives_different_pictures_with_different_rngs():
    a = render_challenge("AHKMN", rng=random.Random(1))
    b = render_challenge("AHKMN", rng=random.Random(2))
    c = render_challenge("AHKMN")
    assert len({a, b, c}) == 3


def test_same_seed_gives_the_same_picture():
    assert render_challenge("AHKMN", rng=random.Random(9)) == render_challenge(
        "AHKMN", rng=random.Random(9)
    )


def _boxes(glyphs):
    return [mask.getbbox() for mask, _ in glyphs]


@pytest.mark.parametrize("seed", range(30))
def test_every_glyph_pixel_meets_wcag_aa_contrast_against_its_background(seed):
    rng = random.Random(seed)
    answer = random_answer(rng)
    background, glyphs, threads = layers(answer, rng=rng, scale=1)
    bg = background.load()
    for mask, ink in glyphs:
        px = mask.load()
        worst = min(
            contrast_ratio(ink, bg[x, y])
            for x in range(mask.width)
            for y in range(mask.height)
            if px[x, y] >= 128
        )
        assert worst >= WCAG_AA, (answer, ink, worst)
    # The threads over the text never touch a glyph: each glyph stands on background alone.
    for thread, _ in threads:
        for mask, _ in glyphs:
            touching = Image.composite(thread, Image.new("L", thread.size), mask)
            assert touching.getbbox() is None


@pytest.mark.parametrize("seed", range(40))
def test_glyphs_stand_apart_inside_the_picture(seed):
    rng = random.Random(seed)
    answer = random_answer(rng)
    _, glyphs, _ = layers(answer, rng=rng, scale=2)
    boxes = _boxes(glyphs)
    assert len(boxes) == ANSWER_LENGTH and all(boxes)
    for left, top, right, bottom in boxes:
        assert left >= 0 and right <= 2 * WIDTH and top >= 0 and bottom <= 2 * HEIGHT
    # Left to right, and no two neighbours share a column: no glyph hides behind another.
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert a[2] <= b[0], (answer, a, b)
    # Every glyph is drawn large enough to read on a phone: at least 22 CSS px of ink high.
    assert all(bottom - top >= 2 * 22 for _, top, _, bottom in boxes)


def test_ink_is_dark_on_a_light_background():
    grey = _pixels(render_challenge("WXY39", rng=random.Random(3))).convert("L")
    hist = grey.histogram()
    total = sum(hist)
    assert 0.04 < sum(hist[:90]) / total < 0.4
    assert sum(hist[180:]) / total > 0.5


@pytest.mark.parametrize("answer", ["", "ABC0", "K3CE0", "k3ce9", "K3C O", "K3CE7"])
def test_answers_outside_the_alphabet_are_refused(answer):
    with pytest.raises(ValueError):
        render_challenge(answer, rng=random.Random(1))


def test_the_font_ships_with_the_app():
    assert image.FONT_PATH.is_file()
    assert image.FONT_PATH.is_relative_to(image.Path(image.__file__).parent)
    assert (image.FONT_PATH.parent / "LICENSE.txt").is_file()
