"""Draw the site's favicon and app icons (newsdesk/core/static/newsdesk/): an "N" in a red
square, the same mark as feeds/logo.png. The SVG is the source; the PNG and ICO files are the
same geometry drawn with Pillow, for browsers and home screens that want bitmaps.

    .venv/bin/python scripts/draw_icons.py     # writes the files; commit them
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "newsdesk" / "core" / "static" / "newsdesk"
RED, WHITE = (164, 22, 26), (255, 255, 255)
# The "N" in a 32 x 32 box: two stems and the diagonal between them.
N = [(9, 24), (9, 8), (12.4, 8), (19.6, 18.2), (19.6, 8), (23, 8), (23, 24), (19.6, 24),
     (12.4, 13.8), (12.4, 24)]  # fmt: skip
SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="{rx}" fill="#a4161a"/>
<path fill="#fff" d="M{points}Z"/>
</svg>
"""


def draw(size: int, *, rounded: bool, safe: float = 1.0) -> Image.Image:
    """The mark at `size` px; `safe` < 1 shrinks the letter into a maskable icon's safe zone."""
    scale = 4  # drawn large and reduced: smooth edges without anti-aliasing support in Pillow
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    radius = big * 6 // 32 if rounded else 0
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=RED)
    unit = big / 32

    def place(x: float, y: float) -> tuple[float, float]:
        return ((16 + (x - 16) * safe) * unit, (16 + (y - 16) * safe) * unit)

    pen.polygon([place(x, y) for x, y in N], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    points = " ".join(f"{x:g} {y:g}" for x, y in N)
    (OUT / "favicon.svg").write_text(SVG.format(rx=6, points=points))
    draw(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    draw(192, rounded=True).save(OUT / "icon-192.png", optimize=True)
    draw(512, rounded=True).save(OUT / "icon-512.png", optimize=True)
    draw(512, rounded=False, safe=0.7).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(48, rounded=True).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
