#!/usr/bin/env python3
"""`rotor replace-instance` on moto_server with a real sshd per host (issue 13). A host `copr-fe`
(Name and other tags, key pair, security group, termination protection, one IPv6 address) with
two data volumes at /dev/sdf (a bare file system at /var/lib/copr) and /dev/sdg (a partition at
/srv/results), an elastic IP, `copr-fe.example.org` A on the elastic IP and
`copr-fe-priv.example.org` A on its private address and AAAA on its IPv6 address, is moved onto
a new instance; the fleet is then checked through boto3, the hosts through their logs and state.

The cases. Replace: volumes at the same devices on the new instance, mounted there, the address,
the records, tags, protection, snapshots, the old host stopped; stop and umount on the old host
before mount and start on the new one. Rollback: a failing --after, a --start that fails on the
new host, and `rollout rollback` after a completed run each put everything back (volumes
mounted on the old host again, copr started there, the new instance stopped and kept).
Refusals: what EC2 refuses, rotor refuses first (a volume in another zone; a device the new or
the old instance already uses). Killed: kill -9 before and after every change, AWS's and the
hosts', each followed by `rollout resume`, ends as the unbroken run. Volumes mounted one inside
the other are mounted parents first and unmounted children first.

The hosts. An ssh configuration sends the old host's addresses to the `old` sshd and every other
address to the `new` one. Both run every command through tests/e2e/fake_host.py, which emulates
the tools rotor and the test's commands use (lsblk, umount, mount, sudo, sync, mkdir, tar,
systemctl) per EC2 instance and logs each invocation to that instance's log. The disks a host
shows follow the volumes, as on EC2: the fake lsblk asks moto (directly, over its query API)
which volumes are attached to the instance it runs on *at that moment* — a file the test writes
after each run could not follow volumes that move mid-run. Which instance that is, the sshd does
not know by itself (both sshds listen on 127.0.0.1), so the ssh configuration's ProxyCommand
notes the address rotor asked for under the connection's local port, and the fake host's
session reads it back from SSH_CONNECTION and asks moto which instance has that address. Mount
points and unit states are the instance's own (a file per instance), changed only by the fake
mount, umount and systemctl, and reset when EC2 stops the instance. The login is a plain user's
(`id -u` is 1000): rotor's disk commands must go through `sudo -n`.

AWS, not moto. Every call goes through the fault layer, which does what EC2 does and moto does
not: instances launched with DisableApiTermination are protected; a detached volume stays
`detaching` for a few seconds; and an AttachVolume that EC2 would refuse (a volume in use or
still detaching, in another zone, a device the instance already uses) is refused with EC2's
error *and recorded as a violation*, as is a DetachVolume of a volume whose file system is still
mounted. Every test asserts no violation: rotor must check before it acts, never rely on the
cloud to refuse.

Run by ctest: python3 test_moto_replace.py --rotor PATH/TO/rotor [Replace|Rollback|Refusals|Killed]
"""
import getpass
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_host  # noqa: E402
import fault_proxy  # noqa: E402
import sshd_harness  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402

DATA, RESULTS = "/var/lib/copr", "/srv/results"
FILES = {"/etc/pki/copr/copr.crt": "-----BEGIN CERTIFICATE-----\nMIIcopr\n",
         "/etc/pki/copr/private/copr.key": "not a real key\n"}
ARGS = ["--stop", "systemctl stop copr", "--start", "systemctl start copr",
        "--copy", "/etc/pki/copr", "--unmount", "auto"]
DETACHING = 3.0  # seconds a detached volume stays "detaching", as on EC2


def ec2_error(code, message):
    return (400, (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                  "</Error></Errors><RequestID>fault-proxy</RequestID></Response>").encode())


class ReplaceFixture(e2e.RespawnFixture):
    """moto with the e2e fixture, a dual-stack subnet, a hosted zone, the fault layer doing what
    EC2 does, and two sshd servers over fake hosts: `old` answers for the hosts made here,
    `new` for every other address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ec2 = cls.client_for("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        v6 = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"].replace("/56", "/64")
        cls.subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.50.1.0/24",
                                       Ipv6CidrBlock=v6,
                                       AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        cls.sg = ec2.create_security_group(GroupName="copr", Description="copr",
                                           VpcId=vpc["VpcId"])["GroupId"]
        ec2.create_key_pair(KeyName="copr")
        r53 = cls.client_for("route53")
        zone = r53.create_hosted_zone(Name="example.org.", CallerReference="rotor-replace")
        cls.zone = zone["HostedZone"]["Id"].split("/")[-1]
        cls.lab = sshd_harness.SshLab()
        cls.hosts = fake_host.FakeHosts(os.path.join(cls.lab.dir, "hosts"), cls.moto.url)
        cls.old_sshd = cls.lab.server("old", cls.hosts.sshd_config(), cls.hosts.sshd_env())
        cls.new_sshd = cls.lab.server("new", cls.hosts.sshd_config(), cls.hosts.sshd_env())
        cls.known_hosts = os.path.join(cls.lab.dir, "known_hosts")
        with open(cls.known_hosts, "w") as f:
            for s in (cls.old_sshd, cls.new_sshd):
                f.write(f"[127.0.0.1]:{s.port} {s.host_key}\n")
        cls.detaching = {}  # volume -> (instance, device, until) while EC2 still detaches it
        cls.detach_lock = threading.Lock()
        cls.proxy = fault_proxy.FaultProxy(cls.moto.url).start()
        # moto ignores RunInstances' DisableApiTermination, which EC2 honours.
        cls.proxy.rewrite("RunInstances", cls.protect_at_launch)
        cls.proxy.intercept("AttachVolume", cls.attach_as_ec2_does)
        cls.proxy.intercept("DetachVolume", cls.detach_as_ec2_does)
        cls.proxy.rewrite("DetachVolume", cls.detach_takes_a_while)
        cls.proxy.rewrite("DescribeVolumes", cls.show_detaching)
        cls.proxy.rewrite("StopInstances", cls.power_off)

    def setUp(self):
        super().setUp()
        self.hosts.forget_violations()  # each test answers for its own

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.lab.stop()
        super().tearDownClass()

    # --- What EC2 does and moto does not ---

    @classmethod
    def protect_at_launch(cls, form, data):
        if form.get("DisableApiTermination", ["false"])[0] == "true":
            for iid in re.findall(r"<instanceId>([^<]+)</instanceId>", data.decode()):
                cls.client_for("ec2").modify_instance_attribute(
                    InstanceId=iid, DisableApiTermination={"Value": True})
        return data

    @classmethod
    def attach_as_ec2_does(cls, form):
        """EC2's refusals (moto attaches anything anywhere), each a violation: rotor must have
        checked first."""
        vol, iid, device = (form.get(k, [""])[0] for k in ("VolumeId", "InstanceId", "Device"))
        ec2 = cls.client_for("ec2")
        v = ec2.describe_volumes(VolumeIds=[vol])["Volumes"][0]
        i = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        with cls.detach_lock:
            detaching = cls.detaching.get(vol, (None, None, 0))[2] > time.monotonic()
        taken = [m["Ebs"]["VolumeId"] for m in i.get("BlockDeviceMappings", [])
                 if m["DeviceName"] == device]
        refusal = None
        if detaching:
            refusal = ("IncorrectState", f"{vol} is not 'available' (it is detaching)")
        elif v["State"] != "available":
            refusal = ("VolumeInUse", f"{vol} is already attached to an instance")
        elif v["AvailabilityZone"] != i["Placement"]["AvailabilityZone"]:
            refusal = ("InvalidVolume.ZoneMismatch", f"The volume '{vol}' is not in the same "
                       f"availability zone as instance '{iid}'")
        elif taken or device == i.get("RootDeviceName"):
            refusal = ("InvalidParameterValue", f"Invalid value '{device}' for unixDevice. "
                       f"Attachment point {device} is already in use")
        if refusal is None:
            return None
        cls.hosts.violation(f"AttachVolume {vol} to {iid} at {device}: {refusal[1]}")
        return ec2_error(*refusal)

    @classmethod
    def detach_as_ec2_does(cls, form):
        """A volume still detaching cannot be detached again; one whose file system is mounted
        is detached (EC2 cannot know) but the data is at risk: a violation either way."""
        vol = form.get("VolumeId", [""])[0]
        with cls.detach_lock:
            if cls.detaching.get(vol, (None, None, 0))[2] > time.monotonic():
                cls.hosts.violation(f"DetachVolume {vol} while it is detaching")
                return ec2_error("IncorrectState", f"Volume '{vol}' is in the 'detaching' state.")
        v = cls.client_for("ec2").describe_volumes(VolumeIds=[vol])["Volumes"][0]
        for a in v["Attachments"]:
            mounted = [p for p, (m, _) in cls.hosts.mounts(a["InstanceId"]).items() if m == vol]
            if mounted:
                cls.hosts.violation(f"DetachVolume {vol} from {a['InstanceId']} while its file "
                                    f"system is mounted at {', '.join(mounted)}")
        return None

    @classmethod
    def detach_takes_a_while(cls, form, data):
        vol = form.get("VolumeId", [""])[0]
        instance = re.search(rb"<instanceId>([^<]+)</instanceId>", data)
        device = re.search(rb"<device>([^<]+)</device>", data)
        with cls.detach_lock:
            cls.detaching[vol] = (instance.group(1).decode() if instance else "",
                                  device.group(1).decode() if device else "",
                                  time.monotonic() + DETACHING)
        return data

    @classmethod
    def show_detaching(cls, form, data):
        """A volume moto has detached shows as still attached, `detaching`, for a while."""
        now = time.monotonic()
        with cls.detach_lock:
            pending = {v: d for v, d in cls.detaching.items() if d[2] > now}
        text = data.decode()
        for vol, (instance, device, _) in pending.items():
            attachment = (f"<attachmentSet><item><volumeId>{vol}</volumeId><instanceId>"
                          f"{instance}</instanceId><device>{device}</device><status>detaching"
                          "</status><attachTime>2026-01-01T00:00:00.000Z</attachTime>"
                          "<deleteOnTermination>false</deleteOnTermination></item>"
                          "</attachmentSet>")
            not_item = r"(?:(?!</item>).)*?"
            text = re.sub(rf"(<volumeId>{vol}</volumeId>{not_item})<status>available</status>"
                          rf"({not_item})<attachmentSet/>",
                          lambda m: (m.group(1) + "<status>in-use</status>" + m.group(2) +
                                     attachment), text, flags=re.S)
        return text.encode()

    @classmethod
    def power_off(cls, form, data):
        for key, values in form.items():
            if key.startswith("InstanceId."):
                cls.hosts.power_off(values[0])
        return data

    # --- The fleet ---

    def copr_host(self, name, volume_zone="us-east-1a", points=(DATA, RESULTS)):
        """A host like copr-fe: tags, key, group, protection, an IPv6 address, two data volumes
        mounted at `points` (/dev/sdf's bare file system, /dev/sdg's partition; /dev/sdg created
        first, so EC2 lists it first), copr running on them, its certificates, an elastic IP and
        three records. Its facts."""
        ec2 = self.client("ec2")
        tags = [{"Key": "Name", "Value": name}, {"Key": "team", "Value": "copr"},
                {"Key": "env", "Value": "production"}]
        i = ec2.run_instances(
            ImageId=self.fx["old_ami"], MinCount=1, MaxCount=1, InstanceType="t3.small",
            SubnetId=self.subnet, KeyName="copr", SecurityGroupIds=[self.sg],
            Ipv6AddressCount=1,
            BlockDeviceMappings=[{"DeviceName": "/dev/sda1",
                                  "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}}],
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
        iid = i["Instances"][0]["InstanceId"]
        ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
        volumes = {}
        for device, size, role in (("/dev/sdg", 200, "results"), ("/dev/sdf", 100, "data")):
            vol = ec2.create_volume(
                AvailabilityZone=volume_zone if device == "/dev/sdf" else "us-east-1a",
                Size=size, VolumeType="gp3", TagSpecifications=[{
                    "ResourceType": "volume", "Tags": [{"Key": "role", "Value": role}]}])
            ec2.attach_volume(VolumeId=vol["VolumeId"], InstanceId=iid, Device=device)
            volumes[device] = vol["VolumeId"]
        self.hosts.partitioned(volumes["/dev/sdg"])
        self.hosts.unit("copr", points)
        self.hosts.seed(iid, mounts=[(volumes["/dev/sdf"], "", points[0]),
                                     (volumes["/dev/sdg"], "p1", points[1])],
                        active=["copr"], files=FILES)
        eip = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=iid)
        me = self.describe(iid)
        v6 = self.ipv6(me)
        records = [(f"{name}.example.org.", "A", eip["PublicIp"]),
                   (f"{name}-priv.example.org.", "A", me["PrivateIpAddress"]),
                   (f"{name}-priv.example.org.", "AAAA", v6)]
        self.client("route53").change_resource_record_sets(
            HostedZoneId=self.zone, ChangeBatch={"Changes": [
                {"Action": "CREATE", "ResourceRecordSet": {
                    "Name": n, "Type": t, "TTL": 60, "ResourceRecords": [{"Value": v}]}}
                for n, t, v in records]})
        return {"id": iid, "name": name, "eip": eip, "private": me["PrivateIpAddress"],
                "ipv6": v6, "volumes": volumes, "points": points}

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

    def attachments(self, h):
        """{device: (instance, device, state) or None} of the host's data volumes now."""
        out = {}
        for device, vol in h["volumes"].items():
            v = self.client("ec2").describe_volumes(VolumeIds=[vol])["Volumes"][0]
            a = v["Attachments"]
            out[device] = (a[0]["InstanceId"], a[0]["Device"], a[0]["State"]) if a else None
        return out

    def launched_by(self, op):
        return [i for i in self.instances()
                if {"Key": "rotor:operation", "Value": op} in i.get("Tags", [])]

    def ssh_config(self, old_ips):
        """The old host's addresses onto `old`, the rest onto `new`; every connection through
        the fake hosts' ProxyCommand, which tells them which address rotor asked for. Both
        sshds' keys are known (rotor checks the old host's strictly, as it should)."""
        path = os.path.join(self.lab.dir, f"config-{self.id().split('.')[-1]}")
        with open(path, "w") as f:
            for ip in old_ips:
                f.write(f"Host {ip}\n  HostName 127.0.0.1\n  Port {self.old_sshd.port}\n")
            f.write(f"Host *\n  HostName 127.0.0.1\n  Port {self.new_sshd.port}\n"
                    f"  User {getpass.getuser()}\n  IdentityFile {self.lab.key}\n"
                    f"  IdentitiesOnly yes\n  LogLevel ERROR\n"
                    f"  GlobalKnownHostsFile {self.known_hosts}\n"
                    f"  {self.hosts.proxy_command()}\n")
        return path

    def replace(self, h, extra=ARGS):
        return subprocess.run(
            [e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes", "--ssh-config",
             self.ssh_config([h["private"], h["ipv6"]]), "replace-instance", h["name"]] +
            list(extra), env=self.env(), capture_output=True, text=True, timeout=600)

    def rollout(self, h, verb, op):
        return subprocess.run(
            [e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes", "--ssh-config",
             self.ssh_config([h["private"], h["ipv6"]]), "rollout", verb, op],
            env=self.env(), capture_output=True, text=True, timeout=600)

    @staticmethod
    def operation(output):
        m = re.search(r"\b(r-[0-9a-z-]+)\b", output)
        return m.group(1) if m else None

    # --- What the hosts did ---

    def ran(self, instance, tool, *argv):
        """Indexes in the merged log of the runs of `tool` (with these first arguments) on
        `instance`."""
        return [k for k, e in enumerate(self.hosts.log())
                if e["instance"] == instance and e["tool"] == tool and
                e["argv"][:len(argv)] == list(argv)]

    def assert_disks(self, iid, h, mounted=True):
        data, results = h["points"]
        want = {data: (h["volumes"]["/dev/sdf"], ""), results: (h["volumes"]["/dev/sdg"], "p1")}
        self.assertEqual(self.hosts.mounts(iid), want if mounted else {})
        self.assertEqual(self.hosts.units(iid).get("copr", "inactive"),
                         "active" if mounted else "inactive")

    def assert_no_violation(self):
        self.assertEqual(self.hosts.violations(), [],
                         "rotor asked EC2 or a host for what they refuse, or risked the data")

    def assert_replaced(self, h, op):
        """The volumes, address, records, tags, protection and both hosts, after a replacement
        that completed."""
        new = self.launched_by(op)
        self.assertEqual(len(new), 1, f"exactly one new instance: {new}")
        new = self.describe(new[0]["InstanceId"])
        nid = new["InstanceId"]
        self.assertEqual(self.attachments(h), {d: (nid, d, "attached") for d in h["volumes"]})
        self.assertEqual(self.holder(h["eip"]), nid)
        self.assertEqual(self.record(f"{h['name']}.example.org.", "A"), [h["eip"]["PublicIp"]])
        self.assertEqual(self.record(f"{h['name']}-priv.example.org.", "A"),
                         [new["PrivateIpAddress"]])
        self.assertEqual(self.record(f"{h['name']}-priv.example.org.", "AAAA"), [self.ipv6(new)])
        self.assertIsNotNone(self.ipv6(new))
        tags = {t["Key"]: t["Value"] for t in new["Tags"]}
        self.assertEqual((tags["Name"], tags["team"], tags["env"], tags["rotor:replaces"]),
                         (h["name"], "copr", "production", h["id"]))
        self.assertEqual((new["SubnetId"], new["KeyName"], new["InstanceType"]),
                         (self.subnet, "copr", "t3.small"))
        self.assertEqual([g["GroupId"] for g in new["SecurityGroups"]], [self.sg])
        self.assertTrue(self.protected(nid), "the new instance is protected")
        root = self.client("ec2").describe_volumes(Filters=[
            {"Name": "attachment.instance-id", "Values": [nid]},
            {"Name": "attachment.device", "Values": [new["RootDeviceName"]]}])["Volumes"]
        self.assertEqual([(v["Size"], v["Encrypted"]) for v in root], [(20, True)],
                         "an encrypted root of the old one's size")
        old = self.describe(h["id"])
        self.assertEqual(old["State"]["Name"], "stopped")
        self.assertIn({"Key": "Name", "Value": h["name"] + "-old"}, old["Tags"])
        self.assertTrue(self.protected(h["id"]), "the old instance keeps its protection")
        snaps = self.client("ec2").describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": "tag:rotor:operation", "Values": [op]}])
        self.assertEqual(sorted(s["VolumeId"] for s in snaps["Snapshots"]),
                         sorted(h["volumes"].values()), "one snapshot of each moved volume")
        self.assert_disks(nid, h)
        self.assert_disks(h["id"], h, mounted=False)
        for path, text in FILES.items():
            self.assertEqual(self.hosts.file(nid, path), text, f"{path} copied")
        self.assert_no_violation()
        return new

    def assert_as_before(self, h):
        """Everything back on the old host: volumes at their devices and mounted, address,
        records, name, protection, copr running."""
        self.assertEqual(self.attachments(h),
                         {d: (h["id"], d, "attached") for d in h["volumes"]})
        self.assertEqual(self.holder(h["eip"]), h["id"])
        self.assertEqual(self.record(f"{h['name']}.example.org.", "A"), [h["eip"]["PublicIp"]])
        self.assertEqual(self.record(f"{h['name']}-priv.example.org.", "A"), [h["private"]])
        self.assertEqual(self.record(f"{h['name']}-priv.example.org.", "AAAA"), [h["ipv6"]])
        old = self.describe(h["id"])
        self.assertEqual(old["State"]["Name"], "running")
        self.assertIn({"Key": "Name", "Value": h["name"]}, old["Tags"])
        self.assertTrue(self.protected(h["id"]))
        self.assert_disks(h["id"], h)
        self.assert_no_violation()

    def assert_new_kept_stopped(self, h, op):
        new = self.launched_by(op)
        self.assertEqual(len(new), 1, new)
        self.assertEqual(new[0]["State"]["Name"], "stopped", "stopped and kept, not terminated")
        self.assertIn({"Key": "rotor:rolled-back", "Value": op}, new[0]["Tags"])
        self.assertIn({"Key": "Name", "Value": h["name"] + "-new"}, new[0]["Tags"])
        self.assertTrue(self.protected(new[0]["InstanceId"]))
        return new[0]["InstanceId"]


class Replace(ReplaceFixture):
    def test_volumes_address_records_and_services_move_to_the_new_host(self):
        h = self.copr_host("copr-fe")
        r = self.replace(h)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertIsNotNone(op, r.stdout)
        new = self.assert_replaced(h, op)["InstanceId"]

        # Stop and unmount on the old host, then mount and start on the new one, in that order;
        # the disk commands through sudo, as a plain user must.
        old = h["id"]
        stop = self.ran(old, "systemctl", "stop", "copr")
        unmount = self.ran(old, "umount")
        mount = self.ran(new, "mount")
        start = self.ran(new, "systemctl", "start", "copr")
        self.assertEqual(len(stop), 1, self.hosts.log(old))
        self.assertEqual(len(start), 1, self.hosts.log(new))
        self.assertEqual(len(unmount), 2)
        self.assertEqual(len(mount), 2)
        self.assertLess(stop[0], min(unmount))
        self.assertLess(max(unmount), min(mount))
        self.assertLess(max(mount), start[0])
        log = self.hosts.log()
        self.assertEqual({log[k]["argv"][0] for k in unmount}, {DATA, RESULTS})
        self.assertEqual({log[k]["argv"][1] for k in mount}, {DATA, RESULTS})
        self.assertTrue(all(log[k]["root"] for k in unmount + mount))
        self.assertEqual(self.ran(old, "systemctl", "start"), [], "nothing started on the old")
        self.assertEqual(self.ran(new, "systemctl", "stop"), [], "nothing stopped on the new")
        self.assertEqual({e["sshd"] for e in log if e["instance"] == old}, {"old"})
        self.assertEqual({e["sshd"] for e in log if e["instance"] == new}, {"new"})
        # The copy: read on the old host, written on the new one.
        self.assertEqual(len(self.ran(old, "tar", "-C", "/", "-cpf")), 1)
        self.assertEqual(len(self.ran(new, "tar", "-C", "/", "-xpf")), 1)

    def test_a_mount_point_inside_another_volume_is_mounted_after_it(self):
        # A file system whose mount point lies on another moved volume must be mounted after it,
        # whatever order the volumes were named (or EC2 listed them) in; else it is hidden.
        h = self.copr_host("copr-nest", points=(DATA, DATA + "/results"))
        inner, outer = h["volumes"]["/dev/sdg"], h["volumes"]["/dev/sdf"]
        r = self.replace(h, ARGS + ["--volume", inner, "--volume", outer])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_replaced(h, self.operation(r.stdout))


class Rollback(ReplaceFixture):
    def assert_rolled_back(self, h, r):
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("rolled_back", r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertIsNotNone(op, r.stdout)
        self.assert_as_before(h)
        new = self.assert_new_kept_stopped(h, op)
        # copr was stopped on the new host before its volumes left it, and started again on the
        # old one once they were mounted there.
        old = h["id"]
        self.assertEqual(len(self.ran(new, "systemctl", "stop", "copr")), 1)
        restart = self.ran(old, "systemctl", "start", "copr")
        self.assertEqual(len(restart), 1, self.hosts.log(old))
        remount = self.ran(old, "mount")
        self.assertEqual(len(remount), 2)
        self.assertLess(max(self.ran(new, "umount")), min(remount))
        self.assertLess(max(remount), restart[0])
        return op

    def test_a_failing_after_command_rolls_everything_back(self):
        h = self.copr_host("copr-fe")
        r = self.replace(h, ARGS + ["--after", "false"])
        self.assert_rolled_back(h, r)
        self.assertIn("`false` exited 1", r.stdout + r.stderr)

    def test_a_failing_start_command_rolls_everything_back(self):
        # A check that fails on the new host only: the rollback runs the --start commands again
        # on the old one.
        h = self.copr_host("copr-be")
        check = ('test "$ROTOR_TEST_HOST" = old || '
                 '{ echo copr did not come up on $ROTOR_TEST_HOST >&2; exit 1; }')
        r = self.replace(h, ARGS + ["--start", check])
        self.assert_rolled_back(h, r)
        self.assertIn("copr did not come up on new", r.stdout + r.stderr)

    def test_a_mount_point_inside_another_volume_rolls_back(self):
        # Replace's twin: the rollback unmounts the inner file system first (Linux refuses to
        # unmount the outer one while the inner is on it: target is busy).
        h = self.copr_host("copr-nest", points=(DATA, DATA + "/results"))
        inner, outer = h["volumes"]["/dev/sdg"], h["volumes"]["/dev/sdf"]
        r = self.replace(h, ARGS + ["--volume", inner, "--volume", outer, "--after", "false"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assert_as_before(h)

    def test_rollback_after_completion_returns_everything(self):
        h = self.copr_host("copr-db")
        r = self.replace(h)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assert_replaced(h, op)
        r = self.rollout(h, "rollback", op)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_as_before(h)
        self.assert_new_kept_stopped(h, op)
        self.assertEqual(len(self.ran(h["id"], "systemctl", "start", "copr")), 1)


class Refusals(ReplaceFixture):
    """What EC2 would refuse, rotor refuses first (moto would accept it)."""

    def test_a_volume_in_another_zone_is_refused_before_anything_changes(self):
        h = self.copr_host("copr-xz", volume_zone="us-east-1b")  # moto attached it anyway
        r = self.replace(h)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{h['volumes']['/dev/sdf']} is in us-east-1b", r.stderr)
        self.assertEqual([i for i in self.instances()
                          if {"Key": "rotor:replaces", "Value": h["id"]} in i.get("Tags", [])],
                         [])
        self.assertEqual(self.ran(h["id"], "systemctl", "stop"), [])
        self.assert_as_before(h)

    def replace_onto_a_taken_device(self, name):
        """A replacement whose new image maps a volume of its own at /dev/sdg (the launch gets
        one there): rotor's answer, that volume, and the volumes rotor detached."""
        h = self.copr_host(name)
        extra = []

        def image_volume(form, data):
            for iid in re.findall(r"<instanceId>([^<]+)</instanceId>", data.decode()):
                ec2 = self.client("ec2")
                vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
                ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device="/dev/sdg")
                extra.append(vol)
            return data

        self.proxy.rewrite("RunInstances", image_volume)
        sent = len(self.proxy.forwarded)
        try:
            r = self.replace(h)
        finally:
            self.proxy.rewrites["RunInstances"].remove(image_volume)
        detached = [form["VolumeId"][0] for action, form in self.proxy.forwarded[sent:]
                    if action == "DetachVolume"]
        return h, r, extra[0], detached

    def test_a_device_the_new_instance_already_uses_is_not_attached_over(self):
        h, r, taken, _ = self.replace_onto_a_taken_device("copr-dev")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"already has {taken} at /dev/sdg", r.stdout + r.stderr)
        self.assert_as_before(h)
        self.assert_new_kept_stopped(h, self.operation(r.stdout))

    def test_a_taken_device_is_found_before_the_volume_leaves_the_old_host(self):
        # The taken device is found before the volume leaves the old host: no detach and
        # re-attach for nothing during the outage.
        h, r, _, detached = self.replace_onto_a_taken_device("copr-dev2")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn(h["volumes"]["/dev/sdg"], detached,
                         "the volume that cannot go to /dev/sdg was detached all the same")

    def test_a_device_taken_on_the_old_host_stops_the_rollback_until_it_is_freed(self):
        # Something takes /dev/sdf on the old host once its volume left: the rollback cannot put
        # the volume back there, so it stops for a person, who frees the device and rolls back.
        h = self.copr_host("copr-old")
        data = h["volumes"]["/dev/sdf"]
        stray = []

        def take_the_device(form):
            if form.get("VolumeId", [""])[0] == data and not stray:
                ec2 = self.client("ec2")
                stray.append(ec2.create_volume(AvailabilityZone="us-east-1a",
                                               Size=1)["VolumeId"])
                ec2.attach_volume(VolumeId=stray[0], InstanceId=h["id"], Device="/dev/sdf")

        self.proxy.after("DetachVolume", take_the_device)
        try:
            r = self.replace(h, ARGS + ["--after", "false"])
        finally:
            self.proxy.after_hooks["DetachVolume"].remove(take_the_device)
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("could not undo", r.stdout + r.stderr)
        self.assertIn(f"{h['id']} already has {stray[0]} at /dev/sdf", r.stdout + r.stderr)
        self.assert_no_violation()

        op = self.operation(r.stdout)
        self.client("ec2").detach_volume(VolumeId=stray[0], InstanceId=h["id"])
        r = self.rollout(h, "rollback", op)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_as_before(h)
        self.assert_new_kept_stopped(h, op)


class Killed(ReplaceFixture):
    """kill -9 at every change — each AWS call that changes something, and each command that
    changes a host — once before it acts and once after, each followed by a resume."""

    def test_every_change_killed_then_resumed(self):
        h = self.copr_host("copr-fe")
        proxy, hosts = self.proxy, self.hosts
        cfg = self.ssh_config([h["private"], h["ipv6"]])

        def start(args):
            return subprocess.Popen(
                [e2e.ROTOR, "--endpoint-url", proxy.url, "--yes", "--ssh-config", cfg] + args,
                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                start_new_session=True)

        crashed = set()  # (change, after): each change is killed once at each point

        def crash_at(proc, after):
            """Holds the next change not yet killed at this point, kills rotor there; the
            output when rotor ended before any."""
            def change(action, form):  # "AttachVolume vol-1": each volume's, each host's
                if action.startswith(("Describe", "Get", "List")):
                    return None
                target = (form.get("VolumeId") or form.get("ResourceId.1") or [""])[0]
                name = f"{action} {target}".strip()
                return None if (name, after) in crashed else name

            proxy.hold(change, after=after, by_form=True)
            hosts.hold("after" if after else "before", {c for c, a in crashed if a == after})
            try:
                while not (proxy.held.wait(0.05) or hosts.held()):
                    if proc.poll() is not None:
                        return proc.communicate()
                return None
            finally:
                held = proxy.held_action if proxy.held.is_set() else hosts.held()
                proxy.hold(lambda a: False)
                proc.kill()
                proxy.release()
                hosts.release()  # the held command exits 1: its session died with rotor
                proc.communicate(timeout=30)
                self.wait_for_group(proc.pid)
                self.last_held = held

        first = start(["replace-instance", h["name"]] + ARGS)
        self.assertIsNone(crash_at(first, after=False), "no change at all")
        crashed.add((self.last_held, False))
        listed = self.rotor(["rollout", "list"])
        op = self.operation(listed.stdout)
        self.assertIsNotNone(op, listed.stdout + listed.stderr)
        crashes, after, ended = [f"{self.last_held} (before)"], True, None
        while ended is None:
            ended = crash_at(start(["rollout", "resume", op]), after)
            if ended is None:
                crashed.add((self.last_held, after))
                crashes.append(f"{self.last_held} ({'after' if after else 'before'})")
            after = not after
        out, err = ended
        self.assertIn("completed", out, out + err)
        print(f"\n{len(crashes)} kills: {', '.join(crashes)}", file=sys.stderr)
        self.assert_replaced(h, op)
        new = self.launched_by(op)[0]["InstanceId"]
        volumes = h["volumes"].values()
        for change in (["RunInstances", "AssociateAddress", "ChangeResourceRecordSets",
                        "StopInstances", f"CreateTags {h['id']}", f"CreateTags {new}",
                        "tar -C / -xpf - on new", "systemctl stop copr on old",
                        f"umount {DATA} on old", f"umount {RESULTS} on old",
                        "systemctl start copr on new"] +
                       [f"{a} {v}" for a in ("CreateSnapshot", "DetachVolume", "AttachVolume")
                        for v in volumes]):
            for when in ("before", "after"):
                self.assertIn(f"{change} ({when})", crashes)
        for point in (DATA, RESULTS):
            for when in ("before", "after"):
                self.assertTrue(any(re.fullmatch(rf"mount /dev/nvme\S+ {point} on new \({when}\)",
                                                 c) for c in crashes), (point, when, crashes))

    @staticmethod
    def wait_for_group(pgid, timeout=30):
        """Until no live process of the killed rotor's session is left (its ssh clients, their
        ProxyCommands): none may act once the next rotor runs. Zombies do not count."""
        def alive():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rpartition(")")[2].split()
                except OSError:
                    continue
                if fields[0] != "Z" and int(fields[2]) == pgid:
                    return True
            return False

        deadline = time.monotonic() + timeout
        while alive():
            if time.monotonic() > deadline:
                raise AssertionError(f"the killed rotor's processes (group {pgid}) did not end")
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
