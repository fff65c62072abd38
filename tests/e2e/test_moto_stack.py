#!/usr/bin/env python3
"""`rotor update-stack` on moto_server behind the fault layer: a stack whose launch template and
launch configuration take their image from a parameter; an update, then the groups rolled, then
`rotor rollout rollback` restoring the parameter and the members; no changes; bad parameters and
templates; a failed update; a stack created; capabilities accepted explicitly. And `rotor
upgrade` with its rollback.

moto's CloudFormation leaves out what AWS does after an update (point a group at the template
version the update made, replace a changed launch configuration) and misjudges a change back to
the creation's parameters as "no changes": cfn_emulation does what AWS does; moto fails no
update: the fault layer makes one fail.

Run by ctest: python3 test_moto_stack.py --rotor PATH/TO/rotor [Class ...]
"""
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cfn_emulation  # noqa: E402
import fault_proxy  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402


def template(zone, extra=None):
    resources = {
        "LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateName": "web-9-lt",
            "LaunchTemplateData": {"ImageId": {"Ref": "ImageId"}, "InstanceType": "t3.micro"}}},
        "App": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "MinSize": "1", "MaxSize": "4", "DesiredCapacity": "2", "AvailabilityZones": [zone],
            "LaunchTemplate": {"LaunchTemplateId": {"Ref": "LT"},
                               "Version": {"Fn::GetAtt": ["LT", "LatestVersionNumber"]}}}},
        "LC": {"Type": "AWS::AutoScaling::LaunchConfiguration", "Properties": {
            "ImageId": {"Ref": "ImageId"}, "InstanceType": "t3.micro"}},
        "Worker": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "MinSize": "1", "MaxSize": "2", "DesiredCapacity": "1", "AvailabilityZones": [zone],
            "LaunchConfigurationName": {"Ref": "LC"}}},
    }
    resources.update(extra or {})
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"ImageId": {"Type": "String"},
                       "DbPassword": {"Type": "String", "NoEcho": "true"}},
        "Resources": resources})


class StackFixture(e2e.RespawnFixture):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="rotor-e2e-stack-")
        cls.state = os.path.join(cls.dir, "journal.db")
        cls.proxy = fault_proxy.FaultProxy(cls.moto.url).start()
        cls.emulation = cfn_emulation.CloudFormationEmulation(cls.client_for)
        cls.emulation.install(cls.proxy)
        cls.zone = "us-east-1a"
        cls.client_for("cloudformation").create_stack(
            StackName="web-9", TemplateBody=template(cls.zone),
            Parameters=[{"ParameterKey": "ImageId", "ParameterValue": cls.fx["old_ami"]},
                        {"ParameterKey": "DbPassword", "ParameterValue": "old-db-secret"}])
        for stack in ("web-1", "db-2", "web-9"):  # the fixture's stacks too
            cls.emulation.observe(stack)
        cls.ids = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cls.client_for(
            "cloudformation").list_stack_resources(StackName="web-9")["StackResourceSummaries"]}

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()


    def run_rotor(self, args, code=0, endpoint=None):
        r = e2e.subprocess.run(
            [e2e.ROTOR, "--endpoint-url", endpoint or self.proxy.url, "--yes", "--state",
             self.state] + args,
            env=self.env(), capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        for secret in ("old-db-secret", "new-db-secret"):
            self.assertNotIn(secret, r.stdout + r.stderr)
        return r

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def parameter(self, key, stack="web-9"):
        s = self.aws(["cloudformation", "describe-stacks", "--stack-name", stack])["Stacks"][0]
        return {p["ParameterKey"]: p.get("ParameterValue") for p in s["Parameters"]}[key]

    def images(self, group):
        running = self.running()
        return {running[i["InstanceId"]] for i in self.group(group)["Instances"]}

    def operation(self, kind):
        r = self.run_rotor(["--output", "json", "rollout", "list", "--all"])
        ops = [o for o in json.loads(r.stdout) if o["kind"] == kind]
        self.assertTrue(ops, r.stdout)
        return ops[0]["id"]  # newest first


class UpdateStack(StackFixture):
    def test_an_update_rolls_the_groups_and_a_rollback_restores_them(self):
        old, new = self.fx["old_ami"], self.fx["new_ami"]
        app, worker = self.ids["App"], self.ids["Worker"]
        self.assertEqual(self.images(app), {old})
        r = self.run_rotor(["update-stack", "web-9", f"ImageId={new}"])
        self.assertIn(f"parameter ImageId: {old} -> {new}", r.stdout)
        self.assertIn("parameter DbPassword: **** (kept)", r.stdout)
        self.assertIn("web-9 AWS::CloudFormation::Stack UPDATE_COMPLETE", r.stdout)
        self.assertIn("update-stack completed", r.stdout)
        self.assertEqual(self.parameter("ImageId"), new)
        lt = self.aws(["ec2", "describe-launch-templates", "--launch-template-ids",
                       self.ids["LT"]])["LaunchTemplates"][0]
        self.assertEqual(self.group(app)["LaunchTemplate"]["Version"],
                         str(lt["LatestVersionNumber"]))
        self.assertEqual(self.images(app), {new})
        self.assertNotEqual(self.group(worker)["LaunchConfigurationName"], self.ids["LC"])
        self.assertEqual(self.images(worker), {new})
        self.assert_nothing_extra_running()

        r = self.run_rotor(["rollout", "rollback", self.operation("update-stack")])
        self.assertIn("rolled_back", r.stdout)
        self.assertEqual(self.parameter("ImageId"), old)
        self.assertEqual(self.images(app), {old})
        self.assertEqual(self.images(worker), {old})
        self.assert_nothing_extra_running()

    def test_no_changes_is_not_an_error(self):
        current = self.parameter("ImageId")
        members = self.group(self.ids["App"])["Instances"]
        r = self.run_rotor(["update-stack", "web-9", f"ImageId={current}"])
        self.assertIn("CloudFormation finds nothing to change", r.stdout)
        self.assertEqual(self.group(self.ids["App"])["Instances"], members, r.stdout)

    def test_bad_input_changes_nothing(self):
        bad = self.write("bad.yaml", "Resources: [\n")
        cases = [
            (["update-stack", "web-9", "Bogus=1"],
             "parameter 'Bogus' is not declared by the template of stack web-9 (it declares: "
             "ImageId, DbPassword)"),
            (["update-stack", "web-9", "--template", bad], "Template format error"),
            (["update-stack", "nope-1"], "stack nope-1 does not exist: give --template FILE"),
            (["update-stack", "web-9", "ImageId"], "'ImageId' is not KEY=VALUE"),
        ]
        for args, fragment in cases:
            before = self.proxy.calls.get("ExecuteChangeSet", 0)
            r = self.run_rotor(args, code=2)
            self.assertIn(fragment, r.stderr, args)
            self.assertEqual(self.proxy.calls.get("ExecuteChangeSet", 0), before, args)

    def test_a_failed_update_names_the_resource_and_rolls_nothing(self):
        old = self.parameter("ImageId")
        members = self.group(self.ids["App"])["Instances"]
        self.proxy.fail_stack_update("web-9", "App", "Group did not stabilize (fault proxy)")
        r = self.run_rotor(["update-stack", "web-9", f"ImageId={self.fx['new_ami']}"], code=1)
        self.assertIn("failed at App (AWS::AutoScaling::AutoScalingGroup): Group did not "
                      "stabilize", r.stdout + r.stderr)
        self.assertIn("UPDATE_ROLLBACK_COMPLETE", r.stdout + r.stderr)
        self.assertEqual(self.parameter("ImageId"), old)
        self.assertEqual(self.group(self.ids["App"])["Instances"], members)

    def test_a_missing_stack_is_created_with_its_capabilities_accepted(self):
        path = self.write("roles.json", json.dumps({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Env": {"Type": "String"}},
            "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}}}}))
        r = self.run_rotor(["update-stack", "roles-1", "--template", path, "Env=prod"], code=2)
        self.assertIn("needs CAPABILITY_IAM", r.stderr)
        self.assertIn("--capabilities CAPABILITY_IAM", r.stderr)
        self.run_rotor(["update-stack", "roles-1", "--template", path, "Env=prod",
                        "--capabilities", "CAPABILITY_IAM"])
        self.assertEqual(self.parameter("Env", stack="roles-1"), "prod")


class Upgrade(StackFixture):
    """`rotor upgrade` on moto: the newest image into the group's template, the members
    replaced; `rollout rollback` returns both."""

    def test_an_upgrade_and_its_rollback(self):
        asg = self.client_for("autoscaling")
        ec2 = self.client_for("ec2")
        old, new = self.fx["old_ami"], self.fx["new_ami"]
        lt = ec2.create_launch_template(LaunchTemplateName="up-lt", LaunchTemplateData={
            "ImageId": old, "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
        asg.create_auto_scaling_group(
            AutoScalingGroupName="up-App", MinSize=1, MaxSize=4, DesiredCapacity=2,
            LaunchTemplate={"LaunchTemplateId": lt, "Version": "1"},
            AvailabilityZones=[self.zone])
        r = self.run_rotor(["upgrade", "--asg", "up-App", "--image", new])
        self.assertIn("upgrade completed", r.stdout)
        self.assertEqual(self.group("up-App")["LaunchTemplate"]["Version"], "2")
        self.assertEqual(self.images("up-App"), {new})
        r = self.run_rotor(["rollout", "rollback", self.operation("upgrade")])
        self.assertIn("rolled_back", r.stdout)
        self.assertEqual(self.images("up-App"), {old})
        self.assert_nothing_extra_running()


class Export(StackFixture):
    """`rotor export` on moto: a stack with a description, tags, outputs, termination protection,
    a stack policy and a NoEcho parameter, written to a tarball whose manifest vouches for every
    file; the NoEcho value nowhere; nothing changed."""

    def test_a_stack_and_its_groups_exported(self):
        cfn = self.client_for("cloudformation")
        body = json.loads(template(self.zone))
        body["Resources"]["LT"]["Properties"]["LaunchTemplateName"] = "exp-1-lt"
        body["Description"] = "web tier, exported"
        body["Outputs"] = {"AppGroup": {"Value": {"Ref": "App"}}}
        policy = json.dumps({"Statement": [{"Effect": "Deny", "Action": "Update:Replace",
                                            "Principal": "*", "Resource": "*"}]})
        cfn.create_stack(
            StackName="exp-1", TemplateBody=json.dumps(body), EnableTerminationProtection=True,
            Tags=[{"Key": "team", "Value": "web"}],
            Parameters=[{"ParameterKey": "ImageId", "ParameterValue": self.fx["old_ami"]},
                        {"ParameterKey": "DbPassword", "ParameterValue": "old-db-secret"}])
        cfn.set_stack_policy(StackName="exp-1", StackPolicyBody=policy)
        path = os.path.join(self.dir, "exp-1.tgz")
        mark = len(self.proxy.forwarded)
        r = self.run_rotor(["export", "exp-1", path])
        self.assertIn(f"exported exp-1 to {path}", r.stdout)
        self.assertIn("(give them to import as KEY=VALUE): DbPassword", r.stdout)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, "readable by its owner only")
        changes = [a for a, _ in self.proxy.forwarded[mark:]
                   if not a.startswith(("Describe", "Get", "List"))]
        self.assertEqual(changes, [], "export reads only")

        import hashlib
        import tarfile
        with tarfile.open(path, "r:gz") as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        manifest = json.loads(files.pop("manifest.json"))
        self.assertEqual((manifest["format"], manifest["schema"]), ("rotor-export", 1))
        self.assertEqual(set(manifest["files"]), set(files))
        for name, data in files.items():
            self.assertEqual(manifest["files"][name]["sha256"], hashlib.sha256(data).hexdigest())
            self.assertNotIn(b"old-db-secret", data, name)
        stack = json.loads(files["stack.json"])
        self.assertEqual(stack["description"], "web tier, exported")
        self.assertEqual(stack["tags"], {"team": "web"})
        self.assertTrue(stack["termination_protection"])
        self.assertEqual(json.loads(stack["policy"]), json.loads(policy))
        self.assertIn("AppGroup", stack["outputs"])
        self.assertEqual(sorted(stack["parameters"], key=lambda p: p["key"]),
                         [{"key": "DbPassword", "no_echo": True},
                          {"key": "ImageId", "value": self.fx["old_ami"]}])
        self.assertEqual(json.loads(files["template.json"]), body)
        groups = {json.loads(d)["logical_id"]: json.loads(d) for n, d in files.items()
                  if n.startswith("groups/")}
        self.assertEqual(set(groups), {"App", "Worker"})
        self.assertEqual((groups["App"]["min"], groups["App"]["max"]), (1, 4))
        self.assertEqual(groups["App"]["launch_data"]["image"], self.fx["old_ami"])
        self.assertEqual(groups["Worker"]["launch_spec"]["configuration"],
                         self.ids_of("exp-1")["LC"])
        images = json.loads(files["images.json"])
        self.assertEqual([i["id"] for i in images], [self.fx["old_ami"]])
        self.assertTrue(images[0]["name"])

        r = self.run_rotor(["export", "no-such-stack", os.path.join(self.dir, "x.tgz")], code=2)
        self.assertIn("no-such-stack", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.tgz")))

    def test_exported_then_imported_into_another_region(self):
        """us-east-1 to us-west-2: the image mapped by name, the zone given as a parameter, the
        NoEcho parameter refused until given, a damaged tarball refused, termination protection
        and the stack policy set at creation, and what no template recreates reported."""
        body = json.loads(template(self.zone))
        body["Parameters"]["Zone"] = {"Type": "String"}
        body["Resources"]["LT"]["Properties"]["LaunchTemplateName"] = "imp-1-lt"
        for group in ("App", "Worker"):
            body["Resources"][group]["Properties"]["AvailabilityZones"] = [{"Ref": "Zone"}]
        policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "Update:*",
                                            "Principal": "*", "Resource": "*"}]})
        cfn = self.client_for("cloudformation")
        cfn.create_stack(
            StackName="imp-1", TemplateBody=json.dumps(body), EnableTerminationProtection=True,
            StackPolicyBody=policy, Tags=[{"Key": "team", "Value": "web"}],
            Parameters=[{"ParameterKey": "ImageId", "ParameterValue": self.fx["old_ami"]},
                        {"ParameterKey": "DbPassword", "ParameterValue": "old-db-secret"},
                        {"ParameterKey": "Zone", "ParameterValue": self.zone}])
        app = self.ids_of("imp-1")["App"]
        asg = self.client_for("autoscaling")
        asg.suspend_processes(AutoScalingGroupName=app, ScalingProcesses=["AZRebalance"])
        asg.set_desired_capacity(AutoScalingGroupName=app, DesiredCapacity=3)  # outside it
        path = os.path.join(self.dir, "imp-1.tgz")
        self.run_rotor(["export", "imp-1", path])

        # us-west-2 has an image of the same name (another id), and no stack yet.
        west = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                             region_name="us-west-2")
        ec2 = west.client("ec2", endpoint_url=self.moto.url)
        base = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
        inst = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]
        old_name = self.client_for("ec2").describe_images(
            ImageIds=[self.fx["old_ami"]])["Images"][0]["Name"]
        mapped = ec2.create_image(InstanceId=inst["InstanceId"], Name=old_name)["ImageId"]
        ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        self.assertNotEqual(mapped, self.fx["old_ami"])

        # Straight to moto: the fault layer's CloudFormation emulation (updates) is us-east-1's.
        args = ["--region", "us-west-2", "import", path, "Zone=us-west-2a",
                "--action-timeout", "3m"]
        r = self.run_rotor(args, code=2, endpoint=self.moto.url)
        self.assertIn("leaves out the NoEcho parameters DbPassword", r.stderr)
        damaged = os.path.join(self.dir, "damaged.tgz")
        with open(path, "rb") as f, open(damaged, "wb") as g:
            g.write(f.read()[:-40])
        r = self.run_rotor(["--region", "us-west-2", "import", damaged, "DbPassword=x"], code=2,
                           endpoint=self.moto.url)
        self.assertIn(damaged + ": ", r.stderr)
        west_cfn = west.client("cloudformation", endpoint_url=self.moto.url)
        self.assertEqual(west_cfn.list_stacks()["StackSummaries"], [], "nothing created")

        r = self.run_rotor(args + ["DbPassword=new-db-secret"], endpoint=self.moto.url)
        self.assertIn(f"image {self.fx['old_ami']} ({old_name}) -> {mapped}: the newest named",
                      r.stdout)
        self.assertIn("processes AZRebalance were suspended when exported", r.stdout)
        stack = west_cfn.describe_stacks(StackName="imp-1")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        params = {p["ParameterKey"]: p.get("ParameterValue") for p in stack["Parameters"]}
        self.assertEqual((params["ImageId"], params["Zone"]), (mapped, "us-west-2a"))
        self.assertEqual(stack["Tags"], [{"Key": "team", "Value": "web"}])
        self.assertTrue(stack["EnableTerminationProtection"])
        self.assertEqual(json.loads(west_cfn.get_stack_policy(StackName="imp-1")
                                    ["StackPolicyBody"]), json.loads(policy))
        groups = west.client("autoscaling", endpoint_url=self.moto.url)
        created = groups.describe_auto_scaling_groups()["AutoScalingGroups"]
        self.assertEqual(len(created), 2, created)
        for g in created:
            self.assertEqual(g["AvailabilityZones"], ["us-west-2a"])
            self.assertEqual(g["SuspendedProcesses"], [])
        report = [line for line in r.stdout.split("import completed")[1].splitlines()
                  if line.startswith("not recreated: ")]
        self.assertEqual(len(report), 2, r.stdout)
        self.assertRegex(report[0], r"^not recreated: group App \(imp-1-App-\w+\): desired size 2 "
                                    r"here, 3 when exported$")
        self.assertRegex(report[1], r"^not recreated: group App \(imp-1-App-\w+\): processes "
                                    r"AZRebalance were suspended when exported")
        r = self.run_rotor(args + ["DbPassword=new-db-secret"], code=2, endpoint=self.moto.url)
        self.assertIn("a stack named imp-1 exists here already", r.stderr)

    def ids_of(self, stack):
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in self.client_for(
            "cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]}


class AllBehind(StackFixture):
    """`rotor upgrade --all-behind`: every stack behind the family's newest image, two at once,
    each its own operation."""

    def test_every_stack_behind_is_upgraded(self):
        old, new = self.fx["old_ami"], self.fx["new_ami"]
        app, worker = self.ids["App"], self.ids["Worker"]
        self.assertEqual(self.images("web-1-AppServer"), {old})
        self.assertEqual(self.images(app), {old})
        r = self.run_rotor(["upgrade", "--all-behind", "--image-filter", "app-*", "--parallel",
                            "2", "--drain", "1s"])
        self.assertIn("2 stacks behind the newest app-* images", r.stdout)
        self.assertIn("upgrade web-1 completed", r.stdout)
        self.assertIn("upgrade web-9 completed", r.stdout)
        for group in ("web-1-AppServer", app, worker):
            self.assertEqual(self.images(group), {new}, group)
        kinds = [o["kind"] for o in json.loads(self.run_rotor(
            ["--output", "json", "rollout", "list", "--all"]).stdout)]
        self.assertEqual(kinds.count("upgrade"), 2)
        self.assert_nothing_extra_running()
        r = self.run_rotor(["upgrade", "--all-behind", "--image-filter", "app-*"])
        self.assertIn("nothing behind", r.stdout)


class Conversation:
    """rotor with a terminal on stdin (so it asks) and its output read as it comes."""

    PROMPT = "Proceed? [y/N]"

    def __init__(self, test, args):
        self.test = test
        self.terminal, slave = pty.openpty()
        self.process = subprocess.Popen(
            [e2e.ROTOR, "--endpoint-url", test.proxy.url, "--state", test.state] + args,
            env=test.env(), stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.close(slave)
        self.said = ""
        self.read = 0  # how much of `said` the test has looked at
        test.addCleanup(self.close)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        if self.terminal is not None:
            os.close(self.terminal)
            self.terminal = None

    def until(self, text, timeout=120):
        """What rotor said from the last look up to `text` (which it must say in time)."""
        deadline = time.time() + timeout
        while text not in self.said[self.read:]:
            ready, _, _ = select.select([self.process.stdout], [], [],
                                        max(0.0, deadline - time.time()))
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                self.test.fail(f"rotor never said {text!r}; it said:\n{self.said}")
            self.said += chunk.decode()
        end = self.said.index(text, self.read) + len(text)
        part, self.read = self.said[self.read:end], end
        return part

    def answer(self, text):
        os.write(self.terminal, (text + "\n").encode())

    def finish(self, code=0):
        out, _ = self.process.communicate(timeout=600)
        self.said += out.decode()
        self.test.assertEqual(self.process.returncode, code, self.said)
        return self.said[self.read:]


class ConfirmedPlan(StackFixture):
    """The plan confirmed is the plan run: when the fleet changes while the plan is on the
    screen, rotor says what changed, plans again and asks again."""

    def test_a_member_replaced_meanwhile_gives_a_new_plan(self):
        group = "web-1-AppServer"
        members = [i["InstanceId"] for i in self.group(group)["Instances"]]
        talk = Conversation(self, ["respawn", "--asg", group, "--all", "--drain", "1s"])
        first = talk.until(Conversation.PROMPT)
        for m in members:
            self.assertIn(m, first)
        # Another operator replaces a member while the plan is shown.
        self.client("autoscaling").terminate_instance_in_auto_scaling_group(
            InstanceId=members[0], ShouldDecrementDesiredCapacity=False)
        talk.answer("y")
        second = talk.until(Conversation.PROMPT)
        self.assertIn("the fleet changed since this plan was made", second)
        self.assertIn("planning again", second)
        self.assertIn(members[0], second.split("planning again")[0])  # the line that went
        self.assertNotIn(members[0], second.split("planning again")[1])  # not in the new plan
        now = [i["InstanceId"] for i in self.group(group)["Instances"]]
        for m in now:
            self.assertIn(m, second.split("planning again")[1])
        talk.answer("y")
        rest = talk.finish()
        self.assertIn(f"{group}: completed — 3 of 3 replaced", rest)
        self.assertFalse(set(now) & {i["InstanceId"] for i in self.group(group)["Instances"]})
        self.assert_nothing_extra_running()

    def test_a_stack_updated_meanwhile_gives_a_new_change_set(self):
        old, new = self.fx["old_ami"], self.fx["new_ami"]
        cfn = self.client_for("cloudformation")
        talk = Conversation(self, ["update-stack", "web-9", f"ImageId={new}", "--no-respawn"])
        self.assertIn(f"parameter ImageId: {old} -> {new}", talk.until(Conversation.PROMPT))
        # Another operator updates the stack (its password) while the plan is shown.
        cfn.update_stack(StackName="web-9", UsePreviousTemplate=True, Parameters=[
            {"ParameterKey": "ImageId", "UsePreviousValue": True},
            {"ParameterKey": "DbPassword", "ParameterValue": "other-db-secret"}])
        cfn.get_waiter("stack_update_complete").wait(StackName="web-9",
                                                     WaiterConfig={"Delay": 1})
        talk.answer("y")
        second = talk.until(Conversation.PROMPT)
        self.assertIn("the fleet changed since this plan was made", second)
        self.assertNotIn("other-db-secret", second)
        # Declined: nothing changes, and no change set of rotor's is left behind.
        talk.answer("n")
        self.assertIn("nothing changed", talk.finish())
        self.assertEqual(self.parameter("ImageId"), old)
        self.assertEqual(cfn.list_change_sets(StackName="web-9")["Summaries"], [])


    def test_capabilities_are_asked_for_on_a_terminal(self):
        path = self.write("roles-2.json", json.dumps({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}}}}))
        talk = Conversation(self, ["update-stack", "roles-2", "--template", path])
        talk.until("needs CAPABILITY_IAM")
        talk.until("accept? [y/N]")
        talk.answer("y")
        self.assertIn("stack roles-2 does not exist: it will be created",
                      talk.until(Conversation.PROMPT))
        sent = []  # moto keeps no capabilities: what CreateStack was sent is looked at instead
        self.proxy.after("CreateStack", lambda form: sent.append(
            [v[0] for k, v in form.items() if k.startswith("Capabilities.member.")]))
        talk.answer("y")
        self.assertIn("update-stack completed", talk.finish())
        self.assertEqual(sent, [["CAPABILITY_IAM"]])
        stack = self.client_for("cloudformation").describe_stacks(StackName="roles-2")
        self.assertEqual(stack["Stacks"][0]["StackStatus"], "CREATE_COMPLETE")

if __name__ == "__main__":
    sys.exit(e2e.run_tests())
