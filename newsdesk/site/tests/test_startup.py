"""What every process pays before it does anything: each web worker, task worker and `newsdesk`
command loads every app, its admin and its URLs. Libraries that only one rare action needs are
imported by that action: datasketch (wire dedup) brings scipy, yake (keyword suggestions) brings
networkx, together some two seconds of CPU of each start-up on this project's machines."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

LOADED = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every app's views and the admin
from newsdesk.core.tasks import periodic_jobs
periodic_jobs()  # every app's tasks, as a worker loads them
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

ON_DEMAND = ("datasketch", "scipy", "yake", "networkx")


def test_loading_every_app_leaves_the_heavy_libraries_of_rare_actions_unloaded(tmp_path):
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", LOADED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "newsdesk" in loaded and "django" in loaded  # it did load the project
    assert not loaded & set(ON_DEMAND), f"imported at start-up: {sorted(loaded & set(ON_DEMAND))}"
