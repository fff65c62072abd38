#!/usr/bin/env python3
"""`rotor redeploy-bastion` on moto_server with real sshd servers (issue 12). A standalone
bastion (elastic IP, an IPv6 address, an A record on the elastic IP, an A record on its private
address and an AAAA record on its IPv6 address) and a bastion that is the only member of an
Auto Scaling group are redeployed: the port waits go through an ssh configuration that maps the
old bastion's private address onto one sshd and every other address onto another (or onto a
port nothing listens on, for a new bastion that never answers). After each run the fleet is
checked through boto3: where the address is, what the records say, the old instance's state and
protection, the group's sizes. A kill -9 at every change, each followed by `rotor rollout
resume`, ends in the same fleet as an unbroken run.

Run by ctest: python3 test_moto_bastion.py --rotor PATH/TO/rotor [Standalone|GroupMember|Killed]
"""
import base64
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_proxy  # noqa: E402
import sshd_harness  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402

USER_DATA = "#cloud-config\nhostname: bastion\n"


class BastionFixture(e2e.RespawnFixture):
    """moto with the e2e fixture, a dual-stack subnet, a hosted zone, and sshd servers: `old`
    answers for the bastions made here, `new` for every other address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ec2 = cls.client_for("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        v6 = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"].replace("/56", "/64")
        cls.subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.40.1.0/24",
                                       Ipv6CidrBlock=v6,
                                       AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        cls.sg = ec2.create_security_group(GroupName="ssh", Description="ssh",
                                           VpcId=vpc["VpcId"])["GroupId"]
        ec2.create_key_pair(KeyName="ops")
        r53 = cls.client_for("route53")
        zone = r53.create_hosted_zone(Name="example.org.", CallerReference="rotor-bastion")
        cls.zone = zone["HostedZone"]["Id"].split("/")[-1]
        cls.lab = sshd_harness.SshLab()
        cls.old_sshd = cls.lab.server("old")
        cls.new_sshd = cls.lab.server("new")
        cls.closed = sshd_harness.free_port()
        # moto ignores RunInstances' DisableApiTermination, which EC2 honours: the fault layer
        # does what EC2 does, so rotor is tested against AWS's behaviour, not moto's.
        cls.proxy = fault_proxy.FaultProxy(cls.moto.url).start()
        cls.proxy.rewrite("RunInstances", cls.protect_at_launch)

    @classmethod
    def protect_at_launch(cls, form, data):
        if form.get("DisableApiTermination", ["false"])[0] == "true":
            for iid in re.findall(r"<instanceId>([^<]+)</instanceId>", data.decode()):
                cls.client_for("ec2").modify_instance_attribute(
                    InstanceId=iid, DisableApiTermination={"Value": True})
        return data

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.lab.stop()
        super().tearDownClass()

    def rotor(self, args):
        return subprocess.run([e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes"] + args,
                              env=self.env(), capture_output=True, text=True, timeout=600)

    def ssh_config(self, old_ips, new_answers=True):
        """A configuration: the old bastions' addresses onto `old`, the rest onto `new` (or
        onto a closed port)."""
        path = os.path.join(self.lab.dir, f"config-{self.id().split('.')[-1]}")
        with open(path, "w") as f:
            for ip in old_ips:
                f.write(f"Host {ip}\n  HostName 127.0.0.1\n  Port {self.old_sshd.port}\n")
            port = self.new_sshd.port if new_answers else self.closed
            f.write(f"Host *\n  HostName 127.0.0.1\n  Port {port}\n"
                    f"  IdentityFile {self.lab.key}\n  IdentitiesOnly yes\n  LogLevel ERROR\n")
        return path

    def bastion(self, name):
        """A standalone bastion with an elastic IP and three records; returns its facts."""
        ec2 = self.client("ec2")
        tags = [{"Key": "Name", "Value": name}, {"Key": "team", "Value": "ops"}]
        i = ec2.run_instances(ImageId=self.fx["old_ami"], MinCount=1, MaxCount=1,
                              InstanceType="t3.micro", SubnetId=self.subnet, KeyName="ops",
                              SecurityGroupIds=[self.sg], Ipv6AddressCount=1,
                              UserData=USER_DATA,
                              TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
        iid = i["Instances"][0]["InstanceId"]
        ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
        return self.with_address_and_records(iid, name)

    def with_address_and_records(self, iid, name):
        ec2 = self.client("ec2")
        eip = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=iid)
        me = self.describe(iid)
        v6 = self.ipv6(me)
        records = [(f"{name}.example.org.", "A", eip["PublicIp"]),
                   (f"{name}-int.example.org.", "A", me["PrivateIpAddress"])]
        if v6:
            records.append((f"{name}.example.org.", "AAAA", v6))
        self.client("route53").change_resource_record_sets(
            HostedZoneId=self.zone, ChangeBatch={"Changes": [
                {"Action": "CREATE", "ResourceRecordSet": {
                    "Name": n, "Type": t, "TTL": 60, "ResourceRecords": [{"Value": v}]}}
                for n, t, v in records]})
        return {"id": iid, "name": name, "eip": eip, "private": me["PrivateIpAddress"],
                "ipv6": v6}

    def describe(self, iid):
        r = self.client("ec2").describe_instances(InstanceIds=[iid])
        return r["Reservations"][0]["Instances"][0]

    @staticmethod
    def ipv6(instance):
        for n in instance.get("NetworkInterfaces", []):
            for a in n.get("Ipv6Addresses", []):
                return a["Ipv6Address"]
        return None

    def record(self, name, rtype):
        sets = self.client("route53").list_resource_record_sets(HostedZoneId=self.zone)
        for s in sets["ResourceRecordSets"]:
            if s["Name"] == name and s["Type"] == rtype:
                return [r["Value"] for r in s["ResourceRecords"]]
        return None

    def holder(self, eip):
        a = self.client("ec2").describe_addresses(AllocationIds=[eip["AllocationId"]])
        return a["Addresses"][0].get("InstanceId")

    def protected(self, iid):
        a = self.client("ec2").describe_instance_attribute(InstanceId=iid,
                                                           Attribute="disableApiTermination")
        return a["DisableApiTermination"]["Value"]

    def launched_by(self, op):
        return [i for i in self.instances()
                if {"Key": "rotor:operation", "Value": op} in i.get("Tags", [])]

    def redeploy(self, b, extra=(), new_answers=True, proxy_url=None):
        cfg = self.ssh_config([b["private"]], new_answers)
        return subprocess.run(
            [e2e.ROTOR, "--endpoint-url", proxy_url or self.proxy.url, "--yes",
             "--ssh-config", cfg, "redeploy-bastion", b["name"]] + list(extra),
            env=self.env(), capture_output=True, text=True, timeout=600)

    @staticmethod
    def operation(output):
        m = re.search(r"\b(r-[0-9a-z-]+)\b", output)
        return m.group(1) if m else None

    def assert_redeployed(self, b, op):
        """The address, the records and the old instance, after a redeploy that completed."""
        new = self.launched_by(op)
        self.assertEqual(len(new), 1, f"exactly one new instance: {new}")
        new = self.describe(new[0]["InstanceId"])
        self.assertEqual(self.holder(b["eip"]), new["InstanceId"])
        self.assertEqual(self.record(f"{b['name']}-int.example.org.", "A"),
                         [new["PrivateIpAddress"]])
        self.assertEqual(self.record(f"{b['name']}.example.org.", "A"), [b["eip"]["PublicIp"]])
        if b["ipv6"]:
            self.assertEqual(self.record(f"{b['name']}.example.org.", "AAAA"), [self.ipv6(new)])
        tags = {t["Key"]: t["Value"] for t in new["Tags"]}
        self.assertEqual(tags["Name"], b["name"])
        self.assertEqual(tags["team"], "ops")
        self.assertEqual(tags["rotor:replaces"], b["id"])
        self.assertEqual(new["SubnetId"], self.subnet)
        self.assertEqual(new["KeyName"], "ops")
        self.assertTrue(self.protected(new["InstanceId"]))
        old = self.describe(b["id"])
        self.assertEqual(old["State"]["Name"], "stopped")
        self.assertIn({"Key": "Name", "Value": b["name"] + "-old"}, old["Tags"])
        self.assertTrue(self.protected(b["id"]), "the old instance keeps its protection")
        return new

    def assert_as_before(self, b):
        self.assertEqual(self.holder(b["eip"]), b["id"])
        self.assertEqual(self.record(f"{b['name']}-int.example.org.", "A"), [b["private"]])
        if b["ipv6"]:
            self.assertEqual(self.record(f"{b['name']}.example.org.", "AAAA"), [b["ipv6"]])
        self.assertEqual(self.describe(b["id"])["State"]["Name"], "running")
        self.assertIn({"Key": "Name", "Value": b["name"]}, self.describe(b["id"])["Tags"])


class Standalone(BastionFixture):
    def test_redeploy_then_roll_back(self):
        b = self.bastion("bastion-a")
        r = self.redeploy(b)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertIsNotNone(op, r.stdout)
        self.assertIn("move elastic IP " + b["eip"]["PublicIp"], r.stdout)
        self.assertIn("bastion-a-int.example.org. A", r.stdout)
        new = self.assert_redeployed(b, op)
        ud = self.client("ec2").describe_instance_attribute(InstanceId=new["InstanceId"],
                                                            Attribute="userData")
        self.assertEqual(base64.b64decode(ud["UserData"]["Value"]).decode(), USER_DATA)

        r = self.rotor(["--ssh-config", self.ssh_config([b["private"]]), "rollout", "rollback",
                        op])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_as_before(b)
        self.assertEqual(self.describe(new["InstanceId"])["State"]["Name"], "terminated")

    def test_a_port_that_never_opens_rolls_back(self):
        b = self.bastion("bastion-b")
        r = self.redeploy(b, ["--health-timeout", "15s"], new_answers=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("did not accept connections", r.stdout + r.stderr)
        self.assert_as_before(b)
        op = self.operation(r.stdout)
        for i in self.launched_by(op):
            self.assertEqual(i["State"]["Name"], "terminated")

    def test_ambiguous_and_unknown_names_change_nothing(self):
        self.bastion("twin-x")
        self.bastion("twin-x")
        r = self.rotor(["redeploy-bastion", "twin-x"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("'twin-x' names 2 instances", r.stderr)
        r = self.rotor(["redeploy-bastion", "twin"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("names like it: twin-x", r.stderr)


class GroupMember(BastionFixture):
    def test_the_group_launches_the_new_one_and_the_old_one_leaves(self):
        ec2, asg = self.client("ec2"), self.client("autoscaling")
        lt = ec2.create_launch_template(LaunchTemplateName="bastion-lt", LaunchTemplateData={
            "ImageId": self.fx["new_ami"], "InstanceType": "t3.micro", "KeyName": "ops"})
        asg.create_auto_scaling_group(
            AutoScalingGroupName="bastion-asg", MinSize=1, MaxSize=1, DesiredCapacity=1,
            LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplate"]["LaunchTemplateId"],
                            "Version": "$Latest"},
            VPCZoneIdentifier=self.subnet)
        old = self.group("bastion-asg")["Instances"][0]["InstanceId"]
        b = self.with_address_and_records(old, "gbastion")
        r = self.redeploy(dict(b, name=old))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("the new instance comes from group bastion-asg", r.stdout)
        g = self.group("bastion-asg")
        self.assertEqual((g["MinSize"], g["MaxSize"], g["DesiredCapacity"]), (1, 1, 1))
        members = [i["InstanceId"] for i in g["Instances"]]
        self.assertEqual(len(members), 1)
        self.assertNotEqual(members[0], old)
        self.assertEqual(self.holder(b["eip"]), members[0])
        new = self.describe(members[0])
        self.assertEqual(self.record("gbastion-int.example.org.", "A"), [new["PrivateIpAddress"]])
        self.assertEqual(self.describe(old)["State"]["Name"], "stopped")


class Killed(BastionFixture):
    """kill -9 at every change (before AWS sees it, then after), each followed by a resume."""

    def test_every_change_killed_then_resumed(self):
        b = self.bastion("bastion-k")
        proxy = self.proxy
        cfg = self.ssh_config([b["private"]])

        def start(args):
            return subprocess.Popen(
                [e2e.ROTOR, "--endpoint-url", proxy.url, "--yes", "--ssh-config", cfg] +
                args, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)

        crashed = set()  # (action, after): each change is killed once at each point

        def crash_at(proc, after):
            proxy.hold(lambda a: not a.startswith(("Describe", "Get", "List")) and
                       (a, after) not in crashed, after=after, nth=1)
            try:
                while not proxy.held.wait(0.05):
                    if proc.poll() is not None:
                        proxy.hold(lambda a: False)
                        return proc.communicate()
                return None
            finally:
                proc.kill()
                proc.communicate(timeout=30)
                proxy.release()

        first = start(["redeploy-bastion", b["name"]])
        self.assertIsNone(crash_at(first, after=False), "no change at all")
        crashed.add((proxy.held_action, False))
        listed = self.rotor(["rollout", "list"])
        op = self.operation(listed.stdout)
        self.assertIsNotNone(op, listed.stdout + listed.stderr)
        crashes, after, ended = [f"{proxy.held_action} (before)"], True, None
        while ended is None:
            ended = crash_at(start(["rollout", "resume", op]), after)
            if ended is None:
                crashed.add((proxy.held_action, after))
                crashes.append(f"{proxy.held_action} ({'after' if after else 'before'})")
            after = not after
        out, err = ended
        self.assertIn("completed", out, out + err)
        print(f"\n{len(crashes)} kills: {', '.join(crashes)}", file=sys.stderr)
        self.assert_redeployed(b, op)
        for action in ("RunInstances", "AssociateAddress", "ChangeResourceRecordSets",
                       "CreateTags", "StopInstances"):
            self.assertIn(f"{action} (before)", crashes)
            self.assertIn(f"{action} (after)", crashes)


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
