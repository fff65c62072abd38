#!/usr/bin/env python3
"""`rotor restore` on moto_server with a real sshd over fake hosts (issue 14). A host has a data
volume at /dev/sdf (tagged role=data and Name) mounted at /data and, for --replace, a second one
at /dev/sdg mounted at /data/wal, inside /data, with a unit `pg` that needs both; a snapshot of
/dev/sdf is restored onto it. The volumes are then checked through boto3, the host through its
log and state, and what rotor asked of EC2 through the fault layer's call log.

The cases. Plain: `restore SNAP --to HOST --device /dev/sdh --size N+10` makes one volume
(ClientToken the operation's id) in the host's zone of the size asked, the source volume's type,
IOPS and encryption, tagged with the snapshot's own tags and rotor's, attached at /dev/sdh; no
ssh command runs on the host and the old volume is left alone. Replace: `--replace --stop ...
--start ...`: the unit stopped, /data/wal then /data unmounted, the old volume detached (kept),
the new one attached at /dev/sdf and mounted at /data (its partition: the snapshot's layout),
/data/wal mounted again, the unit started, the outage timed; then `rollout rollback` swaps back
and deletes nothing. Refusals: an unknown snapshot or instance, --size below the snapshot's, a
plain restore onto a device in use, --replace of a free device or of the root, and a snapshot
not completed, each refused before anything reaches EC2 or the host. Killed: kill -9 while the
new volume's CreateVolume, or the old volume's DetachVolume, has been done by EC2 and its answer
is held, then `rollout resume`: one volume made, swapped in and mounted.

The hosts. As in test_moto_backup.py (an ssh configuration sends every address to one sshd
whose sessions run through tests/e2e/fake_host.py), with the disks named as Linux names NVMe
disks (FakeHosts.linux_disk_names): /dev/sdg keeps its name while /dev/sdf's volume is swapped
(the new one takes the number the old one left), so the name rotor noted for the file system
inside /data still names it when it mounts it again. A file system's contents do not follow its
volume in the fake hosts: which volume is mounted where is the instance's state, checked as
such.

AWS, not moto. Every call goes through the fault layer (test_moto_replace's: an attach EC2
refuses, a detach of a mounted volume, `detaching` for a while; test_moto_backup's snapshot
sets), which here also does what EC2 does with CreateVolume and moto 5.2 does not. A new volume
is `creating` for a few seconds (moto: `available` at once), in the call's answer and in every
DescribeVolumes, and an AttachVolume of it meanwhile is refused (IncorrectState) and a
violation; so is an AttachVolume at a device a volume is still detaching from (moto frees the
device at once). EC2 refuses a Size below the snapshot's (InvalidParameterValue; moto makes the
smaller volume) and a volume of a snapshot not completed (IncorrectState): refused, and
violations, as rotor must check first. A ClientToken seen before answers the volume it made
(moto ignores it and makes another volume each time); seen with other parameters, it is
refused (IdempotentParameterMismatch) and a violation. A snapshot is `completed` at once in moto
(EC2 takes minutes): the layer shows a snapshot the test names as `pending`, with its progress.
What moto does as EC2 does, and is not emulated: SnapshotId, Size, VolumeType, Iops (gp3
without Iops: 3000) and the TagSpecification are kept and shown by DescribeVolumes (with
snapshotId, iops, encrypted and status); a volume of an encrypted snapshot is encrypted whatever
Encrypted says (moto shows no KmsKeyId for it, where EC2 shows the snapshot's key: unused here).

Run by ctest: python3 test_moto_restore.py --rotor PATH/TO/rotor [Plain|Replace|Refusals|Killed]
"""
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_moto_backup as backup  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402
import test_moto_replace as replace  # noqa: E402

DATA, WAL = "/data", "/data/wal"
UNIT = "pg"
STOP, START = f"systemctl stop {UNIT}", f"systemctl start {UNIT}"
SERVICES = ["--stop", STOP, "--start", START]
CREATING = 2.0  # seconds a new volume stays "creating", as on EC2
# What a swap (or its rollback) does on the host, in order: stop; the file system inside
# unmounted first; (the volumes swapped); mounted again parent first; start.
SWAP = [("systemctl", ["stop", UNIT]), ("umount", [WAL]), ("umount", [DATA]), ("mount", [DATA]),
        ("mount", [WAL]), ("systemctl", ["start", UNIT])]
CHANGES = ("CreateVolume", "AttachVolume", "DetachVolume", "DeleteVolume", "ModifyVolume",
           "CreateTags", "DeleteTags")

tags_of = backup.tags_of


def form_tags(form, resource):
    """The tags a query call's TagSpecification asks for `resource`."""
    out = {}
    for key, values in form.items():
        m = re.fullmatch(r"TagSpecification\.(\d+)\.Tag\.(\d+)\.Key", key)
        if m and form.get(f"TagSpecification.{m.group(1)}.ResourceType", [""])[0] == resource:
            out[values[0]] = form.get(f"TagSpecification.{m.group(1)}.Tag.{m.group(2)}.Value",
                                      [""])[0]
    return out


class RestoreFixture(backup.BackupFixture):
    """BackupFixture's moto, sshd over fake hosts and fault layer, with EC2's CreateVolume and
    snapshots still pending; a subnet in a second zone; hosts and helpers (no tests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ec2 = cls.client_for("ec2")
        vpc = ec2.describe_subnets(SubnetIds=[cls.subnet])["Subnets"][0]["VpcId"]
        cls.subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.2.0/24",
                                         AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
        cls.hosts.linux_disk_names()
        cls.hosts.unit(UNIT, [DATA, WAL])
        cls.creating = {}  # volume -> time.monotonic() until which EC2 shows it "creating"
        cls.tokens = {}    # ClientToken -> (the call's parameters, the volume, moto's answer)
        cls.pending = {}   # snapshot -> the progress EC2 shows while it is "pending"
        cls.volume_lock = threading.Lock()
        cls.proxy.intercept("CreateVolume", cls.create_as_ec2_does)
        cls.proxy.rewrite("CreateVolume", cls.creating_a_while)
        cls.proxy.rewrite("DescribeVolumes", cls.show_creating)
        cls.proxy.intercept("AttachVolume", cls.attach_once_created)
        cls.proxy.rewrite("DescribeSnapshots", cls.show_pending)

    # --- What EC2 does and moto does not ---

    @staticmethod
    def volume_params(form):
        return {k: v for k, v in form.items() if k not in ("Action", "Version", "ClientToken")}

    @classmethod
    def is_creating(cls, vol):
        with cls.volume_lock:
            return cls.creating.get(vol, 0) > time.monotonic()

    @classmethod
    def create_as_ec2_does(cls, form):
        """A token seen before: the volume it made. EC2's refusals of a volume of a snapshot
        (a size below the snapshot's; a snapshot not completed), each a violation."""
        token = form.get("ClientToken", [""])[0]
        with cls.volume_lock:
            seen = cls.tokens.get(token) if token else None
        if seen is not None:
            params, vol, answer = seen
            if params != cls.volume_params(form):
                cls.hosts.violation(f"CreateVolume with token {token} again, other parameters")
                return replace.ec2_error("IdempotentParameterMismatch",
                                         f"The client token {token} was used with other "
                                         "parameters")
            state = "creating" if cls.is_creating(vol) else cls.client_for("ec2").describe_volumes(
                VolumeIds=[vol])["Volumes"][0]["State"]
            return re.sub(rb"<status>[^<]*</status>", f"<status>{state}</status>".encode(),
                          answer, count=1)
        sid = form.get("SnapshotId", [""])[0]
        if not sid:
            return None
        with cls.volume_lock:
            pending = sid in cls.pending
        if pending:
            cls.hosts.violation(f"CreateVolume of {sid}, which is pending")
            return replace.ec2_error("IncorrectState", f"Snapshot '{sid}' is not 'completed'.")
        snaps = cls.client_for("ec2").describe_snapshots(Filters=[
            {"Name": "snapshot-id", "Values": [sid]}])["Snapshots"]
        size = form.get("Size", [""])[0]
        if snaps and size and int(size) < snaps[0]["VolumeSize"]:
            cls.hosts.violation(f"CreateVolume of {sid} ({snaps[0]['VolumeSize']} GiB) with "
                                f"Size {size}")
            return replace.ec2_error("InvalidParameterValue", f"Volume of {size}GiB is too small; "
                                     f"minimum is {snaps[0]['VolumeSize']}GiB.")
        return None

    @classmethod
    def creating_a_while(cls, form, data):
        """EC2 answers a new volume `creating`, and creates it for a while; a volume of a
        snapshot holds what its volume held (its partition, in the fake hosts)."""
        m = re.search(rb"<volumeId>([^<]+)</volumeId>", data)
        if not m:
            return data
        vol = m.group(1).decode()
        data = re.sub(rb"<status>[^<]*</status>", b"<status>creating</status>", data, count=1)
        token = form.get("ClientToken", [""])[0]
        with cls.volume_lock:
            cls.creating[vol] = time.monotonic() + CREATING
            if token:
                cls.tokens[token] = (cls.volume_params(form), vol, data)
        sid = form.get("SnapshotId", [""])[0]
        if sid:
            source = cls.client_for("ec2").describe_snapshots(
                SnapshotIds=[sid])["Snapshots"][0]["VolumeId"]
            if cls.hosts.read_json("config.json")["layout"].get(source):
                cls.hosts.partitioned(vol)
        return data

    @classmethod
    def show_creating(cls, form, data):
        now = time.monotonic()
        with cls.volume_lock:
            creating = [v for v, until in cls.creating.items() if until > now]
        text = data.decode()
        not_item = r"(?:(?!</item>).)*?"
        for vol in creating:
            text = re.sub(rf"(<volumeId>{vol}</volumeId>{not_item})<status>available</status>",
                          r"\1<status>creating</status>", text, flags=re.S)
        return text.encode()

    @classmethod
    def attach_once_created(cls, form):
        """EC2 attaches no volume still creating, nor at a device a volume is still detaching
        from: refused, and violations."""
        vol, iid, device = (form.get(k, [""])[0] for k in ("VolumeId", "InstanceId", "Device"))
        refusal = None
        if cls.is_creating(vol):
            refusal = ("IncorrectState", f"{vol} is not 'available'.")
        else:
            now = time.monotonic()
            with cls.detach_lock:
                leaving = [v for v, (i, d, until) in cls.detaching.items()
                           if i == iid and d == device and until > now and v != vol]
            if leaving:
                refusal = ("InvalidParameterValue", f"Invalid value '{device}' for unixDevice. "
                           f"Attachment point {device} is already in use")
        if refusal is None:
            return None
        cls.hosts.violation(f"AttachVolume {vol} to {iid} at {device}: {refusal[1]}")
        return replace.ec2_error(*refusal)

    @classmethod
    def show_pending(cls, form, data):
        with cls.volume_lock:
            pending = dict(cls.pending)
        if not pending:
            return data
        text = data.decode()
        for start, end in reversed(backup.top_items(text, "snapshotSet")):
            item = text[start:end]
            sid = re.search(r"<snapshotId>([^<]+)</snapshotId>", item)
            if sid and sid.group(1) in pending:
                item = re.sub(r"<status>[^<]*</status>", "<status>pending</status>", item)
                item = re.sub(r"<progress>[^<]*</progress>",
                              f"<progress>{pending[sid.group(1)]}%</progress>", item)
                text = text[:start] + item + text[end:]
        return text.encode()

    # --- The hosts ---

    def restore_host(self, name, zone="us-east-1a", wal=True, data_type="gp3", data_iops=None,
                     encrypted=False):
        """A running host in `zone`: a 20 GiB root at /dev/sda1, /dev/sdf (100 GiB of
        `data_type`, tags role=data and Name=NAME-data; its file system on a partition with
        `wal`, else bare) mounted at /data and, with `wal`, /dev/sdg (50 GiB, untagged) at
        /data/wal, inside it, and the unit pg (which needs both) running. Its facts."""
        ec2 = self.client("ec2")
        i = ec2.run_instances(
            ImageId=self.fx["old_ami"], MinCount=1, MaxCount=1, InstanceType="t3.small",
            SubnetId=self.subnet if zone == "us-east-1a" else self.subnet_b, KeyName="copr",
            SecurityGroupIds=[self.sg],
            BlockDeviceMappings=[{"DeviceName": "/dev/sda1",
                                  "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}}],
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": name}]}])
        iid = i["Instances"][0]["InstanceId"]
        root = self.describe(iid)["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        extra = {"Iops": data_iops} if data_iops else {}
        data = ec2.create_volume(
            AvailabilityZone=zone, Size=100, VolumeType=data_type, Encrypted=encrypted,
            TagSpecifications=[{"ResourceType": "volume", "Tags": [
                {"Key": "role", "Value": "data"}, {"Key": "Name", "Value": f"{name}-data"}]}],
            **extra)["VolumeId"]
        ec2.attach_volume(VolumeId=data, InstanceId=iid, Device="/dev/sdf")
        volumes = {"/dev/sdf": data}
        mounts = [(data, "p1" if wal else "", DATA)]
        if wal:
            self.hosts.partitioned(data)
            volumes["/dev/sdg"] = ec2.create_volume(AvailabilityZone=zone, Size=50,
                                                    VolumeType="gp3")["VolumeId"]
            ec2.attach_volume(VolumeId=volumes["/dev/sdg"], InstanceId=iid, Device="/dev/sdg")
            mounts.append((volumes["/dev/sdg"], "", WAL))
        # Numbered as booted with them: /dev/sdg's disk after /dev/sdf's, so the volume swapped
        # in at /dev/sdf takes a number lower than the disk whose name rotor notes.
        numbers = {vol: n for n, vol in enumerate([root] + list(volumes.values()))}
        self.hosts.seed(iid, mounts=mounts, active=[UNIT] if wal else [], disk_numbers=numbers)
        return {"id": iid, "name": name, "who": f"{name} ({iid})", "root": root, "zone": zone,
                "volumes": volumes, "data": data, "wal": volumes.get("/dev/sdg")}

    def snapshot(self, volume, tags=None):
        spec = [{"ResourceType": "snapshot",
                 "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
        return self.client("ec2").create_snapshot(VolumeId=volume, Description="restore me",
                                                  TagSpecifications=spec)["SnapshotId"]

    # --- What EC2 has ---

    def volume(self, vol):
        return self.client("ec2").describe_volumes(VolumeIds=[vol])["Volumes"][0]

    def made_by(self, op):
        """The volumes tagged rotor:operation=op."""
        return self.client("ec2").describe_volumes(Filters=[
            {"Name": "tag:rotor:operation", "Values": [op]}])["Volumes"]

    def attachment(self, vol):
        """(instance, device, state) of the volume (as moto has it), or None."""
        a = self.volume(vol)["Attachments"]
        return (a[0]["InstanceId"], a[0]["Device"], a[0]["State"]) if a else None

    def seen_since(self, mark, *actions):
        """The calls of these actions the fault layer saw since `mark` (len(proxy.requests)),
        moto's or answered by the layer."""
        with self.proxy.lock:
            return [r.action for r in self.proxy.requests[mark:] if r.action in actions]

    # --- What the host did ---

    def changes(self, h, since=0):
        """(tool, argv) of each stop, start, umount and mount on the host, in order, from its
        log's entry `since` on; a mount's argv without its device (the disks' names are the
        fake host's), as SWAP has them."""
        return [(e["tool"], e["argv"][1:] if e["tool"] == "mount" else e["argv"])
                for e in self.hosts.log(h["id"])[since:]
                if e["tool"] in ("umount", "mount") or
                (e["tool"] == "systemctl" and e["argv"][:1] in (["stop"], ["start"]))]

    def detaches(self, vol):
        return [f for a, f in self.proxy.forwarded
                if a == "DetachVolume" and f.get("VolumeId") == [vol]]

    def assert_swapped(self, h, new, old):
        """`new` at /dev/sdf and mounted at /data (its partition), /dev/sdg's file system at
        /data/wal inside it, pg running; `old` detached and kept."""
        self.assertEqual(self.attachment(new), (h["id"], "/dev/sdf", "attached"))
        self.assertEqual(self.attachment(h["wal"]), (h["id"], "/dev/sdg", "attached"))
        self.assertEqual(self.hosts.mounts(h["id"]), {DATA: (new, "p1"), WAL: (h["wal"], "")})
        self.assertEqual(self.hosts.units(h["id"]).get(UNIT), "active")
        v = self.volume(old)
        self.assertEqual((v["State"], v["Attachments"]), ("available", []),
                         "the old volume is kept, detached")


class Plain(RestoreFixture):
    def test_a_volume_of_the_snapshot_attached_at_a_free_device_and_nothing_run_there(self):
        h = self.restore_host("rs-plain", zone="us-east-1b", wal=False, data_type="io2",
                              data_iops=4000, encrypted=True)
        sid = self.snapshot(h["data"], {"rotor:backup-of": h["id"], "rotor:operation":
                                        "r-20250101-000000-5eed", "rotor:created":
                                        "2025-01-01T00:00:00Z", "role": "data",
                                        "Name": "rs-plain-data", "team": "db"})
        self.assertTrue(self.volume(h["data"])["Encrypted"])
        before = self.volume(h["data"])
        mark = len(self.proxy.requests)
        r = self.run_rotor(["restore", sid, "--to", h["name"], "--device", "/dev/sdh",
                            "--size", "110"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertRegex(r.stdout, rf"(?m)^restore {sid} to {h['name']} \({op}\)$")

        # Exactly one CreateVolume, as rotor means it; the volume it made.
        self.assertEqual(self.seen_since(mark, "CreateVolume"), ["CreateVolume"])
        (form,) = [f for a, f in self.proxy.forwarded if a == "CreateVolume"]
        self.assertEqual(form["ClientToken"], [op])
        self.assertEqual(form["SnapshotId"], [sid])
        (new,) = self.made_by(op)
        self.assertEqual((new["SnapshotId"], new["AvailabilityZone"], new["Size"],
                          new["VolumeType"], new["Iops"], new["Encrypted"], new["State"]),
                         (sid, "us-east-1b", 110, "io2", 4000, True, "in-use"))
        self.assertEqual(tags_of(new), {"role": "data", "Name": "rs-plain-data", "team": "db",
                                        "rotor:operation": op, "rotor:restored-from": sid})
        self.assertEqual(form_tags(form, "volume"), tags_of(new), "tagged at creation")
        self.assertEqual(self.attachment(new["VolumeId"]), (h["id"], "/dev/sdh", "attached"))
        # AttachVolume after EC2 had it available (else a violation), at /dev/sdh.
        attaches = [f for a, f in self.proxy.forwarded if a == "AttachVolume"]
        self.assertEqual([(f["VolumeId"][0], f["InstanceId"][0], f["Device"][0])
                          for f in attaches], [(new["VolumeId"], h["id"], "/dev/sdh")])

        # Nothing ran on the host; the old volume is as it was.
        self.assertEqual(self.hosts.log(h["id"]), [], "a plain restore runs nothing there")
        self.assertEqual(self.seen_since(mark, "DetachVolume", "DeleteVolume", "ModifyVolume",
                                         "CreateTags", "DeleteTags"), [])
        after = self.volume(h["data"])
        for key in ("State", "Size", "VolumeType", "Iops", "Tags"):
            self.assertEqual(after.get(key), before.get(key), key)
        self.assertEqual(self.attachment(h["data"]), (h["id"], "/dev/sdf", "attached"))
        self.assertEqual(self.hosts.mounts(h["id"]), {DATA: (h["data"], "")})
        self.assert_no_violation()


class Replace(RestoreFixture):
    def test_swapped_in_with_the_volume_inside_it_then_rolled_back(self):
        h = self.restore_host("rs-replace")
        sid = self.snapshot(h["data"])
        mark = len(self.proxy.requests)
        r = self.run_rotor(["restore", sid, "--to", h["id"], "--replace"] + SERVICES)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertRegex(r.stdout, r"(?m)^outage: ")
        self.assertIn(f"unmount {WAL} (", r.stdout, "the plan names the file system inside")

        self.assertEqual(self.seen_since(mark, "CreateVolume"), ["CreateVolume"])
        (new,) = self.made_by(op)
        nid = new["VolumeId"]
        self.assertEqual((new["SnapshotId"], new["AvailabilityZone"], new["Size"],
                          new["VolumeType"], new["Iops"], new["Encrypted"]),
                         (sid, "us-east-1a", 100, "gp3", 3000, False))
        self.assertEqual(tags_of(new), {"rotor:operation": op, "rotor:restored-from": sid})
        self.assert_swapped(h, nid, h["data"])

        # Stop; the one inside unmounted first; the swap; mounted parent first; start.
        self.assertEqual(self.changes(h), SWAP, self.hosts.log(h["id"]))
        self.assertEqual(self.seen_since(mark, "DetachVolume", "AttachVolume"),
                         ["DetachVolume", "AttachVolume"])
        self.assertEqual([(a, f["VolumeId"][0]) for a, f in self.proxy.forwarded
                          if a in ("DetachVolume", "AttachVolume")],
                         [("DetachVolume", h["data"]), ("AttachVolume", nid)])
        self.assertTrue(all(e["root"] for e in self.hosts.log(h["id"])
                            if e["tool"] in ("umount", "mount")), "through sudo")
        self.assert_no_violation()

        # Rolled back: the old volume back with the one inside it, the new one kept.
        since = len(self.hosts.log(h["id"]))
        mark = len(self.proxy.requests)
        r = self.run_rotor(["rollout", "rollback", op])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.attachment(h["data"]), (h["id"], "/dev/sdf", "attached"))
        self.assertEqual(self.attachment(h["wal"]), (h["id"], "/dev/sdg", "attached"))
        self.assertEqual(self.hosts.mounts(h["id"]),
                         {DATA: (h["data"], "p1"), WAL: (h["wal"], "")})
        self.assertEqual(self.hosts.units(h["id"]).get(UNIT), "active")
        v = self.volume(nid)
        self.assertEqual((v["State"], v["Attachments"]), ("available", []), "kept, detached")
        self.assertEqual([x["VolumeId"] for x in self.made_by(op)], [nid])
        self.assertEqual(self.seen_since(mark, "DeleteVolume", "CreateVolume"), [])
        self.assertEqual(self.changes(h, since), SWAP, self.hosts.log(h["id"])[since:])
        self.assertEqual([(a, f["VolumeId"][0]) for a, f in self.proxy.forwarded
                          if a in ("DetachVolume", "AttachVolume")][2:],
                         [("DetachVolume", nid), ("AttachVolume", h["data"])])
        self.assert_no_violation()


class Refusals(RestoreFixture):
    """Each refused before anything changes: nothing asked of EC2 that changes a volume,
    nothing run on the host but what a --replace plan reads."""

    def test_each_refused_with_the_input_named(self):
        h = self.restore_host("rs-refuse")
        sid = self.snapshot(h["data"])
        pending = self.snapshot(h["data"])
        with self.volume_lock:
            self.pending[pending] = 42
        unknown_snap, unknown_host = "snap-0123456789abcdef0", "i-0123456789abcdef0"
        rows = [
            ("unknown snapshot", [unknown_snap, "--to", h["name"], "--device", "/dev/sdh"], 2,
             [unknown_snap]),
            ("unknown instance", [sid, "--to", unknown_host, "--device", "/dev/sdh"], 2,
             [unknown_host]),
            ("unknown instance name", [sid, "--to", "no-such-host", "--device", "/dev/sdh"], 2,
             ["no-such-host"]),
            ("size below the snapshot's", [sid, "--to", h["name"], "--device", "/dev/sdh",
                                           "--size", "50"], 2, ["--size 50", "100 GiB"]),
            ("plain onto the device in use", [sid, "--to", h["name"]], 2,
             [h["data"], "/dev/sdf"]),
            ("plain onto another device in use", [sid, "--to", h["name"], "--device",
                                                  "/dev/sdg"], 2, [h["wal"], "/dev/sdg"]),
            ("--replace of a free device", [sid, "--to", h["name"], "--replace", "--device",
                                            "/dev/sdh"] + SERVICES, 2, ["/dev/sdh"]),
            ("--replace of the root", [sid, "--to", h["name"], "--replace", "--device",
                                       "/dev/sda1"] + SERVICES, 2, [h["root"], "root"]),
            ("--stop without --replace", [sid, "--to", h["name"], "--device", "/dev/sdh",
                                          "--stop", STOP], 2, ["--stop", "--replace"]),
            ("snapshot not completed", [pending, "--to", h["name"], "--device", "/dev/sdh"], 1,
             [pending, "pending", "complete"]),
        ]
        for what, args, code, named in rows:
            with self.subTest(what):
                mark, since = len(self.proxy.requests), len(self.hosts.log(h["id"]))
                r = self.run_rotor(["restore"] + args)
                self.assertEqual(r.returncode, code, r.stdout + r.stderr)
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                for word in named:
                    self.assertIn(word, lines[0])
                self.assertEqual(self.seen_since(mark, *CHANGES), [])
                self.assertEqual(self.hosts.log(h["id"])[since:], [], "nothing ran there")
                self.assertNotRegex(r.stdout, r"\br-\d{8}-", "no operation began")
        self.assertEqual(self.attachment(h["data"]), (h["id"], "/dev/sdf", "attached"))
        self.assertEqual(self.hosts.mounts(h["id"]), {DATA: (h["data"], "p1"),
                                                      WAL: (h["wal"], "")})
        self.assertEqual(self.hosts.units(h["id"]).get(UNIT), "active")
        self.assert_no_violation()


class Killed(RestoreFixture):
    """kill -9 once EC2 did the new volume's CreateVolume, or the old volume's DetachVolume,
    its answer held by the fault layer; then `rollout resume`."""

    def killed_then_resumed(self, name, action, picks, at_kill):
        """rotor killed while the `action` call that picks(h, snapshot, form) is held once EC2
        did it, the host then as at_kill(h) says ((its mounts, pg's state)); then resumed:
        one volume made, swapped in. The host and the host's changes."""
        h = self.restore_host(name)
        sid = self.snapshot(h["data"])
        listed = self.run_rotor(["rollout", "list"]).stdout
        before = set(re.findall(r"\b(r-[0-9a-z-]+)\b", listed))
        mark = len(self.proxy.requests)
        self.proxy.hold(lambda a, form: a if a == action and picks(h, sid, form) else None,
                        after=True, by_form=True)
        proc = self.start(["restore", sid, "--to", h["name"], "--replace"] + SERVICES)
        try:
            while not self.proxy.held.wait(0.05):
                if proc.poll() is not None:
                    out, err = proc.communicate()
                    self.fail(f"rotor ended before {action}: {out}{err}")
        finally:
            self.proxy.hold(lambda a: False)
            proc.kill()
            self.proxy.release()
            proc.communicate(timeout=30)
            replace.Killed.wait_for_group(proc.pid)
        self.assertEqual(self.seen_since(mark, action), [action])
        mounts, unit = at_kill(h)
        self.assertEqual(self.hosts.mounts(h["id"]), mounts)
        self.assertEqual(self.hosts.units(h["id"]).get(UNIT), unit)

        listed = self.run_rotor(["rollout", "list"])
        ops = set(re.findall(r"\b(r-[0-9a-z-]+)\b", listed.stdout)) - before
        self.assertEqual(len(ops), 1, listed.stdout + listed.stderr)
        (op,) = ops
        r = self.run_rotor(["rollout", "resume", op])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        made = self.made_by(op)
        self.assertEqual(len(made), 1, f"exactly one new volume: {made}")
        self.assertEqual(self.seen_since(mark, "CreateVolume"), ["CreateVolume"],
                         "the resume found the volume EC2 made")
        self.assert_swapped(h, made[0]["VolumeId"], h["data"])
        self.assertEqual(len(self.detaches(h["data"])), 1, "detached once")
        self.assertEqual(self.seen_since(mark, "DeleteVolume"), [])
        self.assert_no_violation()
        return h, self.changes(h)

    def test_killed_once_ec2_made_the_new_volume(self):
        # Before the outage: the host untouched at the kill; the resume finds the volume by
        # its tag and makes no other.
        _, changes = self.killed_then_resumed(
            "rs-k-create", "CreateVolume",
            lambda h, sid, form: form.get("SnapshotId") == [sid],
            lambda h: ({DATA: (h["data"], "p1"), WAL: (h["wal"], "")}, "active"))
        self.assertEqual(changes, SWAP)

    def test_killed_once_ec2_detached_the_old_volume(self):
        # In the outage: stopped and unmounted at the kill; the resume waits for the detach
        # EC2 is doing, then goes on: nothing stopped, unmounted or detached twice.
        _, changes = self.killed_then_resumed(
            "rs-k-detach", "DetachVolume",
            lambda h, sid, form: form.get("VolumeId") == [h["data"]],
            lambda h: ({}, "inactive"))
        self.assertEqual(changes, SWAP)


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
