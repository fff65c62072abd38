#!/usr/bin/env python3
"""`rotor relocate` on moto_server with a real sshd over fake hosts (issue 14). The host is
test_moto_restore's: /dev/sdf (100 GiB gp3, its ext4 file system on partition p1) mounted at
/data, /dev/sdg (50 GiB) mounted at /data/wal inside it, the unit pg needing both.

The cases. InPlace: `relocate HOST --volume /dev/sdf --size 150` changes the volume with one
ModifyVolume (the size only), waits until EC2 says optimizing, then over ssh grows partition 1
to the disk (growpart) and the file system (resize2fs on the partition), through sudo; nothing
stopped, unmounted or detached. The WAL volume, made xfs, grown by its id to io2 with IOPS:
xfs_growfs at its mount point. Swap: `--type st1` (another family) with --stop/--start: a
snapshot ahead, the unit stopped, /data/wal then /data unmounted, a second snapshot, a new
150 GiB st1 volume from that one (the volume's tags kept, rotor's added), the old one detached
(kept), the new one attached at /dev/sdf and mounted at /data (its partition: the snapshot's
layout), /data/wal mounted again, partition and file system grown, the unit started; then
`rollout rollback` puts the old volume back and deletes nothing. Refusals: a smaller size, the
size it has, a device with no volume, an LVM physical volume, --stop in place, each refused with
one line naming the input before anything reaches EC2 or changes the host. Killed: kill -9 once
EC2 did the ModifyVolume, its answer held; `rollout resume` changes nothing twice and grows the
file system.

AWS, not moto (the fault layer emulates EC2, it never special-cases rotor). moto 5.2 changes a
volume at once and lists the change `completed`, with only the targets the call named: EC2 lists
every target (size, type, IOPS) and goes `modifying` (here 1 s), then `optimizing` (here 2 s),
then `completed`; the layer shows that. EC2 refuses a smaller size (moto shrinks) and a change
while the last one has not completed (moto takes it): refused here, and violations, since rotor
must check first. Everything else is test_moto_restore's layer (CreateVolume creating for a
while, its token, snapshots).

Run by ctest: python3 test_moto_relocate.py --rotor PATH/TO/rotor [InPlace|Swap|Refusals|Killed]
"""
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_moto_e2e as e2e  # noqa: E402
import test_moto_replace as replace  # noqa: E402
import test_moto_restore as restore  # noqa: E402

DATA, WAL, UNIT = restore.DATA, restore.WAL, restore.UNIT
SERVICES = restore.SERVICES
MODIFYING, OPTIMIZING = 1.0, 2.0  # seconds in each state, as EC2 goes through them
GROWS = ("growpart", "resize2fs", "xfs_growfs", "e2fsck")


class RelocateFixture(restore.RestoreFixture):
    """RestoreFixture's moto, hosts and fault layer, with EC2's ModifyVolume."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.changed = {}  # volume -> time.monotonic() of its last ModifyVolume
        cls.change_lock = threading.Lock()
        cls.proxy.intercept("ModifyVolume", cls.modify_as_ec2_does)
        cls.proxy.after("ModifyVolume", cls.note_change)
        cls.proxy.rewrite("DescribeVolumesModifications", cls.modifications_as_ec2_shows)

    @classmethod
    def modify_as_ec2_does(cls, form):
        vol = form.get("VolumeId", [""])[0]
        with cls.change_lock:
            since = cls.changed.get(vol)
        if since is not None and time.monotonic() - since < MODIFYING + OPTIMIZING:
            cls.hosts.violation(f"ModifyVolume {vol} while its last change is under way")
            return replace.ec2_error("IncorrectModificationState",
                                     f"Volume {vol} is already being modified.")
        size = form.get("Size", [""])[0]
        if size:
            now = cls.client_for("ec2").describe_volumes(VolumeIds=[vol])["Volumes"][0]["Size"]
            if int(size) < now:
                cls.hosts.violation(f"ModifyVolume {vol} from {now} to {size} GiB")
                return replace.ec2_error("InvalidParameterValue",
                                         f"New size cannot be smaller than existing size")
        return None

    @classmethod
    def note_change(cls, form):
        with cls.change_lock:
            cls.changed[form["VolumeId"][0]] = time.monotonic()

    @classmethod
    def modifications_as_ec2_shows(cls, form, data):
        """Every target (the volume as moto has it now: it changed at once), and the state by
        the time since the change."""
        text = data.decode()
        out, pos = [], 0
        for m in re.finditer(r"<item>((?:(?!</item>).)*?<volumeId>(vol-[0-9a-f]+)</volumeId>"
                             r"(?:(?!</item>).)*?)</item>", text, flags=re.S):
            item, vol = m.group(1), m.group(2)
            v = cls.client_for("ec2").describe_volumes(VolumeIds=[vol])["Volumes"][0]
            for tag, value in (("targetSize", v["Size"]), ("targetVolumeType", v["VolumeType"]),
                               ("targetIops", v.get("Iops", 0))):
                if f"<{tag}>" not in item:
                    item += f"<{tag}>{value}</{tag}>"
            with cls.change_lock:
                since = time.monotonic() - cls.changed.get(vol, 0)
            state = ("modifying" if since < MODIFYING else
                     "optimizing" if since < MODIFYING + OPTIMIZING else "completed")
            progress = min(100, int(100 * since / (MODIFYING + OPTIMIZING)))
            item = re.sub(r"<modificationState>[^<]*</modificationState>",
                          f"<modificationState>{state}</modificationState>", item)
            item = re.sub(r"<progress>[^<]*</progress>", f"<progress>{progress}</progress>", item)
            out.append(text[pos:m.start(1)] + item)
            pos = m.end(1)
        return ("".join(out) + text[pos:]).encode()

    # --- What happened ---

    def grows(self, h, since=0):
        """(tool, argv) of each grow command on the host, in order."""
        return [(e["tool"], e["argv"]) for e in self.hosts.log(h["id"])[since:]
                if e["tool"] in GROWS]

    def disk_of(self, h, vol):
        """The NVMe disk the host names `vol` by now (from its lsblk)."""
        numbers = self.hosts.state(h["id"]).get("disk_numbers", {})
        return f"/dev/nvme{numbers[vol]}n1"

    def modifies(self, since):
        return [f for a, f in self.proxy.forwarded[since:] if a == "ModifyVolume"]


class InPlace(RelocateFixture):
    def test_the_volume_changed_once_then_its_partition_and_file_system_grown(self):
        h = self.restore_host("rl-inplace")
        self.hosts.file_system(h["wal"], "xfs")
        mark, forwarded = len(self.proxy.requests), len(self.proxy.forwarded)
        r = self.run_rotor(["relocate", h["name"], "--volume", "/dev/sdf", "--size", "150"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("cannot be undone", r.stdout, "the plan says EBS never shrinks")
        self.assertIn("growpart (partition 1), resize2fs", r.stdout)
        (form,) = self.modifies(forwarded)
        self.assertEqual({k: v for k, v in form.items() if k not in ("Action", "Version")},
                         {"VolumeId": [h["data"]], "Size": ["150"]}, "the size only")
        self.assertEqual(self.volume(h["data"])["Size"], 150)
        disk = self.disk_of(h, h["data"])
        self.assertEqual(self.grows(h), [("growpart", [disk, "1"]),
                                         ("resize2fs", [disk + "p1"])])
        self.assertTrue(all(e["root"] for e in self.hosts.log(h["id"]) if e["tool"] in GROWS),
                        "through sudo")
        self.assertEqual(self.hosts.fs_size(h["id"], h["data"]), 150)
        self.assertEqual(restore.RestoreFixture.changes(self, h), [], "nothing stopped or moved")
        self.assertEqual(self.seen_since(mark, "CreateVolume", "DetachVolume", "AttachVolume",
                                         "CreateSnapshot"), [])
        self.assertEqual(self.hosts.units(h["id"]).get(UNIT), "active")
        self.assert_no_violation()

        # The WAL volume, xfs on the whole disk, by its id, to io2: xfs_growfs at /data/wal.
        since, forwarded = len(self.hosts.log(h["id"])), len(self.proxy.forwarded)
        time.sleep(MODIFYING + OPTIMIZING)
        r = self.run_rotor(["relocate", h["id"], "--volume", h["wal"], "--size", "80", "--type",
                            "io2", "--iops", "4000"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        (form,) = self.modifies(forwarded)
        self.assertEqual((form["Size"], form["VolumeType"], form["Iops"]),
                         (["80"], ["io2"], ["4000"]))
        v = self.volume(h["wal"])
        self.assertEqual((v["Size"], v["VolumeType"], v["Iops"]), (80, "io2", 4000))
        self.assertEqual(self.grows(h, since), [("xfs_growfs", [WAL])])
        self.assertEqual(self.hosts.fs_size(h["id"], h["wal"]), 80)
        self.assert_no_violation()


class Swap(RelocateFixture):
    def test_another_family_swapped_in_from_a_snapshot_then_rolled_back(self):
        h = self.restore_host("rl-swap")
        forwarded = len(self.proxy.forwarded)
        r = self.run_rotor(["relocate", h["name"], "--volume", "/dev/sdf", "--size", "150",
                            "--type", "st1"] + SERVICES)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertIn("by a swap: gp3 (SSD) to st1 (HDD) is another family", r.stdout)
        self.assertRegex(r.stdout, r"(?m)^outage: ")
        self.assertEqual(self.modifies(forwarded), [], "nothing changed in place")

        snaps = self.snapshots(rotor_operation=op)
        phases = sorted(tags_of(s)["rotor:relocate-snapshot"] for s in snaps.values())
        self.assertEqual(phases, ["ahead", "final"])
        (final,) = [sid for sid, s in snaps.items()
                    if tags_of(s)["rotor:relocate-snapshot"] == "final"]
        (new,) = self.made_by(op)
        nid = new["VolumeId"]
        self.assertEqual((new["SnapshotId"], new["Size"], new["VolumeType"],
                          new["AvailabilityZone"]), (final, 150, "st1", "us-east-1a"))
        self.assertEqual(tags_of(new), {"role": "data", "Name": "rl-swap-data",
                                        "rotor:operation": op, "rotor:relocated-from": h["data"]})
        self.assert_swapped(h, nid, h["data"])
        # The final snapshot taken unmounted: after /data was, before the old volume left.
        log = self.proxy.forwarded[forwarded:]
        order = [a for a, f in log if a in ("CreateSnapshot", "DetachVolume", "AttachVolume",
                                            "CreateVolume")]
        self.assertEqual(order, ["CreateSnapshot", "CreateSnapshot", "CreateVolume",
                                 "DetachVolume", "AttachVolume"])
        entries = self.hosts.log(h["id"])
        unmounted = max(e["t"] for e in entries if e["tool"] == "umount")
        started = [f for a, f in log if a == "CreateSnapshot"]
        self.assertEqual(len(started), 2)
        self.assertEqual(restore.RestoreFixture.changes(self, h), restore.SWAP)
        disk = self.disk_of(h, nid)
        self.assertEqual(self.grows(h), [("growpart", [disk, "1"]),
                                         ("resize2fs", [disk + "p1"])])
        grown = min(e["t"] for e in entries if e["tool"] == "growpart")
        mounted = max(e["t"] for e in entries if e["tool"] == "mount")
        self.assertLess(unmounted, grown)
        self.assertLess(mounted, grown, "grown once mounted again")
        self.assertEqual(self.hosts.fs_size(h["id"], nid), 150)
        self.assert_no_violation()

        since = len(self.hosts.log(h["id"]))
        mark = len(self.proxy.requests)
        r = self.run_rotor(["rollout", "rollback", op])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.attachment(h["data"]), (h["id"], "/dev/sdf", "attached"))
        self.assertEqual(self.hosts.mounts(h["id"]),
                         {DATA: (h["data"], "p1"), WAL: (h["wal"], "")})
        self.assertEqual(self.hosts.units(h["id"]).get(UNIT), "active")
        v = self.volume(nid)
        self.assertEqual((v["State"], v["Attachments"]), ("available", []), "kept, detached")
        self.assertEqual(self.seen_since(mark, "DeleteVolume", "DeleteSnapshot", "CreateVolume"),
                         [])
        self.assertEqual(len(self.snapshots(rotor_operation=op)), 2, "snapshots kept")
        self.assertEqual(restore.RestoreFixture.changes(self, h, since), restore.SWAP)
        self.assert_no_violation()


class Refusals(RelocateFixture):
    def test_each_refused_with_the_input_named(self):
        h = self.restore_host("rl-refuse")
        lvm = self.client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=30,
                                               VolumeType="gp3")["VolumeId"]
        self.client("ec2").attach_volume(VolumeId=lvm, InstanceId=h["id"], Device="/dev/sdh")
        self.hosts.file_system(lvm, "LVM2_member")
        base = ["relocate", h["name"], "--volume"]
        rows = [
            ("smaller", base + ["/dev/sdf", "--size", "50"], 2, ["--size 50", "never shrinks"]),
            ("the size it has", base + ["/dev/sdf", "--size", "100"], 2,
             [h["data"], "100 GiB gp3 already"]),
            ("a device with no volume", base + ["/dev/sdk", "--size", "200"], 2,
             ["--volume /dev/sdk"]),
            ("an LVM physical volume", base + ["/dev/sdh", "--size", "60"], 2,
             [lvm, "LVM2_member", "--grow none"]),
            ("--stop in place", base + ["/dev/sdf", "--size", "200", "--stop", "x"], 2,
             ["--stop and --start go with a swap"]),
            ("unknown instance", ["relocate", "no-such-host", "--volume", "/dev/sdf", "--size",
                                  "200"], 2, ["no-such-host"]),
        ]
        for what, args, code, named in rows:
            with self.subTest(what):
                mark, since = len(self.proxy.requests), len(self.hosts.log(h["id"]))
                r = self.run_rotor(args)
                self.assertEqual(r.returncode, code, r.stdout + r.stderr)
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                for word in named:
                    self.assertIn(word, lines[0])
                self.assertEqual(self.seen_since(mark, *restore.CHANGES, "CreateSnapshot"), [])
                self.assertEqual([e for e in self.hosts.log(h["id"])[since:]
                                  if e["tool"] not in ("ssh", "lsblk")], [], "only looked")
                self.assertNotRegex(r.stdout, r"\br-\d{8}-", "no operation began")
        self.assertEqual(self.volume(h["data"])["Size"], 100)
        self.assert_no_violation()


class Killed(RelocateFixture):
    def test_killed_once_ec2_changed_the_volume_then_resumed(self):
        h = self.restore_host("rl-killed")
        listed = self.run_rotor(["rollout", "list"]).stdout
        before = set(re.findall(r"\b(r-[0-9a-z-]+)\b", listed))
        forwarded = len(self.proxy.forwarded)
        self.proxy.hold(lambda a: a == "ModifyVolume", after=True)
        proc = self.start(["relocate", h["name"], "--volume", "/dev/sdf", "--size", "150"])
        try:
            while not self.proxy.held.wait(0.05):
                if proc.poll() is not None:
                    out, err = proc.communicate()
                    self.fail(f"rotor ended before ModifyVolume: {out}{err}")
        finally:
            self.proxy.hold(lambda a: False)
            proc.kill()
            self.proxy.release()
            proc.communicate(timeout=30)
            replace.Killed.wait_for_group(proc.pid)
        self.assertEqual(self.volume(h["data"])["Size"], 150, "EC2 changed it")
        self.assertEqual(self.grows(h), [], "killed before growing")
        ops = set(re.findall(r"\b(r-[0-9a-z-]+)\b",
                             self.run_rotor(["rollout", "list"]).stdout)) - before
        self.assertEqual(len(ops), 1)
        (op,) = ops
        r = self.run_rotor(["rollout", "resume", op])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(self.modifies(forwarded)), 1, "changed once")
        disk = self.disk_of(h, h["data"])
        self.assertEqual(self.grows(h), [("growpart", [disk, "1"]),
                                         ("resize2fs", [disk + "p1"])])
        self.assertEqual(self.hosts.fs_size(h["id"], h["data"]), 150)
        self.assert_no_violation()


tags_of = restore.tags_of

if __name__ == "__main__":
    sys.exit(e2e.run_tests())
