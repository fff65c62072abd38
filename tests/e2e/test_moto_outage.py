#!/usr/bin/env python3
"""AWS out of reach mid-rollout (issue 10), on moto_server behind the fault proxy. A surge
respawn of the ALB group web-1 loses AWS when it first terminates an instance:

- ShortOutage: 12 s of 503s are ridden out. Each wait prints a `retrying in` line at once (read
  from the log file while rotor runs, stdout redirected to it), the waits between attempts are
  5 s then 10 s, and the rollout completes on the new image with the original sizes and
  processes; nothing is rolled back.
- LongOutage: the endpoint refuses connections for good; with `--unreachable-timeout 20s` rotor
  pauses (exit 4) within a minute, saying since when AWS is unreachable and how to resume; the
  journal stays small; once AWS is back, `rotor rollout resume ID` completes the rollout.
- RequestRate: no service ever sees more than 10 requests in any one second of a whole
  rollout (the default --max-rps), nor more than N with --max-rps N.
- ProxyOutage: the fault proxy's outage mode itself (no moto, no rotor).

Run by ctest: python3 test_moto_outage.py --rotor PATH/TO/rotor [CLASS]
"""
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_proxy  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402

GROUP = "web-1-AppServer"
RESPAWN = ["respawn", "web-1", "--drain", "1s"]
JOURNAL_LIMIT = 32 * 1024  # bytes of rows: a healthy outage journals under 10 KB (5.6 KB seen)
RETRY_LINE = re.compile(r"retrying in (\d+)s \(attempt (\d+)\)")


def tail(text, chars=3000):
    return text if len(text) <= chars else "...\n" + text[-chars:]


def bursts(times, gap=2.0):
    """Groups sorted request times into bursts: the SDK's own retries of one call come within
    a fraction of a second, rotor's attempts (and its back-off) seconds apart."""
    groups = []
    for t in times:
        if groups and t - groups[-1][-1] < gap:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def busiest_second(times, slack=0.05):
    """The most requests in any window [t, t + 1 s - slack), and where that window starts. The
    proxy sees when a request arrives, not when rotor let it go: a few milliseconds more for
    one than for another may bring two sends exactly 1 s apart to 0.99 s apart."""
    times = sorted(times)
    best, start, lo = 0, None, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= 1.0 - slack:
            lo += 1
        if hi - lo + 1 > best:
            best, start = hi - lo + 1, times[lo]
    return best, start


class OutageFixture(e2e.FreshFleet):
    """A fresh moto_server and fleet per test behind a fault proxy, and a journal of the test's
    own (--state) whose size can be watched."""

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="rotor-outage-")
        self.state = os.path.join(self.tmp, "journal.db")

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def command(self, args):
        return [e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes", "--state", self.state] + args

    def rotor(self, args):
        return subprocess.run(self.command(args), env=self.env(), capture_output=True, text=True,
                              timeout=300)

    def start(self, args, name):
        """rotor with stdout and stderr redirected to files (not pipes), as under nohup or CI."""
        out = os.path.join(self.tmp, name + ".out")
        err = os.path.join(self.tmp, name + ".err")
        with open(out, "w") as o, open(err, "w") as e:
            proc = subprocess.Popen(self.command(args), env=self.env(), stdout=o, stderr=e)
        proc.out_path, proc.err_path = out, err
        return proc

    @staticmethod
    def output(proc):
        with open(proc.out_path) as o, open(proc.err_path) as e:
            return o.read(), e.read()

    def journal_bytes(self):
        """What the journal holds: the bytes of its rows, read through SQLite (read only) while
        rotor writes. Not the files' sizes: in WAL mode every transaction appends a page to the
        -wal file until a checkpoint (at 1,000 pages), so those measure how many writes there
        were, not how much the journal grew."""
        if not os.path.exists(self.state):
            return 0
        db = sqlite3.connect(f"file:{self.state}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute(
                "SELECT (SELECT coalesce(sum(length(text) + length(data) + length(grp) + "
                "length(kind) + length(rollout)), 0) FROM records) + "
                "(SELECT coalesce(sum(length(command) + length(resources) + length(policy) + "
                "length(owner) + length(status)), 0) FROM rollouts)").fetchone()
            return row[0]
        except sqlite3.OperationalError:
            return 0  # the schema is not there yet
        finally:
            db.close()

    def wait_for_exit(self, proc, seconds, watch=None):
        """Waits for proc, calling watch() every 0.2 s (its message, if any, kills proc and
        fails the test). Kills proc and fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while proc.poll() is None:
            problem = watch() if watch else None
            if problem or time.monotonic() > deadline:
                proc.kill()
                proc.wait(30)
                out, err = self.output(proc)
                self.fail(f"{problem or f'rotor still running after {seconds} s'}; journal "
                          f"{self.journal_bytes()} bytes\n--- stdout:\n{tail(out)}\n"
                          f"--- stderr:\n{tail(err)}")
            time.sleep(0.2)
        return self.output(proc)

    def assert_rolled(self, before, output):
        """Every member on the new image, sizes and suspended processes the originals, nothing
        running outside a group."""
        try:
            self.check_rolled(GROUP, before, self.fx["new_ami"])
            self.assert_nothing_extra_running()
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- rotor's output:\n{tail(output)}") from None

    def assert_ceiling(self, since, ceiling, output):
        """No service got more than `ceiling` requests in any one second since `since`
        (time.monotonic()); returns what each got, for the log."""
        by_service = {}
        for r in self.proxy.requests:
            if r.t >= since:
                by_service.setdefault(r.service, []).append(r.t)
        self.assertNotIn("", by_service, "requests without a SigV4 credential scope")
        self.assertTrue(by_service, "no requests at all")
        report = {}
        for service, times in sorted(by_service.items()):
            most, start = busiest_second(times)
            report[service] = f"{len(times)} requests, at most {most} in the second from " \
                              f"+{start - since:.3f}s"
        for service, times in by_service.items():
            self.assertLessEqual(busiest_second(times)[0], ceiling,
                                 f"{service} above {ceiling} per second: {report}\n"
                                 f"--- rotor's output:\n{tail(output)}")
        return report

    def outage_requests(self):
        """The requests from the outage's first to the first one moto answered after it."""
        began = self.proxy.outage_began
        self.assertIsNotNone(began, "the outage never began: rotor never called its action")
        seen = [r for r in self.proxy.requests if r.t >= began]
        for n, r in enumerate(seen):
            if r.fate == "forwarded":
                return seen[:n + 1]
        return seen


class ShortOutage(OutageFixture):
    def test_twelve_seconds_of_503_are_ridden_out(self):
        before = self.group(GROUP)
        self.proxy.outage("TerminateInstances", seconds=12, mode="503")
        proc = self.start(RESPAWN, "respawn")
        live = []  # retry lines read from the log file while rotor was still running

        def watch():
            out, _ = self.output(proc)
            if proc.poll() is None and RETRY_LINE.search(out) and not live:
                live.append(RETRY_LINE.search(out).group(0))
            return None

        out, err = self.wait_for_exit(proc, 240, watch)
        both = f"--- stdout:\n{tail(out)}\n--- stderr:\n{tail(err)}"
        self.assertIsNotNone(self.proxy.outage_began,
                             f"rotor never called TerminateInstances\n{both}")
        self.assertTrue(live, "no `retrying in` line reached the log file while rotor ran "
                              f"(stdout not flushed, or no back-off at all)\n{both}")
        self.assertEqual(proc.returncode, 0, f"a 12 s outage was not ridden out\n{both}")
        self.assert_ceiling(self.proxy.requests[0].t, 10, out + err)  # retries included
        self.assertIn(f"{GROUP}: completed — 3 of 3 replaced", out, both)
        self.assertNotIn("rolled_back", out, both)
        self.assertNotIn("rolling back", out, both)
        self.assert_rolled(before, out + err)
        size = self.journal_bytes()
        self.assertLess(size, JOURNAL_LIMIT, f"journal {size} bytes\n{both}")

        lines = [line for line in out.splitlines() if "retrying in" in line]
        for line in lines:
            self.assertRegex(line, RETRY_LINE, both)
            self.assertIn("Ctrl-C to pause", line, both)
        waits = [(int(m.group(1)), int(m.group(2))) for m in map(RETRY_LINE.search, lines) if m]
        self.assertGreaterEqual(len(waits), 2, f"expected a 5 s then a 10 s wait\n{both}")
        self.assertEqual([w for w, _ in waits[:2]], [5, 10], f"back-off 5 s, 10 s\n{both}")
        self.assertEqual(waits[1][1], waits[0][1] + 1, f"attempt numbers count up\n{both}")

        # What the proxy saw: rotor's attempts (each with the SDK's quick retries) from the
        # failed terminate to the first answer after the outage, 5 s then 10 s apart.
        seen = self.outage_requests()
        attempts = bursts([r.t for r in seen])
        gaps = [b[0] - a[-1] for a, b in zip(attempts, attempts[1:])]
        story = "; ".join(f"+{r.t - seen[0].t:.2f}s {r.action} {r.fate}" for r in seen)
        self.assertGreaterEqual(len(gaps), 2, f"attempts during the outage: {story}")
        self.assertTrue(4.5 <= gaps[0] <= 8, f"first wait {gaps[0]:.2f} s, not ~5 s: {story}")
        self.assertTrue(9.5 <= gaps[1] <= 14, f"second wait {gaps[1]:.2f} s, not ~10 s: {story}")
        self.assertEqual(seen[-1].fate, "forwarded", f"no answer after the outage: {story}")
        self.assertFalse(any(r.fate == "forwarded" for r in seen[:-1]), story)
        print("\n" + "\n".join(lines) + f"\nwaits seen by the proxy: "
              f"{', '.join(f'{g:.2f} s' for g in gaps)}: {story}", file=sys.stderr)


class LongOutage(OutageFixture):
    def test_refused_for_good_pauses_then_resume_completes(self):
        before = self.group(GROUP)
        self.proxy.outage("TerminateInstances", seconds=None, mode="refuse")
        proc = self.start(["--unreachable-timeout", "20s"] + RESPAWN, "respawn")

        def watch():
            size = self.journal_bytes()
            if size > JOURNAL_LIMIT:
                return f"the journal grew to {size} bytes while AWS was unreachable"
            began = self.proxy.outage_began
            if began and time.monotonic() - began > 60:
                return "rotor did not stop within 60 s of the outage's start"
            return None

        out, err = self.wait_for_exit(proc, 240, watch)
        began, ended = self.proxy.outage_began, time.monotonic()
        both = f"--- stdout:\n{tail(out)}\n--- stderr:\n{tail(err)}"
        self.assertIsNotNone(began, f"rotor (exit {proc.returncode}) never called "
                                    f"TerminateInstances\n{both}")
        self.assertEqual(proc.returncode, 4, f"expected a pause (exit 4)\n{both}")
        self.assertIn("unreachable since", out + err, both)
        self.assertIn("rotor rollout resume", out + err, both)
        self.assertGreaterEqual(ended - began, 19, f"paused before --unreachable-timeout\n{both}")
        size = self.journal_bytes()
        self.assertLess(size, JOURNAL_LIMIT, f"journal {size} bytes\n{both}")
        # One line per wait, 5 s then 10 s (the last one may be cut short by the bound): not
        # one per failed request, nor a burst of them.
        waits = [int(m.group(1)) for m in RETRY_LINE.finditer(out)]
        self.assertTrue(2 <= len(waits) <= 6, f"waits {waits} in 20 s\n{both}")
        self.assertEqual(waits[:2], [5, 10], both)

        listed = self.rotor(["--output", "json", "rollout", "list"])
        self.assertEqual(listed.returncode, 0, listed.stdout + listed.stderr)
        paused = [r["id"] for r in json.loads(listed.stdout) if r["status"] == "paused"]
        self.assertEqual(len(paused), 1, f"{listed.stdout}\n{both}")
        rid = paused[0]
        self.assertIn(f"rotor rollout resume {rid}", out + err, both)

        self.proxy.end_outage()
        self.assertIsNone(self.proxy.outage_error)
        r = self.rotor(["rollout", "resume", rid])
        resumed = f"--- resume stdout:\n{tail(r.stdout)}\n--- resume stderr:\n{tail(r.stderr)}"
        self.assertEqual(r.returncode, 0, resumed)
        self.assertIn(f"{GROUP}: completed", r.stdout, resumed)
        self.assert_rolled(before, r.stdout + r.stderr)
        size = self.journal_bytes()
        self.assertLess(size, JOURNAL_LIMIT, f"journal {size} bytes after the resume")
        print(f"\npaused {ended - began:.1f} s after the outage began, journal {size} bytes:\n"
              f"{tail(out + err, 1500)}", file=sys.stderr)


class RequestRate(OutageFixture):
    def test_default_ceiling_of_ten_per_second_per_service(self):
        before = self.group(GROUP)
        since = time.monotonic()
        r = self.rotor(RESPAWN)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_rolled(before, r.stdout + r.stderr)
        report = self.assert_ceiling(since, 10, r.stdout + r.stderr)
        print(f"\ndefault ceiling: {report}", file=sys.stderr)

    def test_max_rps_flag_lowers_the_ceiling(self):
        before = self.group("db-2-Db")
        since = time.monotonic()
        r = self.rotor(["--max-rps", "4", "respawn", "db", "2", "--all", "--drain", "1s"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("db-2-Db: completed — 2 of 2 replaced", r.stdout, r.stdout + r.stderr)
        self.check_rolled("db-2-Db", before, self.fx["new_ami"])
        report = self.assert_ceiling(since, 4, r.stdout + r.stderr)
        print(f"\n--max-rps 4: {report}", file=sys.stderr)


class Upstream(http.server.BaseHTTPRequestHandler):
    """Stands in for moto in the proxy's self-check: 200 and the action it was asked."""
    seen = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Upstream.seen.append(body.decode())
        data = b"<ok/>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class ProxyOutage(unittest.TestCase):
    """The outage mode of the fault proxy, with urllib against a stand-in upstream."""

    def setUp(self):
        Upstream.seen = []
        self.upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        threading.Thread(target=self.upstream.serve_forever, daemon=True).start()
        self.proxy = fault_proxy.FaultProxy(
            f"http://127.0.0.1:{self.upstream.server_address[1]}").start()

    def tearDown(self):
        self.proxy.stop()
        self.upstream.shutdown()
        self.upstream.server_close()

    def call(self, action, service="autoscaling", json_target=None):
        """(status, body) of one call through the proxy, signed-looking for `service`."""
        headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/"
                                    f"{service}/aws4_request, SignedHeaders=host, Signature=0"}
        if json_target:
            headers.update({"X-Amz-Target": f"{json_target}.{action}",
                            "Content-Type": "application/x-amz-json-1.0"})
            data = b"{}"
        else:
            data = f"Action={action}&Version=2011-01-01".encode()
        req = urllib.request.Request(self.proxy.url + "/", data=data, headers=headers,
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def upstream_actions(self):
        return [re.search(r"Action=(\w+)", b).group(1) if "Action=" in b else b
                for b in Upstream.seen]

    def test_503_from_the_nth_matching_call_until_ended(self):
        self.proxy.outage("Stop", mode="503", nth=2)
        self.assertEqual(self.call("Stop")[0], 200)
        self.assertEqual(self.call("Other")[0], 200)
        status, body = self.call("Stop")  # the second: the outage begins, moto never sees it
        self.assertEqual(status, 503)
        self.assertIn(b"<Code>ServiceUnavailable</Code>", body)
        status, body = self.call("DescribeInstances", service="ec2")
        self.assertEqual(status, 503)
        self.assertIn(b"<Errors><Error><Code>Unavailable</Code>", body)
        status, body = self.call("PutItem", service="dynamodb", json_target="DynamoDB_20120810")
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body)["__type"].rpartition("#")[2],
                         "ServiceUnavailableException")
        self.proxy.end_outage()
        self.assertEqual(self.call("Stop")[0], 200)
        self.assertEqual(self.upstream_actions(), ["Stop", "Other", "Stop"])
        self.assertEqual([a for a, _ in self.proxy.times],
                         ["Stop", "Other", "Stop", "DescribeInstances", "PutItem", "Stop"])
        self.assertEqual([r.service for r in self.proxy.requests],
                         ["autoscaling"] * 3 + ["ec2", "dynamodb", "autoscaling"])
        self.assertEqual([r.fate for r in self.proxy.requests],
                         ["forwarded"] * 2 + ["503"] * 3 + ["forwarded"])
        times = [t for _, t in self.proxy.times]
        self.assertEqual(times, sorted(times))

    def test_timed_503_ends_by_itself(self):
        self.proxy.outage(lambda a: a.startswith("Terminate"), seconds=1, mode="503")
        self.assertEqual(self.call("Describe")[0], 200)
        self.assertEqual(self.call("TerminateInstances")[0], 503)
        self.assertEqual(self.call("Describe")[0], 503)
        time.sleep(1.3)
        self.assertEqual(self.call("Describe")[0], 200)
        self.assertEqual(self.upstream_actions(), ["Describe", "Describe"])

    def test_refuse_stops_listening_then_listens_on_the_same_port(self):
        port = self.proxy.port
        self.proxy.outage("Stop", seconds=2, mode="refuse")
        began = time.monotonic()
        with self.assertRaises((urllib.error.URLError, http.client.HTTPException,
                                ConnectionError)):
            self.call("Stop")  # closed without an answer
        refused = False
        while not refused and time.monotonic() - began < 1.5:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                time.sleep(0.05)
            except ConnectionRefusedError:
                refused = True
            except ConnectionResetError:
                pass  # accepted just as the listener closed
        self.assertTrue(refused, "the proxy kept listening during a refuse outage")
        while time.monotonic() - began < 2.5:
            time.sleep(0.1)
        self.assertEqual(self.proxy.port, port)
        self.assertIsNone(self.proxy.outage_error)
        self.assertEqual(self.call("Other")[0], 200)
        self.assertEqual(self.upstream_actions(), ["Other"])
        # Ended by hand, before its time, it listens again too.
        self.proxy.outage("Stop", seconds=None, mode="refuse")
        with self.assertRaises((urllib.error.URLError, http.client.HTTPException,
                                ConnectionError)):
            self.call("Stop")
        time.sleep(0.5)
        self.proxy.end_outage()
        self.assertEqual(self.call("Other")[0], 200)
        self.assertEqual(self.proxy.port, port)


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
