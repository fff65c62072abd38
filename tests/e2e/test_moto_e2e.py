#!/usr/bin/env python3
"""End-to-end: `rotor images` and `rotor status` against a private moto_server with signature
checking on, compared with what the AWS CLI reports for the same fixture; and the errors a user
will hit, each with its message and exit code.

Run by ctest: python3 test_moto_e2e.py --rotor PATH/TO/rotor
"""
import argparse
import collections
import http.server
import json
import os
import pty
import re
import shutil
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_proxy  # noqa: E402
import fixture  # noqa: E402
import moto_harness  # noqa: E402
import sshd_harness  # noqa: E402

ROTOR = None
MOTO = None
FX = None


def base_env(home):
    """A clean environment: no AWS settings leak in from the machine running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=home, AWS_EC2_METADATA_DISABLED="true", AWS_REGION=fixture.REGION)
    return env


def key_env(home, secret=None):
    env = base_env(home)
    env.update(AWS_ACCESS_KEY_ID=FX["key_id"], AWS_SECRET_ACCESS_KEY=secret or FX["secret"])
    return env


def rotor(args, env, endpoint=True):
    cmd = [ROTOR] + (["--endpoint-url", MOTO.url] if endpoint else []) + args
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def rotor_json(args, env):
    r = rotor(["--output", "json"] + args, env)
    if r.returncode != 0:
        raise AssertionError(f"rotor {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def aws(args, env):
    r = subprocess.run(["aws", "--endpoint-url", MOTO.url, "--region", fixture.REGION,
                        "--output", "json"] + args, env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed: {r.stderr}")
    return json.loads(r.stdout) if r.stdout.strip() else {}


class FakeAws(http.server.BaseHTTPRequestHandler):
    """Answers every request with the class's fixed status and body."""
    status = 200
    body = b"not xml at all"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def serve(handler):
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Fixture(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="rotor-e2e-home-")
        self.env = key_env(self.home)

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)


class StatusMatchesAwsCli(Fixture):
    def cli_group(self, name):
        groups = aws(["autoscaling", "describe-auto-scaling-groups",
                      "--auto-scaling-group-names", name], self.env)["AutoScalingGroups"]
        self.assertEqual(len(groups), 1)
        return groups[0]

    def cli_images(self, ids):
        out = aws(["ec2", "describe-instances", "--instance-ids"] + ids, self.env)
        return {i["InstanceId"]: i["ImageId"] for r in out["Reservations"] for i in r["Instances"]}

    def test_launch_template_group_behind_alb(self):
        report = rotor_json(["status", "web-1"], self.env)
        self.assertEqual(report["stack"], "web-1")
        (group,) = report["groups"]
        cli = self.cli_group("web-1-AppServer")
        for ours, theirs in (("min", "MinSize"), ("max", "MaxSize"), ("desired", "DesiredCapacity")):
            self.assertEqual(group[ours], cli[theirs])
        lt = aws(["ec2", "describe-launch-templates", "--launch-template-ids",
                  cli["LaunchTemplate"]["LaunchTemplateId"]], self.env)["LaunchTemplates"][0]
        spec = group["launch_spec"]
        self.assertEqual(spec["version"], cli["LaunchTemplate"]["Version"])  # "$Latest"
        self.assertEqual(spec["resolved_version"], str(lt["LatestVersionNumber"]))
        self.assertEqual(spec["image_id"], FX["new_ami"])

        members = {i["InstanceId"]: i for i in cli["Instances"]}
        self.assertEqual({i["id"] for i in group["instances"]}, set(members))
        images = self.cli_images(list(members))
        tg = cli["TargetGroupARNs"][0]
        self.assertEqual(group["target_groups"], [tg])
        health = {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in aws(
            ["elbv2", "describe-target-health", "--target-group-arn", tg],
            self.env)["TargetHealthDescriptions"]}
        for inst in group["instances"]:
            self.assertEqual(inst["image_id"], images[inst["id"]])
            self.assertEqual(inst["launch_spec"]["resolved_version"],
                             members[inst["id"]]["LaunchTemplate"]["Version"])
            self.assertEqual(inst["lifecycle_state"], members[inst["id"]]["LifecycleState"])
            self.assertEqual([h["state"] for h in inst["health"]], [health[inst["id"]]])
            self.assertTrue(inst["out_of_date"], inst)  # launched from v1, the group is at v2
        self.assertEqual(group["out_of_date"], len(members))

    def test_launch_configuration_group_behind_classic_elb(self):
        report = rotor_json(["status", "db", "2"], self.env)  # STACK VERSION -> db-2
        (group,) = report["groups"]
        cli = self.cli_group("db-2-Db")
        self.assertEqual(group["launch_spec"]["name"], cli["LaunchConfigurationName"])
        self.assertEqual(group["launch_spec"]["image_id"], FX["new_ami"])
        self.assertEqual(group["classic_elbs"], cli["LoadBalancerNames"])
        health = {s["InstanceId"]: s["State"] for s in aws(
            ["elb", "describe-instance-health", "--load-balancer-name", "db-2-elb"],
            self.env)["InstanceStates"]}
        images = self.cli_images([i["InstanceId"] for i in cli["Instances"]])
        self.assertEqual(len(group["instances"]), len(cli["Instances"]))
        for inst in group["instances"]:
            self.assertEqual([h["state"] for h in inst["health"]], [health[inst["id"]]])
            self.assertEqual(inst["image_id"], images[inst["id"]])
            self.assertFalse(inst["out_of_date"], inst)
        self.assertEqual(group["ready"], len(cli["Instances"]))

    def test_limit_prefix_selects_one_group(self):
        report = rotor_json(["status", "--limit", "web-1"], self.env)
        self.assertEqual([g["name"] for g in report["groups"]], ["web-1-AppServer"])

    def test_table_and_text_outputs(self):
        table = rotor(["status", "web-1"], self.env)
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn("group web-1-AppServer  min 2  max 4  desired 3", table.stdout)
        self.assertIn("out of date", table.stdout)
        text = rotor(["--output", "text", "status", "--asg", "db-2-Db"], self.env)
        self.assertEqual(text.returncode, 0, text.stderr)
        lines = text.stdout.strip().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(all(line.split("\t")[0] == "db-2-Db" for line in lines))


class ImagesMatchAwsCli(Fixture):
    def running_by_image(self):
        out = aws(["ec2", "describe-instances", "--filters",
                   "Name=instance-state-name,Values=running,pending"], self.env)
        return collections.Counter(i["ImageId"] for r in out["Reservations"]
                                   for i in r["Instances"])

    def test_every_running_instance(self):
        report = rotor_json(["images"], self.env)
        counts = {row["id"]: row["instances"] for row in report["images"]}
        self.assertEqual(counts, dict(self.running_by_image()))

    def test_named_stacks_with_filter(self):
        report = rotor_json(["images", "web-1", "db-2", "--image-filter", "app-*"], self.env)
        cli = aws(["ec2", "describe-images", "--owners", "self", "--filters",
                   "Name=name,Values=app-*"], self.env)["Images"]
        newest = max(cli, key=lambda i: (i["CreationDate"], i["ImageId"]))
        self.assertEqual(report["newest"]["id"], newest["ImageId"])
        rows = {row["id"]: row for row in report["images"]}
        self.assertEqual(rows[FX["old_ami"]]["stacks"], {"web-1": 3})
        self.assertEqual(rows[FX["old_ami"]]["name"], "app-2026.09")
        self.assertEqual(rows[FX["new_ami"]]["stacks"], {"db-2": 2})
        self.assertTrue(rows[FX["new_ami"]]["newest"])
        stacks = {s["stack"]: s for s in report["stacks"]}
        self.assertTrue(stacks["db-2"]["current"])
        self.assertFalse(stacks["web-1"]["current"])
        self.assertEqual(stacks["web-1"]["days_behind"], 0)  # moto dates every image today


class Credentials(Fixture):
    def write_aws_files(self, credentials, config):
        os.makedirs(os.path.join(self.home, ".aws"))
        with open(os.path.join(self.home, ".aws", "credentials"), "w") as f:
            f.write(credentials)
        with open(os.path.join(self.home, ".aws", "config"), "w") as f:
            f.write(config)

    def test_profile_from_shared_files(self):
        self.write_aws_files(
            f"[e2e]\naws_access_key_id = {FX['key_id']}\n"
            f"aws_secret_access_key = {FX['secret']}\n",
            "[profile e2e]\nregion = us-east-1\n")
        env = base_env(self.home)
        del env["AWS_REGION"]  # the region comes from the profile
        report = rotor_json(["--profile", "e2e", "status", "db-2"], env)
        self.assertEqual(report["groups"][0]["name"], "db-2-Db")

    def test_role_arn_with_source_profile_through_sts(self):
        self.write_aws_files(
            f"[e2e]\naws_access_key_id = {FX['key_id']}\n"
            f"aws_secret_access_key = {FX['secret']}\n",
            f"[profile deployer]\nrole_arn = {FX['role_arn']}\nsource_profile = e2e\n"
            "region = us-east-1\n")
        env = base_env(self.home)
        env["AWS_PROFILE"] = "deployer"
        report = rotor_json(["status", "db-2"], env)
        self.assertEqual(report["groups"][0]["name"], "db-2-Db")

    def test_credential_process(self):
        doc = json.dumps({"Version": 1, "AccessKeyId": FX["key_id"],
                          "SecretAccessKey": FX["secret"]})
        self.write_aws_files("", f"[default]\ncredential_process = echo '{doc}'\n")
        report = rotor_json(["status", "db-2"], base_env(self.home))
        self.assertEqual(report["groups"][0]["name"], "db-2-Db")

    def test_debug_output_has_no_secret(self):
        r = rotor(["--debug", "status", "db-2"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("DescribeAutoScalingGroups", r.stderr)
        self.assertIn("Authorization: <redacted>", r.stderr)
        self.assertNotIn(FX["secret"], r.stderr + r.stdout)
        self.assertNotIn("Signature=", r.stderr + r.stdout)


class Errors(Fixture):
    def assert_fails(self, result, code, *fragments):
        self.assertEqual(result.returncode, code, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertTrue(result.stderr.startswith("rotor: "), result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        for f in fragments:
            self.assertIn(f, result.stderr)

    def test_wrong_secret_is_an_auth_error(self):
        r = rotor(["status", "web-1"], key_env(self.home, secret="wrong" + FX["secret"][5:]))
        self.assert_fails(r, 2, "AWS rejected the credentials", FX["key_id"], "the environment")
        self.assertNotIn(FX["secret"][5:], r.stderr)

    def test_no_credentials(self):
        r = rotor(["status", "web-1"], base_env(self.home))
        self.assert_fails(r, 2, "no AWS credentials found", self.home + "/.aws/credentials")

    def test_unknown_stack(self):
        self.assert_fails(rotor(["status", "nope-9"], self.env), 2, "stack 'nope-9' does not exist")

    def test_unknown_group(self):
        self.assert_fails(rotor(["status", "--asg", "nope"], self.env), 2,
                          "auto scaling group 'nope' does not exist")

    def test_ambiguous_prefix_lists_matches(self):
        self.assert_fails(rotor(["status", "--limit", "web"], self.env), 2,
                          "matches 2 groups", "web-1-AppServer", "web-canary")

    def test_unknown_region(self):
        r = rotor(["--region", "eu-wst-1", "status", "web-1"], self.env, endpoint=False)
        self.assert_fails(r, 2, "unknown region 'eu-wst-1'")

    def test_malformed_config_file(self):
        os.makedirs(os.path.join(self.home, ".aws"))
        with open(os.path.join(self.home, ".aws", "config"), "w") as f:
            f.write("[default\nregion = us-east-1\n")
        self.assert_fails(rotor(["status", "web-1"], self.env), 2, ".aws/config:1")

    def test_endpoint_unreachable(self):
        server = serve(FakeAws)
        port = server.server_address[1]
        server.shutdown()
        server.server_close()
        r = subprocess.run([ROTOR, "--endpoint-url", f"http://127.0.0.1:{port}", "status",
                            "web-1"], env=self.env, capture_output=True, text=True, timeout=60)
        self.assert_fails(r, 1, f"cannot reach http://127.0.0.1:{port}", "gave up after 3")

    def test_answer_that_is_not_xml(self):
        handler = type("NotXml", (FakeAws,), {"status": 200, "body": b"<html>oops"})
        server = serve(handler)
        try:
            r = subprocess.run([ROTOR, "--endpoint-url", f"http://127.0.0.1:{server.server_address[1]}",
                                "status", "web-1"], env=self.env, capture_output=True, text=True,
                               timeout=60)
        finally:
            server.shutdown()
            server.server_close()
        self.assert_fails(r, 1, "not valid XML")

    def test_throttled_beyond_retries(self):
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                b"<Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId>"
                b"</ErrorResponse>")
        handler = type("Throttle", (FakeAws,), {"status": 400, "body": body})
        server = serve(handler)
        env = dict(self.env, AWS_MAX_ATTEMPTS="2")
        try:
            r = subprocess.run([ROTOR, "--endpoint-url", f"http://127.0.0.1:{server.server_address[1]}",
                                "status", "web-1"], env=env, capture_output=True, text=True,
                               timeout=60)
        finally:
            server.shutdown()
            server.server_close()
        self.assert_fails(r, 1, "Rate exceeded", "Throttling", "gave up after 2 attempts")


class RespawnFixture(unittest.TestCase):
    """A moto_server of their own for tests that change the fleet, and helpers (no tests)."""

    @classmethod
    def setUpClass(cls):
        cls.moto = moto_harness.MotoServer().start()
        cls.fx = fixture.build(cls.moto.url)
        cls.home = tempfile.mkdtemp(prefix="rotor-e2e-respawn-")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.home, ignore_errors=True)

    def env(self):
        env = base_env(self.home)
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        return env

    @classmethod
    def client_for(cls, service):
        """boto3 in-process for the checks that run after every rollout (the AWS CLI costs a
        second of start-up per call)."""
        return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                             region_name=fixture.REGION).client(service,
                                                                endpoint_url=cls.moto.url)

    def client(self, service):
        return self.client_for(service)

    def aws(self, args):
        r = subprocess.run(["aws", "--endpoint-url", self.moto.url, "--region", fixture.REGION,
                            "--output", "json"] + args, env=self.env(), capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else None

    def rotor(self, args):
        return subprocess.run([ROTOR, "--endpoint-url", self.moto.url, "--yes"] + args,
                              env=self.env(), capture_output=True, text=True, timeout=600)

    def group(self, name):
        return self.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[name])["AutoScalingGroups"][0]

    def instances(self):
        pages = self.client("ec2").get_paginator("describe_instances").paginate()
        return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

    def running(self):
        return {i["InstanceId"]: i["ImageId"] for i in self.instances()
                if i["State"]["Name"] in ("running", "pending")}

    def check_rolled(self, name, before, image):
        after = self.group(name)
        for key in ("MinSize", "MaxSize", "DesiredCapacity"):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual(after["SuspendedProcesses"], before["SuspendedProcesses"])
        members = {i["InstanceId"] for i in after["Instances"]}
        self.assertEqual(len(members), before["DesiredCapacity"])
        self.assertFalse(members & {i["InstanceId"] for i in before["Instances"]})
        running = self.running()
        for m in members:
            self.assertEqual(running[m], image, m)
        return members

    def assert_nothing_extra_running(self):
        pages = self.client("autoscaling").get_paginator(
            "describe_auto_scaling_groups").paginate()
        members = {i["InstanceId"] for page in pages for g in page["AutoScalingGroups"]
                   for i in g["Instances"]}
        self.assertEqual(set(self.running()), members)


class Respawn(RespawnFixture):
    """Rolling respawns of both kinds of group."""

    def test_launch_template_group_behind_alb(self):
        before = self.group("web-1-AppServer")
        r = self.rotor(["respawn", "web-1", "--drain", "1s"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("web-1-AppServer: completed — 3 of 3 replaced", r.stdout)
        self.check_rolled("web-1-AppServer", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()

    def test_launch_configuration_group_behind_classic_elb(self):
        before = self.group("db-2-Db")
        r = self.rotor(["respawn", "db", "2", "--all", "--drain", "1s", "--max-surge", "2"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("db-2-Db: completed — 2 of 2 replaced", r.stdout)
        self.check_rolled("db-2-Db", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()

    def test_bad_input(self):
        for args, fragment in (
                (["respawn", "--asg", "nope"], "auto scaling group 'nope' does not exist"),
                (["respawn", "--limit", "web"], "matches 2 groups"),
                (["respawn", "web-1", "--strategy", "replace", "--max-surge", "0",
                  "--max-unavailable", "0"], "can never take an instance out"),
                (["respawn", "web-1", "--min-healthy", "9"], "above the group's desired capacity")):
            r = self.rotor(args)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(fragment, r.stderr)


class SshProbes(RespawnFixture):
    """`--probe ssh:COMMAND` on moto: the command runs over ssh on each new instance (every
    address mapped onto an sshd of the test's through --ssh-config) and gates it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lab = sshd_harness.SshLab()
        cls.lab.map("*", cls.lab.server("hosts"))
        cls.lab.write()

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        super().tearDownClass()

    def test_new_instances_are_ready_once_the_command_passes(self):
        log = os.path.join(self.lab.dir, "probed")
        before = {i["InstanceId"] for i in self.group("web-1-AppServer")["Instances"]}
        r = self.rotor(["--ssh-config", self.lab.config, "respawn", "web-1", "--all", "--drain",
                        "1s", "--probe", f"ssh:echo $ROTOR_TEST_HOST >> {log}"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("web-1-AppServer: completed — 3 of 3 replaced", r.stdout)
        with open(log) as f:
            ran_on = f.read().split()
        # Once in pre-flight on a current member, then at least once on each new one.
        self.assertGreaterEqual(len(ran_on), 4, ran_on)
        self.assertEqual(set(ran_on), {"hosts"})
        after = {i["InstanceId"] for i in self.group("web-1-AppServer")["Instances"]}
        self.assertEqual(len(after), 3)
        self.assertFalse(after & before)
        self.assert_nothing_extra_running()

    def test_a_command_no_member_passes_is_refused_before_anything_changes(self):
        before = {i["InstanceId"] for i in self.group("web-1-AppServer")["Instances"]}
        r = self.rotor(["--ssh-config", self.lab.config, "respawn", "web-1", "--all", "--probe",
                        "ssh:echo app not ready >&2; exit 3"])
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("exit status 3: app not ready", r.stderr)
        self.assertIn("the --ssh-* settings", r.stderr)
        self.assertEqual({i["InstanceId"] for i in self.group("web-1-AppServer")["Instances"]},
                         before)

    def test_a_command_that_fails_on_the_new_instances_rolls_back(self):
        # Passes once (pre-flight, on a current member), then never again.
        count = os.path.join(self.lab.dir, "count")
        probe = (f"ssh:n=$(cat {count} 2>/dev/null || echo 0); echo $((n+1)) > {count}; "
                 "test $n -lt 1 || { echo new app not ready >&2; exit 3; }")
        before = {i["InstanceId"] for i in self.group("web-1-AppServer")["Instances"]}
        r = self.rotor(["--ssh-config", self.lab.config, "respawn", "web-1", "--all", "--drain",
                        "1s", "--health-timeout", "15s", "--probe", probe])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("web-1-AppServer: rolled_back", r.stdout)
        self.assertEqual({i["InstanceId"] for i in self.group("web-1-AppServer")["Instances"]},
                         before)
        self.assert_nothing_extra_running()


class Preflight(RespawnFixture):
    """Refusals before anything changes: exit 3 with the reason, the fleet as it was."""

    def refused(self, args, group, fragment):
        before = self.group(group)
        r = self.rotor(args)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn(fragment, r.stderr)
        self.assertEqual(self.group(group), before)

    def test_launching_hook_longer_than_health_timeout(self):
        self.aws(["autoscaling", "put-lifecycle-hook", "--lifecycle-hook-name", "wait-for-chef",
                  "--auto-scaling-group-name", "web-1-AppServer", "--lifecycle-transition",
                  "autoscaling:EC2_INSTANCE_LAUNCHING", "--heartbeat-timeout", "3600",
                  "--default-result", "ABANDON"])
        try:
            self.refused(["respawn", "web-1"], "web-1-AppServer",
                         "lifecycle hook wait-for-chef of group web-1-AppServer may hold each "
                         "new instance in Pending:Wait for 60m")
            r = self.rotor(["--dry-run", "respawn", "web-1", "--health-timeout", "61m"])
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            self.aws(["autoscaling", "delete-lifecycle-hook", "--lifecycle-hook-name",
                      "wait-for-chef", "--auto-scaling-group-name", "web-1-AppServer"])

    def test_load_balancer_not_in_every_zone_of_the_group(self):
        self.aws(["elb", "disable-availability-zones-for-load-balancer", "--load-balancer-name",
                  "db-2-elb", "--availability-zones", "us-east-1b"])
        try:
            self.refused(["respawn", "db", "2", "--all"], "db-2-Db",
                         "load balancer db-2-elb is not enabled in us-east-1b")
        finally:
            self.aws(["elb", "enable-availability-zones-for-load-balancer",
                      "--load-balancer-name", "db-2-elb", "--availability-zones", "us-east-1b"])

    def test_unreadable_checks_are_named_in_the_plan(self):
        # moto offers neither DescribeInstanceRefreshes nor the EC2 quota: the plan says so.
        r = self.rotor(["--dry-run", "respawn", "web-1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not checked: web-1-AppServer: instance refresh:", r.stdout)
        self.assertIn("not checked: instance quota for t3.micro:", r.stdout)


class FreshFleet(RespawnFixture):
    """A fresh moto_server and fleet for every test, reached through a fault layer (no tests)."""

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        RespawnFixture.setUpClass.__func__(type(self))
        self.proxy = fault_proxy.FaultProxy(self.moto.url).start()

    def tearDown(self):
        self.proxy.stop()
        RespawnFixture.tearDownClass.__func__(type(self))

    def rotor(self, args):
        return subprocess.run([ROTOR, "--endpoint-url", self.proxy.url, "--yes"] + args,
                              env=self.env(), capture_output=True, text=True, timeout=600)


class RespawnWithFaults(FreshFleet):
    """Respawns through a fault layer: a new image that never becomes healthy, throttling,
    Ctrl-C."""

    def test_new_instances_never_healthy_roll_back(self):
        before = self.group("web-1-AppServer")
        old = {i["InstanceId"] for i in before["Instances"]}
        self.proxy.force_unhealthy(except_ids=old)
        r = self.rotor(["respawn", "web-1", "--drain", "1s", "--max-failed-launches", "1"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("web-1-AppServer: rolled_back", r.stdout)
        after = self.group("web-1-AppServer")
        for key in ("MinSize", "MaxSize", "DesiredCapacity"):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual(after["SuspendedProcesses"], before["SuspendedProcesses"])
        # The old members keep serving: none of them was taken out.
        self.assertTrue(old <= {i["InstanceId"] for i in after["Instances"]}, after["Instances"])
        self.assert_nothing_extra_running()

    def test_ctrl_c_restores_sizes_and_processes(self):
        before = self.group("web-1-AppServer")
        old = {i["InstanceId"] for i in before["Instances"]}
        self.proxy.force_unhealthy(except_ids=old)  # the new instance never becomes ready
        proc = subprocess.Popen([ROTOR, "--endpoint-url", self.proxy.url, "--yes", "respawn",
                                 "web-1", "--health-timeout", "30m", "--drain", "2s"], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while self.proxy.calls.get("UpdateAutoScalingGroup", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # wait until the surge is on
        time.sleep(1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertIn("web-1-AppServer: aborted", out)
        after = self.group("web-1-AppServer")
        for key in ("MinSize", "MaxSize", "DesiredCapacity"):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual(after["SuspendedProcesses"], before["SuspendedProcesses"])

    def test_throttling_mid_rollout_is_survived(self):
        before = self.group("db-2-Db")
        self.proxy.throttle("DetachInstances", times=2)
        self.proxy.throttle("DescribeTargetHealth", times=1)
        self.proxy.throttle("DescribeInstanceHealth", times=2)
        self.proxy.delay = 0.02
        r = self.rotor(["respawn", "db-2", "--all", "--drain", "1s"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("db-2-Db: completed — 2 of 2 replaced", r.stdout)
        self.assertGreaterEqual(self.proxy.calls.get("DetachInstances", 0), 4)
        self.check_rolled("db-2-Db", before, self.fx["new_ami"])


class Journaled(FreshFleet):
    """Crash safety and leases with real processes: a rotor killed with SIGKILL mid-rollout is
    finished by `rotor rollout resume`; of two rotors started at once exactly one acts; a rotor
    whose lease was taken over while it was stopped does not act again."""

    def start(self, args):
        self.calls_at_start = dict(self.proxy.calls)
        return subprocess.Popen([ROTOR, "--endpoint-url", self.proxy.url, "--yes"] + args,
                                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def wait_for(self, action):
        """Until the rotor started last has made `action` (the proxy counts for the whole class:
        an absolute count would be met by an earlier test's calls)."""
        want = self.calls_at_start.get(action, 0) + 1
        deadline = time.monotonic() + 60
        while self.proxy.calls.get(action, 0) < want and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(self.proxy.calls.get(action, 0), want, action)

    def unfinished_id(self, args):
        r = self.rotor(args)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("has not finished", r.stderr)
        m = re.search(r"rotor rollout resume (r-[0-9a-f-]+)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        return m.group(1)

    def test_kill_9_mid_rollout_then_resume(self):
        for group, args in (("web-1-AppServer", ["respawn", "web-1"]),
                            ("db-2-Db", ["respawn", "db", "2", "--all"])):
            with self.subTest(group=group):
                before = self.group(group)
                proc = self.start(["--lease-ttl", "2s"] + args + ["--drain", "3s"])
                self.wait_for("DetachInstances")
                proc.kill()  # SIGKILL: no chance to clean up
                proc.communicate(timeout=10)
                # The group is half-changed; a new respawn refuses and names the rollout.
                rid = self.unfinished_id(args)
                listed = self.rotor(["rollout", "list"])
                self.assertIn(rid, listed.stdout)
                self.assertIn("running", listed.stdout)
                time.sleep(2.5)  # the dead rotor's lease lapses
                r = self.rotor(["rollout", "resume", rid])
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn(f"{group}: completed", r.stdout)
                self.check_rolled(group, before, self.fx["new_ami"])
                self.assert_nothing_extra_running()
                shown = self.rotor(["rollout", "show", rid])
                self.assertIn("completed", shown.stdout)
                self.assertIn("resume", shown.stdout)

    def test_pause_then_resume(self):
        before = self.group("web-1-AppServer")
        a = self.start(["respawn", "web-1", "--drain", "8s"])
        self.wait_for("DetachInstances")
        rid = self.unfinished_id(["respawn", "web-1"])
        r = self.rotor(["rollout", "pause", rid])
        self.assertEqual(r.returncode, 0, r.stderr)
        out, err = a.communicate(timeout=120)
        self.assertEqual(a.returncode, 4, out + err)  # stopped at a step boundary
        self.assertIn("web-1-AppServer: paused", out)
        self.assertIn("paused", self.rotor(["rollout", "list"]).stdout)
        r = self.rotor(["rollout", "resume", rid])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.check_rolled("web-1-AppServer", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()

    def test_force_unlock_takes_a_live_rotors_groups(self):
        before = self.group("web-1-AppServer")
        a = self.start(["respawn", "web-1", "--drain", "3s"])  # lease for 60 s
        self.wait_for("DetachInstances")
        os.kill(a.pid, signal.SIGSTOP)
        try:
            rid = self.unfinished_id(["respawn", "web-1"])
            r = self.rotor(["rollout", "resume", rid])
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("is held by", r.stderr)
            r = self.rotor(["rollout", "resume", rid, "--force-unlock"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            os.kill(a.pid, signal.SIGCONT)
        out, err = a.communicate(timeout=120)
        self.assertEqual(a.returncode, 3, out + err)
        self.check_rolled("web-1-AppServer", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()

    def test_ctrl_c_on_a_terminal_asks_then_pauses(self):
        before = self.group("web-1-AppServer")
        master, slave = pty.openpty()
        self.calls_at_start = dict(self.proxy.calls)
        proc = subprocess.Popen([ROTOR, "--endpoint-url", self.proxy.url, "--yes", "respawn",
                                 "web-1", "--drain", "6s"], env=self.env(), stdin=slave,
                                stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        seen = b""

        def read_until(pattern, seconds):
            nonlocal seen
            deadline = time.monotonic() + seconds
            while pattern not in seen and time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:
                        break
            return pattern in seen

        try:
            self.wait_for("DetachInstances")
            proc.send_signal(signal.SIGINT)
            self.assertTrue(read_until(b"Choose [p/r/a]", 60), seen[-2000:])
            os.write(master, b"p\n")
            read_until(b"respawn paused", 60)
            proc.wait(timeout=60)
        finally:
            os.close(master)
        self.assertEqual(proc.returncode, 4, seen[-2000:])
        rid = self.unfinished_id(["respawn", "web-1"])
        r = self.rotor(["rollout", "resume", rid])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.check_rolled("web-1-AppServer", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()

    def test_two_rotors_at_once_exactly_one_acts(self):
        self.two_rotors_at_once([])

    def test_two_rotors_sharing_a_dynamodb_journal(self):
        self.two_rotors_at_once(["--state", "dynamodb://rotor-e2e"])
        listed = self.rotor(["--state", "dynamodb://rotor-e2e", "rollout", "list", "--all"])
        self.assertEqual(listed.stdout.count("completed"), 1, listed.stdout)

    def two_rotors_at_once(self, state):
        before = self.group("web-1-AppServer")
        a = self.start(state + ["respawn", "web-1", "--drain", "1s"])
        b = self.start(state + ["respawn", "web-1", "--drain", "1s"])
        outs = [p.communicate(timeout=300) for p in (a, b)]
        codes = sorted([a.returncode, b.returncode])
        self.assertEqual(codes, [0, 3], outs)
        loser = outs[0] if a.returncode == 3 else outs[1]
        self.assertRegex(loser[1], r"is held by .*@.*:\d+ for rollout r-|has not finished")
        self.check_rolled("web-1-AppServer", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()

    def test_old_holder_woken_after_a_take_over_does_not_act(self):
        before = self.group("web-1-AppServer")
        a = self.start(["--lease-ttl", "2s", "respawn", "web-1", "--drain", "3s"])
        self.wait_for("DetachInstances")
        os.kill(a.pid, signal.SIGSTOP)
        try:
            rid = self.unfinished_id(["respawn", "web-1"])
            time.sleep(2.5)  # a's lease lapses while it is stopped
            r = self.rotor(["rollout", "resume", rid])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            changes = {k: v for k, v in self.proxy.calls.items() if not k.startswith("Describe")}
        finally:
            os.kill(a.pid, signal.SIGCONT)
        out, err = a.communicate(timeout=120)
        self.assertEqual(a.returncode, 3, out + err)
        self.assertRegex(err, r"released by someone else|is held by")
        after = {k: v for k, v in self.proxy.calls.items() if not k.startswith("Describe")}
        self.assertEqual(after, changes)  # woken up, a changed nothing
        self.check_rolled("web-1-AppServer", before, self.fx["new_ami"])
        self.assert_nothing_extra_running()


def run_tests(shared_moto=False):
    """main() of the end-to-end scripts: `--rotor PATH` and unittest's own arguments (class
    names); the tests of the script run as __main__; a non-zero exit unless at least one ran and
    all passed. With `shared_moto`, one moto_server holds the fixture for the whole run (MOTO,
    FX) and checks signatures; otherwise each class brings its own."""
    global ROTOR, MOTO, FX
    parser = argparse.ArgumentParser()
    parser.add_argument("--rotor", required=True)
    args, rest = parser.parse_known_args()
    ROTOR = os.path.abspath(args.rotor)
    if shutil.which("aws") is None:
        print("the AWS CLI ('aws') is not installed: these tests use it", file=sys.stderr)
        return 1
    if not shared_moto:
        return unittest_main(rest)
    MOTO = moto_harness.MotoServer().start()
    try:
        FX = fixture.build(MOTO.url)
        MOTO.enable_auth()
        return unittest_main(rest)
    finally:
        MOTO.stop()


def unittest_main(rest):
    result = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False,
                           verbosity=2).result
    print(f"{result.testsRun} tests, {len(result.failures) + len(result.errors)} failures")
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(run_tests(shared_moto=True))
