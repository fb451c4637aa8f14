import os
import sys

from django.test import SimpleTestCase

from newsdesk.core.management.commands.serve import TaskWorkerSupervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class TaskWorkerSupervisorTests(SimpleTestCase):
    def test_worker_is_restarted_after_the_delay_when_it_dies_and_stopped_with_the_server(self):
        now = [100.0]
        supervisor = TaskWorkerSupervisor(command=SLEEPER, restart_delay=2.0, clock=lambda: now[0])
        supervisor.start()
        first = supervisor.process
        try:
            supervisor.check()
            self.assertIs(supervisor.process, first)  # alive: left alone
            first.kill()
            first.wait()
            supervisor.check()  # found dead at 100: started again at 102
            now[0] = 101.9
            supervisor.check()
            self.assertIs(supervisor.process, first)
            now[0] = 102.0
            supervisor.check()
            second = supervisor.process
            self.assertIsNot(second, first)
            self.assertIsNone(second.poll())
            self.assertEqual(supervisor.restarts, 1)
        finally:
            supervisor.stop(timeout=5)
        self.assertIsNotNone(supervisor.process.poll())
        supervisor.check()  # stopped: never started again
        self.assertEqual(supervisor.restarts, 1)

    def test_the_worker_is_told_who_its_parent_is(self):
        supervisor = TaskWorkerSupervisor(command=SLEEPER)
        supervisor.start()
        try:
            self.assertEqual(supervisor.process.args[-2:], ["--parent", str(os.getpid())])
        finally:
            supervisor.stop(timeout=5)
