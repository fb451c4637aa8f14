"""Can people read the Security Key at first sight? Sheets of fresh pictures, read by eye.

    .venv/bin/python bench/captcha_legibility.py sheets [--count 100] [--per-sheet 10]
        draws COUNT fresh pictures (new random seeds, the shipped generator), at 1x: the size a
        phone shows them at (280 x 90 CSS pixels, one image pixel each), onto numbered PNG sheets
        under var/bench/captcha-legibility/<run>/, with a blank readings.txt to fill in and the
        answers in answers.json (do not open it before the readings are written down);
    .venv/bin/python bench/captcha_legibility.py score var/bench/captcha-legibility/<run>
        compares readings.txt (one reading a line, "NN: READING", in the sheets' order) with
        the answers, counts a reading right when it is the answer as the form checks it (case
        and spaces ignored), lists every miss and writes the captcha section's legibility block
        of BENCHMARKS.md.

The reader looks at each sheet once, writes down every picture's characters at the first try,
and only then runs `score`. A miss stays a miss: no second look is counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import re
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from newsdesk.captcha.image import (  # noqa: E402
    ALPHABET,
    FONT_PATH,
    HEIGHT,
    WIDTH,
    normalize_answer,
    random_answer,
    render_challenge,
)

OUT = ROOT / "var" / "bench" / "captcha-legibility"
LABEL = 40  # px left of each picture for its number
PAD = 10
READING_RE = re.compile(r"^\s*(\d+)\s*[:.)]\s*(.*?)\s*$")


def sheets(count: int, per_sheet: int) -> Path:
    run = OUT / dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    run.mkdir(parents=True, exist_ok=True)
    rng = random.SystemRandom()
    font = ImageFont.truetype(str(FONT_PATH), 16)
    answers = []
    for first in range(0, count, per_sheet):
        n = min(per_sheet, count - first)
        sheet = Image.new("RGB", (LABEL + WIDTH + 2 * PAD, n * (HEIGHT + PAD) + PAD), "white")
        draw = ImageDraw.Draw(sheet)
        for row in range(n):
            number = first + row + 1
            answer = random_answer(rng)
            seed = rng.randrange(2**63)
            picture = render_challenge(answer, rng=random.Random(seed), scale=1)  # noqa: S311
            y = PAD + row * (HEIGHT + PAD)
            sheet.paste(Image.open(io.BytesIO(picture)), (LABEL + PAD, y))
            draw.text((4, y + HEIGHT // 2 - 9), f"{number:02d}", font=font, fill="black")
            answers.append({"n": number, "answer": answer, "seed": seed})
        sheet.save(run / f"sheet-{first // per_sheet + 1:02d}.png")
    (run / "answers.json").write_text(json.dumps(answers, indent=1))
    (run / "readings.txt").write_text("".join(f"{a['n']:02d}: \n" for a in answers))
    print(f"{count} pictures on {-(-count // per_sheet)} sheets in {run.relative_to(ROOT)}")
    print(
        "Read every sheet once, write readings.txt, then run: score " + str(run.relative_to(ROOT))
    )
    return run


def score(run: Path, *, reader: str, how: str, write: bool) -> None:
    answers = {a["n"]: a["answer"] for a in json.loads((run / "answers.json").read_text())}
    readings = {}
    for line in (run / "readings.txt").read_text().splitlines():
        match = READING_RE.match(line)
        if match:
            readings[int(match.group(1))] = match.group(2)
    missing = sorted(set(answers) - {n for n, r in readings.items() if r})
    if missing:
        sys.exit(f"readings.txt has no reading for {missing}: every picture needs one.")
    misses = [
        (n, readings[n], answers[n])
        for n in sorted(answers)
        if normalize_answer(readings[n]) != answers[n]
    ]
    right = len(answers) - len(misses)
    rate = 100 * right / len(answers)
    print(f"{right}/{len(answers)} read right at the first try = {rate:.1f} %")
    for n, read, answer in misses:
        print(f"  {n:02d}: read {read!r}, answer {answer}")
    if not write:
        return
    from captcha_ml_attack import write_section

    rows = "\n".join(
        f"| {n:02d} | `{read}` | `{answer}` | "
        + ", ".join(
            f"{a} read as {r}" if r != "·" else f"{a} missed"
            for a, r in _differences(normalize_answer(read), answer)
        )
        + " |"
        for n, read, answer in misses
    )
    write_section(
        "legibility",
        "### People: legibility at first sight\n\n"
        f"`python bench/captcha_legibility.py sheets --count {len(answers)}`, then `score` on "
        f"{dt.date.today().isoformat()}. {len(answers)} fresh pictures (alphabet `{ALPHABET}`, "
        f"{len(next(iter(answers.values())))} symbols) at 1x, {WIDTH} x {HEIGHT} px: the size "
        f"a phone shows. Read by {reader}: {how}\n\n"
        f"**{rate:.1f} % read right at the first try** ({right}/{len(answers)}; target 95 %).\n\n"
        + (
            "| picture | read | answer | difference |\n|---|---|---|---|\n" + rows + "\n"
            if misses
            else "No miss.\n"
        ),
    )


def _differences(read: str, answer: str) -> list[tuple[str, str]]:
    """Symbol by symbol where the lengths agree; otherwise the whole reading."""
    if len(read) != len(answer):
        return [(answer, read or "·")]
    return [(a, r) for a, r in zip(answer, read, strict=True) if a != r]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("sheets")
    make.add_argument("--count", type=int, default=100)
    make.add_argument("--per-sheet", type=int, default=10)
    check = sub.add_parser("score")
    check.add_argument("run", type=Path)
    check.add_argument("--reader", default="one reader")
    check.add_argument("--how", default="each sheet looked at once, readings written first.")
    check.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.command == "sheets":
        sheets(args.count, args.per_sheet)
    else:
        score(args.run, reader=args.reader, how=args.how, write=not args.no_write)


if __name__ == "__main__":
    main()
