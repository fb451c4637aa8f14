"""The benches whose code the suite runs on a smaller scale (bench/ is not a package)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"


def bench_module(name: str):
    """bench/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
