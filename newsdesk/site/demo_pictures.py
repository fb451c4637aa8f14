"""Pictures for the demo stories and their authors, drawn with Pillow when the demo loads.

Flat illustrations made for Newsdesk (no photographs, nothing fetched): each is a function of
its name alone, so every load draws the same pixels. They go through the same path as an
editor's upload (an Image, then its renditions), so the demo shows the real pictures pipeline.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageDraw

from newsdesk.articles.images import renditions_generate
from newsdesk.articles.models import Image

WIDTH, HEIGHT = 960, 640
Colour = tuple[int, int, int]


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _sky(pen: ImageDraw.ImageDraw, top: Colour, bottom: Colour, until: int = HEIGHT) -> None:
    for y in range(until):
        pen.line([(0, y), (WIDTH, y)], fill=_mix(top, bottom, y / until))


def _hills(pen, base: int, height: int, colour: Colour, phase: float, waves: float = 1.5) -> None:
    points = [(0, HEIGHT)]
    for x in range(0, WIDTH + 16, 16):
        wave = math.sin(x / WIDTH * math.pi * waves + phase) * 0.6 + math.sin(x / 97 + phase) * 0.1
        points.append((x, base - height * (0.5 + wave / 2)))
    points.append((WIDTH, HEIGHT))
    pen.polygon(points, fill=colour)


def _river(pen, top: int, colour: Colour, *, high: bool = False) -> None:
    pen.rectangle((0, top, WIDTH, HEIGHT), fill=colour)
    light = _mix(colour, (255, 255, 255), 0.35)
    for row in range(top + 18, HEIGHT, 34 if not high else 22):
        for x in range(-40 + (row * 7) % 60, WIDTH, 120):
            pen.arc((x, row, x + 60, row + 14), 200, 340, fill=light, width=3)


def _cloud(pen, x: int, y: int, size: int, colour: Colour) -> None:
    for dx, dy, r in ((0, 0, 1.0), (0.9, -0.35, 1.2), (1.9, 0, 0.95), (1.0, 0.25, 1.0)):
        cx, cy, radius = x + dx * size, y + dy * size, r * size
        pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)


def _sun(pen, x: int, y: int, r: int, colour: Colour) -> None:
    pen.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def footbridge(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (38, 52, 98), (236, 151, 110), 420)
    _sun(pen, 700, 330, 60, (255, 214, 150))
    _hills(pen, 430, 120, (62, 84, 96), 0.4)
    _river(pen, 430, (40, 86, 120))
    pen.arc((120, 300, 840, 700), 195, 345, fill=(70, 52, 44), width=26)  # the span
    pen.rectangle((150, 372, 810, 392), fill=(92, 70, 58))  # the deck
    for x in range(180, 800, 70):
        pen.line([(x, 372), (x, 330)], fill=(92, 70, 58), width=5)
        _sun(pen, x, 326, 7, (255, 230, 160))  # lamps in the handrail
    pen.line([(176, 330), (786, 330)], fill=(92, 70, 58), width=5)


def market(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (150, 200, 235), (225, 238, 245), 330)
    pen.rectangle((0, 330, WIDTH, HEIGHT), fill=(196, 180, 158))  # the square's paving
    for y in range(350, HEIGHT, 40):
        pen.line([(0, y), (WIDTH, y)], fill=(176, 160, 140), width=2)
    stripes = [((200, 40, 48), (250, 245, 235)), ((30, 110, 80), (250, 245, 235))]
    for n, x in enumerate(range(40, WIDTH - 160, 230)):
        red, white = stripes[n % 2]
        pen.rectangle((x, 300, x + 190, 470), fill=(120, 84, 60))
        for k in range(6):
            colour = red if k % 2 == 0 else white
            pen.polygon(
                [(x - 10 + k * 35, 230), (x + 25 + k * 35, 230), (x + 25 + k * 30, 300),
                 (x - 10 + k * 30, 300)],
                fill=colour,
            )  # fmt: skip
        for k in range(5):
            _sun(
                pen,
                x + 25 + k * 35,
                440,
                14,
                [(232, 120, 40), (120, 170, 60), (200, 40, 60)][k % 3],
            )


def bakery(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (96, 58, 40), (160, 100, 62))
    pen.pieslice((560, 90, 900, 430), 180, 360, fill=(60, 36, 28))  # the oven's arch
    pen.rectangle((560, 260, 900, 430), fill=(60, 36, 28))
    pen.pieslice((610, 160, 850, 400), 180, 360, fill=(236, 120, 40))
    pen.rectangle((610, 280, 850, 430), fill=(236, 120, 40))
    pen.rectangle((0, 430, WIDTH, HEIGHT), fill=(130, 88, 56))  # the table
    for n, x in enumerate(range(40, 900, 150)):
        y = 470 + (n % 2) * 60
        pen.ellipse((x, y, x + 140, y + 80), fill=(92, 58, 36))
        for k in range(3):
            pen.line(
                [(x + 35 + k * 30, y + 18), (x + 50 + k * 30, y + 62)], fill=(140, 100, 70), width=5
            )


def otters(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (20, 30, 60), (60, 80, 120), 360)
    _sun(pen, 780, 110, 46, (236, 236, 210))
    _hills(pen, 360, 90, (30, 58, 52), 1.2)
    _river(pen, 360, (28, 64, 90))
    for x, y, s in ((300, 440, 1.0), (470, 470, 0.7), (560, 450, 0.65)):
        pen.ellipse((x, y, x + 160 * s, y + 60 * s), fill=(88, 62, 44))
        pen.ellipse((x + 130 * s, y - 30 * s, x + 200 * s, y + 30 * s), fill=(88, 62, 44))
        _sun(pen, round(x + 180 * s), round(y - 8 * s), max(3, round(5 * s)), (20, 20, 20))
    for x in range(40, 260, 22):
        pen.line([(x, 380), (x + 10, 250 + (x * 13) % 60)], fill=(70, 110, 60), width=6)


def rain(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (70, 78, 90), (140, 148, 158), 420)
    _hills(pen, 440, 140, (66, 86, 80), 2.0)
    _river(pen, 470, (70, 96, 112), high=True)
    for x, y, s in ((90, 120, 70), (420, 90, 90), (700, 150, 70)):
        _cloud(pen, x, y, s, (52, 58, 68))
    rng = random.Random("rain")  # the same drops every time
    for _ in range(160):
        x, y = rng.randrange(0, WIDTH), rng.randrange(180, HEIGHT)
        pen.line([(x, y), (x - 12, y + 34)], fill=(190, 205, 220), width=3)


def football(pen: ImageDraw.ImageDraw) -> None:
    for n, x in enumerate(range(0, WIDTH, 80)):
        pen.rectangle((x, 0, x + 80, HEIGHT), fill=(46, 130, 60) if n % 2 else (56, 146, 70))
    pen.rectangle((260, 90, 700, 110), fill=(245, 245, 245))  # the crossbar and posts
    pen.rectangle((260, 90, 280, 400), fill=(245, 245, 245))
    pen.rectangle((680, 90, 700, 400), fill=(245, 245, 245))
    for x in range(290, 680, 24):
        pen.line([(x, 112), (x + 10, 400)], fill=(210, 230, 210), width=2)
    pen.line([(0, 400), (WIDTH, 400)], fill=(245, 245, 245), width=6)
    _sun(pen, 520, 230, 44, (250, 250, 250))  # the ball
    pen.regular_polygon((520, 230, 16), 5, fill=(30, 30, 30))


def library(pen: ImageDraw.ImageDraw) -> None:
    pen.rectangle((0, 0, WIDTH, HEIGHT), fill=(92, 60, 42))
    rng = random.Random("library")
    colours = [(160, 40, 44), (30, 80, 120), (210, 160, 40), (40, 110, 80), (230, 225, 210)]
    for shelf in range(4):
        top = 30 + shelf * 150
        pen.rectangle((0, top + 120, WIDTH, top + 134), fill=(60, 38, 26))
        x = 30
        while x < WIDTH - 60:
            width, height = rng.randrange(22, 44), rng.randrange(80, 118)
            pen.rectangle((x, top + 120 - height, x + width, top + 120), fill=rng.choice(colours))
            x += width + rng.randrange(2, 8)


def mill(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (120, 160, 200), (220, 228, 232), 460)
    _hills(pen, 470, 100, (90, 120, 90), 0.8)
    for x, y, r in ((640, 130, 40), (600, 80, 52), (660, 40, 64)):
        _sun(pen, x, y, r, (240, 242, 244))  # steam
    pen.rectangle((620, 150, 680, 470), fill=(120, 70, 56))  # the chimney
    pen.rectangle((160, 300, 820, 500), fill=(150, 92, 70))
    for k in range(6):
        x = 160 + k * 110
        pen.polygon([(x, 300), (x + 110, 300), (x + 110, 240)], fill=(110, 66, 52))
    for x in range(200, 800, 90):
        pen.rectangle((x, 360, x + 50, 420), fill=(250, 220, 140))
    pen.rectangle((0, 500, WIDTH, HEIGHT), fill=(80, 84, 88))


def festival(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (250, 180, 110), (255, 230, 170), 420)
    pen.rectangle((0, 420, WIDTH, HEIGHT), fill=(96, 140, 70))
    for x in (80, 820, 700):
        pen.rectangle((x + 30, 300, x + 50, 440), fill=(90, 60, 40))
        _sun(pen, x + 40, 280, 70, (60, 110, 56))  # orchard trees
    pen.rectangle((300, 300, 660, 460), fill=(60, 50, 70))  # the stage
    pen.polygon([(280, 300), (680, 300), (480, 200)], fill=(180, 40, 60))
    colours = [(210, 40, 60), (40, 90, 170), (250, 200, 40), (40, 150, 90)]
    for k, x in enumerate(range(0, WIDTH, 60)):
        sag = 60 + 30 * math.sin(x / WIDTH * math.pi)
        pen.polygon([(x, sag), (x + 50, sag), (x + 25, sag + 45)], fill=colours[k % 4])
    pen.line([(0, 60), (WIDTH, 60)], fill=(60, 50, 70), width=3)


def weather_station(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (70, 140, 210), (190, 220, 240))
    _sun(pen, 160, 140, 70, (255, 214, 90))
    _cloud(pen, 560, 120, 50, (250, 250, 250))
    pen.rectangle((0, 480, WIDTH, HEIGHT), fill=(120, 110, 100))  # the roof
    pen.rectangle((470, 200, 486, 480), fill=(200, 204, 210))  # the mast
    pen.line([(420, 220), (536, 220)], fill=(200, 204, 210), width=8)
    for x in (410, 546):
        pen.pieslice((x - 22, 200, x + 22, 244), 270, 90, fill=(230, 232, 236))
    pen.rectangle((430, 330, 526, 400), fill=(245, 245, 245))  # the instrument box
    for y in range(342, 396, 12):
        pen.line([(436, y), (520, y)], fill=(200, 204, 210), width=3)
    pen.rectangle((600, 430, 740, 470), fill=(30, 50, 80))  # a solar panel


def tennis(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (24, 34, 64), (52, 70, 110), 260)
    pen.rectangle((0, 260, WIDTH, HEIGHT), fill=(52, 110, 160))
    pen.polygon([(250, 270), (710, 270), (880, HEIGHT), (80, HEIGHT)], fill=(40, 140, 110))
    white = (240, 240, 240)
    pen.line([(250, 270), (710, 270), (880, HEIGHT), (80, HEIGHT), (250, 270)], fill=white, width=5)
    pen.line([(480, 270), (480, HEIGHT)], fill=white, width=4)
    pen.line([(160, 440), (800, 440)], fill=(30, 30, 30), width=10)  # the net
    for x in (60, 900):
        pen.rectangle((x - 6, 60, x + 6, 300), fill=(160, 160, 170))  # floodlights
        pen.rectangle((x - 40, 40, x + 40, 70), fill=(255, 250, 210))


def castle(pen: ImageDraw.ImageDraw) -> None:
    _sky(pen, (120, 170, 220), (230, 236, 240))
    _hills(pen, 560, 80, (100, 140, 80), 0.3, waves=1)
    stone = (150, 140, 128)
    pen.rectangle((300, 240, 660, 520), fill=stone)
    for tower in (250, 600):
        pen.rectangle((tower, 160, tower + 110, 520), fill=(136, 126, 116))
        for k in range(4):
            pen.rectangle((tower + k * 30, 136, tower + k * 30 + 18, 160), fill=(136, 126, 116))
    for k in range(6):
        pen.rectangle((360 + k * 45, 218, 360 + k * 45 + 25, 240), fill=stone)
    pen.pieslice((420, 360, 540, 480), 180, 360, fill=(60, 50, 44))  # the gate
    pen.rectangle((420, 420, 540, 520), fill=(60, 50, 44))
    pen.line([(655, 160), (655, 70)], fill=(60, 50, 44), width=5)
    pen.polygon([(657, 72), (720, 90), (657, 108)], fill=(180, 30, 40))


def flood_map(pen: ImageDraw.ImageDraw) -> None:
    """A plan of the crossing, for the body of the footbridge story."""
    pen.rectangle((0, 0, WIDTH, HEIGHT), fill=(236, 232, 220))
    for x in range(0, WIDTH, 40):
        pen.line([(x, 0), (x, HEIGHT)], fill=(220, 214, 200), width=1)
    for y in range(0, HEIGHT, 40):
        pen.line([(0, y), (WIDTH, y)], fill=(220, 214, 200), width=1)
    pen.polygon([(0, 250), (WIDTH, 190), (WIDTH, 420), (0, 470)], fill=(170, 200, 225))  # 2023
    pen.polygon([(0, 300), (WIDTH, 250), (WIDTH, 360), (0, 410)], fill=(70, 120, 170))  # the Wend
    pen.rectangle((430, 170, 500, 480), fill=(120, 84, 60))  # the new deck
    for x, y in ((200, 120), (700, 110), (240, 540), (760, 520)):
        pen.rectangle((x, y, x + 90, y + 60), fill=(190, 120, 100))  # houses


DRAWINGS: dict[str, Callable[[ImageDraw.ImageDraw], None]] = {
    f.__name__: f
    for f in (
        footbridge, market, bakery, otters, rain, football, library, mill, festival,
        weather_station, tennis, castle, flood_map,
    )
}  # fmt: skip


def draw_picture(name: str) -> bytes:
    """The named illustration as a JPEG, the same bytes on every call."""
    canvas = PILImage.new("RGB", (WIDTH, HEIGHT))
    DRAWINGS[name](ImageDraw.Draw(canvas))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def draw_portrait(seed: str, size: int = 480) -> bytes:
    """A head-and-shoulders silhouette on a colour picked from `seed`."""
    rng = random.Random(seed)
    background = rng.choice([(164, 22, 26), (30, 80, 120), (40, 110, 80), (120, 80, 140)])
    skin = rng.choice([(241, 204, 170), (198, 144, 104), (141, 94, 62), (224, 172, 130)])
    hair = rng.choice([(40, 30, 24), (110, 70, 40), (200, 170, 110), (80, 80, 84)])
    canvas = PILImage.new("RGB", (size, size), background)
    pen = ImageDraw.Draw(canvas)
    unit = size / 12
    pen.ellipse((2 * unit, 8 * unit, 10 * unit, 15 * unit), fill=_mix(background, (0, 0, 0), 0.45))
    pen.ellipse((3.6 * unit, 2.2 * unit, 8.4 * unit, 7.6 * unit), fill=hair)
    pen.ellipse((4 * unit, 3 * unit, 8 * unit, 8 * unit), fill=skin)
    pen.rectangle((5.3 * unit, 7.4 * unit, 6.7 * unit, 8.6 * unit), fill=skin)
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def picture_create(*, name: str, data: bytes, alt: str, caption: str = "") -> Image:
    """An Image with its renditions, as an upload through the admin would make it."""
    with PILImage.open(io.BytesIO(data)) as probe:
        width, height = probe.size
    image = Image(
        alt=alt, caption=caption, credit="Illustration: Newsdesk demo", width=width, height=height
    )
    image.file.save(f"demo-{name}.jpg", ContentFile(data), save=False)
    image.save()
    renditions_generate(image)
    return image
