"""Say which system programs the suite uses are missing, and what skips without them.

`make test` runs this first; it never fails the run (the tests that need a program skip with
their own reason), it only says it plainly. `.ci/run` installs them from .ci/debian-packages.
"""

import glob
import shutil

NEEDED = [
    ("chromium", "chromium", "browser tests (Playwright drives the system Chromium)"),
    ("espeak-ng", "espeak-ng", "the Security Key's audio alternative"),
    ("varnishd", "varnish", "the edge-cache tests through a real Varnish"),
    ("nginx", "nginx", "the static mirror served by a real nginx"),
    ("wrk", "wrk", "the throughput benchmarks (bench/, not the suite)"),
    ("xgettext", "gettext", "the check that every string is translated (and make messages)"),
]

missing = [(package, why) for program, package, why in NEEDED if not shutil.which(program)]
if shutil.which("varnishd") and not glob.glob("/usr/lib/*/varnish/vmods/libvmod_xkey.so"):
    missing.append(("varnish-modules", "the xkey module the edge-cache tests purge with"))
for package, why in missing:
    print(f"Missing Debian package {package}: {why} will skip. Install: apt-get install {package}")
if missing:
    print("(As root, make test installs them itself: scripts/install_system_packages.sh.)")
