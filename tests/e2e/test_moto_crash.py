#!/usr/bin/env python3
"""Crash points on moto_server with real processes (issue 5). A surge respawn of a group behind
an ALB and of one behind a classic ELB is killed with SIGKILL at every call it makes that
changes something: once while the call is on its way (AWS never saw it), and, after
`rotor rollout resume` took over, once after AWS acted but before rotor heard; then again at
the next change, and so on to the end. One kill falls in the middle of waiting. Every kill is
followed by a resume. At the end: sizes and suspended processes are the originals, every
member runs the new image, nothing runs outside a group, each old instance was replaced by
exactly one launch, and no instance was detached or terminated twice.

Run by ctest: python3 test_moto_crash.py --rotor PATH/TO/rotor [AlbGroup|ClassicElbGroup]
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_proxy  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402

# The lease outlives the whole test: a resume on this host takes over at once because the killed
# rotor's process is gone (DESIGN 4), never by waiting out the TTL.
TTL = 600


def changes(action):
    return not action.startswith(("Describe", "Get", "List"))


class CrashPoints:
    """Mixed into a test case with a moto_server of its own (e2e.RespawnFixture) and GROUP,
    ARGS: the chain of crashes rolls the whole group once."""

    def setUp(self):
        self.proxy = fault_proxy.FaultProxy(self.moto.url).start()

    def tearDown(self):
        self.proxy.stop()

    def start(self, args):
        return subprocess.Popen(
            [e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes", "--lease-ttl", f"{TTL}s"] +
            args, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def crash_at(self, proc, match, after, nth=1):
        """Kill proc when the call is held; None if proc ended first (its output)."""
        self.proxy.hold(match, after=after, nth=nth)
        try:
            while not self.proxy.held.wait(0.05):
                if proc.poll() is not None:
                    self.proxy.hold(lambda a: False)
                    return proc.communicate()
            return None
        finally:
            proc.kill()  # SIGKILL: no chance to clean up
            proc.communicate(timeout=30)
            self.proxy.release()

    def test_every_change_crashed_before_and_after(self):
        before = self.group(self.GROUP)
        born_before = {i["InstanceId"] for i in self.instances()}
        proc = self.start(self.ARGS + ["--all", "--drain", "1s"])
        self.assertIsNone(self.crash_at(proc, changes, after=False), "no change at all")
        r = self.rotor(self.ARGS)  # a new respawn refuses, naming the unfinished rollout
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        m = re.search(r"rotor rollout resume (r-[0-9a-f-]+)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        crashes = [f"{self.proxy.held_action} (before)"]
        # Each change is crashed before AWS sees it, then (retried by the resume) after AWS
        # acted. Once, after the first detach, the crash falls in the wait that follows it
        # (the resume's first look settles the detach; its second is the wait).
        after, waited, ended = True, False, None
        while ended is None:
            if not waited and crashes[-1] == "DetachInstances (after)":
                match, point, nth, waited = "DescribeAutoScalingGroups", True, 2, True
            else:
                match, point, nth, after = changes, after, 1, not after
            resume = self.start(["rollout", "resume", m.group(1)])
            ended = self.crash_at(resume, match, point, nth)
            if ended is None:
                crashes.append(f"{self.proxy.held_action} ({'after' if point else 'before'})")
        out, err = ended
        self.assertIn(f"{self.GROUP}: completed", out, err)
        print(f"\n{self.GROUP}: {len(crashes)} crashes: {', '.join(crashes)}", file=sys.stderr)
        self.check_rolled(self.GROUP, before, self.fx["new_ami"])
        self.assert_nothing_extra_running()
        born = {i["InstanceId"] for i in self.instances()} - born_before
        self.assertEqual(len(born), before["DesiredCapacity"], "one launch per old instance")
        for actions in (("DetachInstances",),
                        ("TerminateInstances", "TerminateInstanceInAutoScalingGroup")):
            ids = [v for action, form in self.proxy.forwarded if action in actions
                   for k, vs in form.items() if k.startswith("InstanceId") for v in vs]
            self.assertEqual(len(ids), len(set(ids)), f"{actions[0]} twice: {ids}")

        # Every kind of change was crashed at both points, and one wait.
        for action in ("SuspendProcesses", "UpdateAutoScalingGroup", "DetachInstances",
                       "TerminateInstances", "ResumeProcesses"):
            self.assertIn(f"{action} (before)", crashes)
            self.assertIn(f"{action} (after)", crashes)
        self.assertIn("DescribeAutoScalingGroups (after)", crashes)


class AlbGroup(CrashPoints, e2e.RespawnFixture):
    GROUP = "web-1-AppServer"
    ARGS = ["respawn", "web-1"]


class ClassicElbGroup(CrashPoints, e2e.RespawnFixture):
    GROUP = "db-2-Db"
    ARGS = ["respawn", "db", "2"]


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
