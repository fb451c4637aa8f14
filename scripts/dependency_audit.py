"""Known vulnerabilities in the installed packages, with pip-audit: part of `make lint`.

pip-audit asks a vulnerability database about each package installed in the venv: PyPI's JSON
API (/pypi/NAME/VERSION/json) first, then OSV (api.osv.dev). Any known vulnerability fails the
run (exit 1), listed with its id and the versions that fix it.

Where neither database answers (a machine without their network, or a package mirror that serves
packages but not that API), nothing can be checked. pip-audit would then report "no known
vulnerabilities" for packages it never looked up; this script says plainly that the audit did
not run, and why, and passes (exit 0), so that CI does not fail for want of a network. Set
NEWSDESK_AUDIT_REQUIRED=1 where an audit must happen: the same case is then a failure (exit 2).

    .venv/bin/python scripts/dependency_audit.py
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field

SERVICES = ("pypi", "osv")
TIMEOUT = 300


@dataclass
class Report:
    service: str
    audited: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    error: str = ""

    @property
    def vulnerable(self) -> list[dict]:
        return [d for d in self.audited if d["vulns"]]


def pip_audit_command() -> list[str]:
    # Tests put a stand-in here; normally pip-audit from this interpreter's venv.
    override = os.environ.get("NEWSDESK_PIP_AUDIT")
    return shlex.split(override) if override else [sys.executable, "-m", "pip_audit"]


def run(service: str) -> Report:
    command = pip_audit_command() + [
        "--format",
        "json",
        "--skip-editable",  # Newsdesk itself is not on PyPI
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        service,
    ]
    report = Report(service=service)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as error:
        report.error = str(error)
        return report
    try:
        dependencies = json.loads(done.stdout)["dependencies"]
    except (ValueError, KeyError, TypeError):
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line]
        report.error = lines[-1][:300] if lines else f"pip-audit exited with {done.returncode}"
        return report
    for dependency in dependencies:
        (report.audited if "vulns" in dependency else report.skipped).append(dependency)
    if not report.audited:
        reasons = {d.get("skip_reason", "").split(":")[0] for d in report.skipped}
        report.error = (
            f"no vulnerability data for any of {len(report.skipped)} packages "
            f"({'; '.join(sorted(reasons))})"
        )
    return report


def main() -> int:
    failures = []
    for service in SERVICES:
        report = run(service)
        if report.error:
            failures.append(f"{service}: {report.error}")
            continue
        if report.vulnerable:
            print(
                f"Known vulnerabilities ({service}), fix by upgrading the pins in pyproject.toml:"
            )
            for dependency in report.vulnerable:
                for vuln in dependency["vulns"]:
                    fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                    print(f"  {dependency['name']} {dependency['version']}: {vuln['id']} ({fixed})")
            return 1
        skipped = f"; {len(report.skipped)} not found there" if report.skipped else ""
        print(
            f"Dependency audit ({service}): {len(report.audited)} packages, no known "
            f"vulnerabilities{skipped}."
        )
        return 0
    print(
        "Dependency audit NOT RUN: no vulnerability database answered from this machine, so no "
        "package was checked.\n  " + "\n  ".join(failures) + "\n"
        "Run `.venv/bin/python scripts/dependency_audit.py` where pypi.org's JSON API or "
        "api.osv.dev can be reached (NEWSDESK_AUDIT_REQUIRED=1 makes this case fail)."
    )
    return 2 if os.environ.get("NEWSDESK_AUDIT_REQUIRED") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
