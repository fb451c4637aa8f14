"""Shared by the benchmarks: the machine they ran on, and their own section of BENCHMARKS.md.

Each benchmark owns the text between `<!-- <name>:start -->` and `<!-- <name>:end -->` and
replaces only that; other sections are left as they are.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nWhat was measured, on what machine, with which command.\n"


def machine() -> str:
    """uname, CPU model, cores and Python: what a figure was measured on."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    uname = " ".join(platform.uname())
    return f"{uname}; {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}"


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_section(name: str, markdown: str, *, path: Path = BENCHMARKS) -> None:
    """Put `markdown` between this benchmark's markers, adding the section at the end if new."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
