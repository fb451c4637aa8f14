import sys
import time

from django.test import SimpleTestCase

from newsdesk.core.management.commands.serve import TaskWorkerSupervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class TaskWorkerSupervisorTests(SimpleTestCase):
    def test_worker_is_restarted_when_it_dies_and_stopped_with_the_server(self):
        supervisor = TaskWorkerSupervisor(command=SLEEPER, restart_delay=0.1)
        supervisor.start()
        try:
            self.assertTrue(wait_until(lambda: supervisor.process is not None))
            first = supervisor.process
            first.kill()
            self.assertTrue(wait_until(lambda: supervisor.process is not first))
            second = supervisor.process
            self.assertIsNone(second.poll())
        finally:
            supervisor.stop(timeout=5)
        self.assertIsNotNone(second.poll())
        self.assertFalse(supervisor._thread.is_alive())
