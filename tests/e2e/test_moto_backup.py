#!/usr/bin/env python3
"""`rotor backup` on moto_server with a real sshd over fake hosts (issue 14). Hosts with two data
volumes each (/dev/sdf at /data, tagged role=data and Name; /dev/sdg at /srv/logs, untagged)
and a 20 GiB root are backed up between `sudo -n fsfreeze -f /data` and `sudo -n fsfreeze -u
/data`; the snapshots are then checked through boto3, the hosts through their logs and state.

The cases. Backup: one CreateSnapshots per host, every data volume snapshotted once and no root,
rotor's tags, --tag-snapshot's and each volume's own on every snapshot from its creation, the
freeze before the call and the thaw after it, a host without data volume left out, the summary
and `backup list`. Retention: --keep counts tonight's, --retention goes by rotor:created (not
by when the snapshot was made), and a snapshot without rotor's tags, or with only some of
them, is never deleted, however old. CopyTo: a copy of each snapshot in the other region, tags
kept, and an old copy there deleted by its rotor:volume tag. FailingPre: a host whose --pre
fails is not snapshotted, its --post runs all the same, its old backups are kept, the other
host is backed up and pruned; exit 1 and a FAILED line naming the host and the command.
Killed: kill -9 while a host is frozen, once before its snapshot set reaches EC2 and once after
EC2 made it (the answer lost), then `rollout resume`: the host thawed, one snapshot set.

The hosts. An ssh configuration sends every address to one sshd, whose sessions run through
tests/e2e/fake_host.py: each instance's mounts and frozen file systems are its own, and
fsfreeze refuses as util-linux's does (a directory that does not exist; -f on a frozen file
system, -u on one not frozen; as a plain user). Each invocation is logged per instance.

AWS, not moto. Every call goes through the fault layer, which does what EC2 does and moto 5.2
does not. CreateSnapshots: EC2 snapshots the instance's attached volumes but the root (with
ExcludeBootVolume=true) and those excluded; moto leaves the root out only when the instance's
root device name is one of its block device mappings' names (it is for these hosts; the
contract test pins a fixture where moto snapshots the root), and ignores ExcludeDataVolumeId,
so the layer deletes any snapshot EC2 would not have made and makes any it would have. EC2
tags each snapshot with the request's tags plus its volume's own (CopyTagsFromSource=volume,
ignored by moto; the request's win on a clash), and answers each snapshot with its state,
`pending` (moto leaves the state out). The layer notes when each call reached EC2 and when it
was answered, to order the host's commands around it. CopySnapshot: moto does as EC2 does
with the call (the source looked up in SourceRegion, the copy made in the region the call was
signed for, with the request's tags, not the source's, and its description), but a copy shows
its source's volume id where EC2 shows `vol-ffffffff` ("an arbitrary volume ID that should not
be used for any purpose"): the layer shows copies so in every DescribeSnapshots, and leaves
them out of a volume-id filter, so that nothing of rotor's may find a copy by its source
volume. Snapshots complete at once in moto (EC2 takes minutes); rotor's wait then finds them
completed.

Run by ctest: python3 test_moto_backup.py --rotor PATH/TO/rotor
                 [Backup|Retention|CopyTo|FailingPre|Killed]
"""
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
from xml.sax.saxutils import escape

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
import test_moto_e2e as e2e  # noqa: E402
import test_moto_replace as replace  # noqa: E402

DATA, LOGS = "/data", "/srv/logs"
FREEZE, THAW = f"sudo -n fsfreeze -f {DATA}", f"sudo -n fsfreeze -u {DATA}"
HOOKS = ["--pre", FREEZE, "--post", THAW]
COPY_REGION = "us-west-2"
COPY_VOLUME = "vol-ffffffff"  # what EC2 shows as a copied snapshot's volume
DAY = datetime.timedelta(days=1)


def iso(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tags_of(x):
    return {t["Key"]: t["Value"] for t in x.get("Tags", [])}


def form_tags(form):
    """The snapshot tags a query call's TagSpecification asks for."""
    out = {}
    for key, values in form.items():
        m = re.fullmatch(r"TagSpecification\.(\d+)\.Tag\.(\d+)\.Key", key)
        if m and form.get(f"TagSpecification.{m.group(1)}.ResourceType", [""])[0] == "snapshot":
            out[values[0]] = form.get(f"TagSpecification.{m.group(1)}.Tag.{m.group(2)}.Value",
                                      [""])[0]
    return out


def top_items(text, start_tag):
    """(start, end) of each top-level <item> inside the first <start_tag>...</start_tag>."""
    begin = text.find(f"<{start_tag}>")
    if begin < 0:
        return []
    out, depth, pos, opened = [], 0, begin + len(start_tag) + 2, None
    for m in re.finditer(r"<(/?)item>|</" + start_tag + ">", text[pos:]):
        if m.group(0) == f"</{start_tag}>" and depth == 0:
            break
        if m.group(1) == "":
            if depth == 0:
                opened = pos + m.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                out.append((opened, pos + m.end()))
    return out


class BackupFixture(replace.ReplaceFixture):
    """ReplaceFixture's moto, subnet, sshds over fake hosts and fault layer, with EC2's snapshot
    sets and copies; hosts to back up and helpers (no tests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_calls = []       # every CreateSnapshots moto received: dicts (see note_set_call)
        cls.copies = set()       # the ids of snapshots made by CopySnapshot, in any region
        cls.emulation_lock = threading.Lock()
        cls.proxy.intercept("CreateSnapshots", cls.note_set_call)
        cls.proxy.rewrite("CreateSnapshots", cls.snapshot_set_as_ec2_does)
        cls.proxy.rewrite("CopySnapshot", cls.note_copy)
        cls.proxy.rewrite("DescribeSnapshots", cls.copies_as_ec2_shows)

    # --- What EC2 does and moto does not ---

    @classmethod
    def note_set_call(cls, form):
        """Notes when a CreateSnapshots reached EC2 (moto), then lets it through."""
        with cls.emulation_lock:
            cls.set_calls.append({"instance": form.get("InstanceSpecification.InstanceId",
                                                       [""])[0],
                                  "form": form, "sent": time.time(), "answered": None,
                                  "snapshots": None})
        return None

    @classmethod
    def snapshot_set_as_ec2_does(cls, form, data):
        """EC2's snapshot set: the attached volumes but the root (when ExcludeBootVolume) and
        those excluded, each tagged with the request's tags and its volume's own; answered with
        each snapshot's state."""
        iid = form["InstanceSpecification.InstanceId"][0]
        no_root = form.get("InstanceSpecification.ExcludeBootVolume",
                           ["false"])[0].lower() == "true"
        excluded = {v[0] for k, v in form.items()
                    if k.startswith("InstanceSpecification.ExcludeDataVolumeId.")}
        asked = form_tags(form)
        description = form.get("Description", [""])[0]
        ec2 = cls.client_for("ec2")
        root = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
            "RootDeviceName"]
        attached = {}
        for v in ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id",
                                                "Values": [iid]}])["Volumes"]:
            for a in v["Attachments"]:
                if a["InstanceId"] == iid and a["State"] in ("attached", "attaching"):
                    attached[v["VolumeId"]] = (a["Device"], v)
        wanted = {vol for vol, (device, _) in attached.items()
                  if not (no_root and device == root) and vol not in excluded}
        made = re.findall(r"<snapshotId>([^<]+)</snapshotId>", data.decode())
        snaps = {s["VolumeId"]: s for s in ec2.describe_snapshots(SnapshotIds=made)["Snapshots"]
                 } if made else {}
        for vol, s in list(snaps.items()):
            if vol not in wanted:  # moto's snapshot of the root EC2 leaves out
                ec2.delete_snapshot(SnapshotId=s["SnapshotId"])
                del snaps[vol]
        for vol in sorted(wanted - set(snaps)):
            spec = [{"ResourceType": "snapshot",
                     "Tags": [{"Key": k, "Value": v} for k, v in asked.items()]}] if asked else []
            sid = ec2.create_snapshot(VolumeId=vol, Description=description,
                                      TagSpecifications=spec)["SnapshotId"]
            snaps[vol] = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]
        items = []
        for vol in sorted(snaps):
            s = snaps[vol]
            tags = dict(asked)
            if form.get("CopyTagsFromSource", [""])[0] == "volume":
                own = {k: v for k, v in tags_of(attached[vol][1]).items()
                       if k not in asked and not k.startswith("aws:")}
                if own:
                    ec2.create_tags(Resources=[s["SnapshotId"]],
                                    Tags=[{"Key": k, "Value": v} for k, v in own.items()])
                tags.update(own)
            tag_set = "".join(f"<item><key>{escape(k)}</key><value>{escape(v)}</value></item>"
                              for k, v in sorted(tags.items()))
            items.append(
                f"<item><description>{escape(description)}</description>"
                f"<encrypted>{str(s['Encrypted']).lower()}</encrypted>"
                f"<ownerId>{s['OwnerId']}</ownerId><progress></progress>"
                f"<snapshotId>{s['SnapshotId']}</snapshotId>"
                f"<startTime>{s['StartTime'].strftime('%Y-%m-%dT%H:%M:%S.000Z')}</startTime>"
                f"<state>pending</state><tagSet>{tag_set}</tagSet>"
                f"<volumeId>{vol}</volumeId><volumeSize>{s['VolumeSize']}</volumeSize></item>")
        with cls.emulation_lock:
            for call in reversed(cls.set_calls):
                if call["form"] is form:
                    call["answered"] = time.time()
                    call["snapshots"] = {vol: s["SnapshotId"] for vol, s in snaps.items()}
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<CreateSnapshotsResponse '
                'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fault-proxy'
                f'</requestId><snapshotSet>{"".join(items)}</snapshotSet>'
                '</CreateSnapshotsResponse>').encode()

    @classmethod
    def note_copy(cls, form, data):
        for sid in re.findall(r"<snapshotId>([^<]+)</snapshotId>", data.decode()):
            with cls.emulation_lock:
                cls.copies.add(sid)
        return data

    @classmethod
    def copies_as_ec2_shows(cls, form, data):
        """A copy's volume is vol-ffffffff on EC2: shown so, and not found by the id of the
        volume its source was made of."""
        with cls.emulation_lock:
            copies = set(cls.copies)
        if not copies:
            return data
        by_volume = None
        for key, values in form.items():
            m = re.fullmatch(r"Filter\.(\d+)\.Name", key)
            if m and values[0] == "volume-id":
                by_volume = {v[0] for k, v in form.items()
                             if k.startswith(f"Filter.{m.group(1)}.Value.")}
        text = data.decode()
        for start, end in reversed(top_items(text, "snapshotSet")):
            item = text[start:end]
            sid = re.search(r"<snapshotId>([^<]+)</snapshotId>", item)
            if not sid or sid.group(1) not in copies:
                continue
            if by_volume is not None and COPY_VOLUME not in by_volume:
                item = ""
            else:
                item = re.sub(r"<volumeId>[^<]*</volumeId>", f"<volumeId>{COPY_VOLUME}</volumeId>",
                              item, count=1)
            text = text[:start] + item + text[end:]
        return text.encode()

    # --- The fleet ---

    @classmethod
    def ec2_in(cls, region):
        clients = cls.__dict__.get("regional")
        if clients is None:
            clients = cls.regional = {}
        if region not in clients:
            clients[region] = boto3.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing",
                region_name=region).client("ec2", endpoint_url=cls.moto.url)
        return clients[region]

    def backup_host(self, name, tags=(("backup", "nightly"),), data=True, data_mounted=True):
        """A running host: a 20 GiB root at /dev/sda1 and, with `data`, /dev/sdf (tags role=data
        and Name=NAME-data) mounted at /data (unless not `data_mounted`: then /data does not
        exist there) and /dev/sdg (untagged) at /srv/logs. Its facts."""
        ec2 = self.client("ec2")
        i = ec2.run_instances(
            ImageId=self.fx["old_ami"], MinCount=1, MaxCount=1, InstanceType="t3.small",
            SubnetId=self.subnet, KeyName="copr", SecurityGroupIds=[self.sg],
            BlockDeviceMappings=[{"DeviceName": "/dev/sda1",
                                  "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}}],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": k, "Value": v} for k, v in (("Name", name),) + tuple(tags)]}])
        iid = i["Instances"][0]["InstanceId"]
        root = self.describe(iid)["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        volumes = {}
        if data:
            for device, size, vtags in (
                    ("/dev/sdf", 100, [{"Key": "role", "Value": "data"},
                                       {"Key": "Name", "Value": f"{name}-data"}]),
                    ("/dev/sdg", 50, [])):
                spec = [{"ResourceType": "volume", "Tags": vtags}] if vtags else []
                vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=size,
                                        VolumeType="gp3", TagSpecifications=spec)["VolumeId"]
                ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device=device)
                volumes[device] = vol
            mounts = [(volumes["/dev/sdg"], "", LOGS)]
            if data_mounted:
                mounts.append((volumes["/dev/sdf"], "", DATA))
            self.hosts.seed(iid, mounts=mounts)
        return {"id": iid, "name": name, "who": f"{name} ({iid})", "root": root,
                "volumes": volumes, "data": volumes.get("/dev/sdf"),
                "logs": volumes.get("/dev/sdg")}

    def seed(self, h, volume, when, tags=None, description=None, region="us-east-1"):
        """A completed snapshot of `volume` made now whose rotor:created says `when` (unless
        `tags` are given: then those only)."""
        op = "r-20250101-000000-0000"
        if tags is None:
            op = "r-" + when.strftime("%Y%m%d-%H%M%S") + "-5eed"
            tags = {"rotor:backup-of": h["id"], "rotor:created": iso(when),
                    "rotor:operation": op}
        ec2 = self.ec2_in(region)
        spec = [{"ResourceType": "snapshot",
                 "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
        return ec2.create_snapshot(
            VolumeId=volume, TagSpecifications=spec,
            Description=description or f"rotor backup of {h['who']} ({op})")["SnapshotId"]

    def seed_days(self, h, volume, days):
        """Rotor's backups of `volume` made (by their rotor:created tag) N days ago less an hour,
        for N in `days`: {N: snapshot}."""
        now = datetime.datetime.now(datetime.timezone.utc)
        return {n: self.seed(h, volume, now - n * DAY + datetime.timedelta(hours=1))
                for n in days}

    def snapshots(self, region="us-east-1", **tags):
        """{snapshot id: snapshot} of this account with these tags (keys with _ for :)."""
        filters = [{"Name": "tag:" + k.replace("_", ":"), "Values": [v]} for k, v in tags.items()]
        out = self.ec2_in(region).describe_snapshots(OwnerIds=["self"], Filters=filters)
        return {s["SnapshotId"]: s for s in out["Snapshots"]}

    def exists(self, sid, region="us-east-1"):
        try:
            self.ec2_in(region).describe_snapshots(SnapshotIds=[sid])
            return True
        except self.ec2_in(region).exceptions.ClientError as e:
            if "NotFound" in str(e):
                return False
            raise

    # --- rotor ---

    def start(self, args):
        return subprocess.Popen(
            [e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes", "--ssh-config",
             self.ssh_config([])] + args, env=self.env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True)

    def run_rotor(self, args):
        return subprocess.run(
            [e2e.ROTOR, "--endpoint-url", self.proxy.url, "--yes", "--ssh-config",
             self.ssh_config([])] + args, env=self.env(), capture_output=True, text=True,
            timeout=300)

    def backup(self, args):
        return self.run_rotor(["backup"] + args)

    def calls_since(self, mark, action):
        return [form for a, form in self.proxy.forwarded[mark:] if a == action]

    @staticmethod
    def summary(output):
        """{host: (its summary line, [the FAILED lines under it])} of a run's output."""
        out, host = {}, None
        for line in output.splitlines():
            m = re.match(r"^(\S.*\(i-[0-9a-f]+\)): \d+ created", line)
            if m:
                host = m.group(1)
                out[host] = (line, [])
            elif host and line.startswith("  FAILED: "):
                out[host][1].append(line[len("  FAILED: "):])
            else:
                host = None
        return out

    # --- What the hosts did ---

    def freezes(self, h):
        """[(flag, dir, ran as root)] of every fsfreeze on the host, in order."""
        return [(e["argv"][0], e["argv"][1], e["root"]) for e in self.hosts.log(h["id"])
                if e["tool"] == "fsfreeze"]

    def assert_set_made(self, h, op):
        """One snapshot of each data volume of `h` (none of its root) made by `op`, tagged as
        rotor tags them, with the volume's own tags; their ids."""
        made = self.snapshots(rotor_operation=op, **{"rotor_backup-of": h["id"]})
        self.assertEqual(sorted(s["VolumeId"] for s in made.values()),
                         sorted(h["volumes"].values()), "one snapshot of each data volume")
        self.assertNotIn(h["root"], [s["VolumeId"] for s in made.values()])
        own = {h["data"]: {"role": "data", "Name": h["name"] + "-data"}, h["logs"]: {}}
        for sid, s in made.items():
            tags = tags_of(s)
            created = tags.get("rotor:created", "")
            self.assertRegex(created, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            age = datetime.datetime.now(datetime.timezone.utc) - datetime.datetime.strptime(
                created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            self.assertLess(abs(age.total_seconds()), 600, created)
            want = {"rotor:backup-of": h["id"], "rotor:created": created,
                    "rotor:operation": op}
            want.update(own[s["VolumeId"]])
            self.assertEqual({k: v for k, v in tags.items() if k != "team"}, want, sid)
            self.assertIn(h["who"], s["Description"])
        return made


class Backup(BackupFixture):
    def test_two_hosts_frozen_snapshotted_and_thawed_one_set_each(self):
        a, b = self.backup_host("db-a"), self.backup_host("db-b")
        bare = self.backup_host("db-bare", data=False)
        mark, calls = len(self.proxy.forwarded), len(self.set_calls)
        r = self.backup(["--tag", "backup=nightly"] + HOOKS + ["--tag-snapshot", "team=db"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        self.assertIsNotNone(op, r.stdout)
        self.assertIn(f"left out: {bare['who']}: no data volume", r.stdout)

        # Exactly one CreateSnapshots per host, as rotor means it: the data volumes, tagged.
        sets = self.set_calls[calls:]
        self.assertEqual(sorted(c["instance"] for c in sets), sorted([a["id"], b["id"]]))
        self.assertEqual(len(self.calls_since(mark, "CreateSnapshots")), 2)
        self.assertEqual(self.calls_since(mark, "CreateSnapshot"), [], "a set, not one by one")
        for c in sets:
            form = c["form"]
            self.assertEqual(form["InstanceSpecification.ExcludeBootVolume"], ["true"])
            self.assertEqual(form["CopyTagsFromSource"], ["volume"])
            asked = form_tags(form)
            self.assertEqual({k: asked.get(k) for k in ("rotor:backup-of", "rotor:operation",
                                                        "team")},
                             {"rotor:backup-of": c["instance"], "rotor:operation": op,
                              "team": "db"})
        for h in (a, b):
            made = self.assert_set_made(h, op)
            for sid, s in made.items():
                self.assertEqual(tags_of(s)["team"], "db", sid)
            (call,) = [c for c in sets if c["instance"] == h["id"]]
            self.assertEqual(sorted(call["snapshots"].values()), sorted(made))

            # Frozen (as root) before the call, thawed after its answer, and thawed now.
            self.assertEqual(self.freezes(h), [("-f", DATA, True), ("-u", DATA, True)])
            log = self.hosts.log(h["id"])
            pre = [e["t"] for e in log if e["tool"] == "fsfreeze" and e["argv"][0] == "-f"]
            post = [e["t"] for e in log if e["tool"] == "fsfreeze" and e["argv"][0] == "-u"]
            self.assertLess(pre[0], call["sent"], "frozen before the snapshot set")
            self.assertGreater(post[0], call["answered"], "thawed after the snapshot set")
            self.assertEqual(self.hosts.frozen(h["id"]), [])
            ids = ", ".join(sorted(made))
            line = re.search(rf"^{re.escape(h['who'])}: 2 created \(([^)]*)\), 0 deleted, "
                             r"2 kept$", r.stdout, flags=re.M)
            self.assertIsNotNone(line, r.stdout)
            self.assertEqual(", ".join(sorted(line.group(1).split(", "))), ids)
        self.assertEqual(self.hosts.log(bare["id"]), [], "nothing ran on the host left out")
        self.assertNotIn("FAILED", r.stdout)
        self.assertEqual(self.snapshots(**{"rotor_backup-of": bare["id"]}), {})
        self.assert_no_violation()

        # backup list: the table, and JSON.
        listed = self.run_rotor(["backup", "list", "--tag", "backup=nightly"])
        self.assertEqual(listed.returncode, 0, listed.stdout + listed.stderr)
        self.assertIn("SNAPSHOT", listed.stdout)
        every = {}
        for h in (a, b):
            every.update({sid: h for sid in self.snapshots(rotor_operation=op,
                                                           **{"rotor_backup-of": h["id"]})})
        rows = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]
                if line.strip()}
        self.assertEqual(set(rows), set(every), listed.stdout)
        for sid, h in every.items():
            self.assertIn(h["id"], rows[sid])
            self.assertIn("completed", rows[sid])
        js = self.run_rotor(["--output", "json", "backup", "list", "--tag", "backup=nightly"])
        self.assertEqual(js.returncode, 0, js.stdout + js.stderr)
        doc = json.loads(js.stdout)
        self.assertIsInstance(doc, list)
        self.assertEqual({row["snapshot"] for row in doc}, set(every))
        vols = self.snapshots(rotor_operation=op)
        for row in doc:
            h = every[row["snapshot"]]
            self.assertEqual(row["instance"], h["who"])
            self.assertEqual(row["volume"], vols[row["snapshot"]]["VolumeId"])
            self.assertEqual(row["state"], "completed")
            self.assertEqual(row["region"], fixture.REGION)
            self.assertEqual(row["size_gib"], 100 if row["volume"] == h["data"] else 50)


class Retention(BackupFixture):
    """Seeded backups of /dev/sdf, N days old by their rotor:created tag (less an hour) but made
    just now, and two that are not rotor's backups: one with rotor's description and no rotor
    tag, one with rotor:backup-of only; both made before the others, the oldest of all."""

    def seeded_host(self, name):
        h = self.backup_host(name, tags=(("backup", name),))
        foreign = self.seed(h, h["data"], None, tags={"owner": "someone"},
                            description=f"rotor backup of {h['who']} (r-20250101-000000-0000)")
        half = self.seed(h, h["data"], None, tags={"rotor:backup-of": h["id"]})
        return h, foreign, half, self.seed_days(h, h["data"], (1, 2, 3, 4, 5))

    def check(self, h, r, foreign, half, kept, gone):
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        made = self.assert_set_made(h, op)
        for sid in kept + [foreign, half]:
            self.assertTrue(self.exists(sid), f"{sid} was deleted")
        for sid in gone:
            self.assertFalse(self.exists(sid), f"{sid} was kept")
        left = self.snapshots(**{"rotor_backup-of": h["id"]})
        self.assertEqual(set(left), set(made) | set(kept) | {half})
        # The plan named what would go, and the summary what went.
        self.assertIn(f"{h['id']}: {', '.join(gone)} now", r.stdout)
        self.assertRegex(r.stdout, rf"(?m)^{re.escape(h['who'])}: 2 created \([^)]*\), "
                                   rf"{len(gone)} deleted, {len(kept) + 2} kept$")
        self.assertEqual(self.hosts.log(h["id"]), [], "no --pre, no --post: no ssh")

    def test_keep_counts_tonights_backup(self):
        h, foreign, half, by_day = self.seeded_host("ret-keep")
        mark = len(self.proxy.forwarded)
        r = self.backup([h["name"], "--keep", "3"])
        deleted = [f["SnapshotId"][0] for f in self.calls_since(mark, "DeleteSnapshot")]
        self.assertEqual(deleted, [by_day[5], by_day[4], by_day[3]], "oldest first")
        self.check(h, r, foreign, half, kept=[by_day[1], by_day[2]],
                   gone=[by_day[5], by_day[4], by_day[3]])

    def test_retention_by_age_from_the_created_tag(self):
        h, foreign, half, by_day = self.seeded_host("ret-age")
        r = self.backup([h["name"], "--retention", "3d"])
        self.check(h, r, foreign, half, kept=[by_day[1], by_day[2], by_day[3]],
                   gone=[by_day[5], by_day[4]])


class CopyTo(BackupFixture):
    def test_copies_in_the_other_region_tags_kept_old_copy_deleted(self):
        h = self.backup_host("cp-a", tags=(("backup", "cp"),))
        west = self.ec2_in(COPY_REGION)
        # Two days ago: a backup of /dev/sdf here and its copy there, as rotor makes them; and
        # in the other region a snapshot with rotor's description but none of its tags.
        old = self.seed_days(h, h["data"], (2,))[2]
        old_tags = tags_of(self.ec2_in("us-east-1").describe_snapshots(
            SnapshotIds=[old])["Snapshots"][0])
        old_copy = west.copy_snapshot(
            SourceRegion="us-east-1", SourceSnapshotId=old, Description="rotor backup of cp-a",
            TagSpecifications=[{"ResourceType": "snapshot", "Tags": [
                {"Key": k, "Value": v} for k, v in dict(
                    old_tags, **{"rotor:copy-of": old, "rotor:volume": h["data"]}).items()]}]
        )["SnapshotId"]
        with self.emulation_lock:
            self.copies.add(old_copy)
        foreign_west = west.create_snapshot(
            VolumeId=west.create_volume(AvailabilityZone="us-west-2a", Size=1)["VolumeId"],
            Description=f"rotor backup of {h['who']} (r-20250101-000000-0000)")["SnapshotId"]

        mark = len(self.proxy.forwarded)
        r = self.backup([h["name"], "--copy-to", COPY_REGION, "--keep", "1"] + HOOKS)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        op = self.operation(r.stdout)
        made = self.assert_set_made(h, op)
        self.assertEqual(self.freezes(h), [("-f", DATA, True), ("-u", DATA, True)])

        copies = self.snapshots(COPY_REGION, rotor_operation=op)
        copy_calls = self.calls_since(mark, "CopySnapshot")
        self.assertEqual(len(copy_calls), 2, "one copy per snapshot")
        self.assertEqual({f["SourceRegion"][0] for f in copy_calls}, {"us-east-1"})
        self.assertEqual(sorted(f["SourceSnapshotId"][0] for f in copy_calls), sorted(made))
        self.assertEqual(sorted(tags_of(c)["rotor:copy-of"] for c in copies.values()),
                         sorted(made))
        for cid, c in copies.items():
            src = made[tags_of(c)["rotor:copy-of"]]
            want = dict(tags_of(src), **{"rotor:copy-of": src["SnapshotId"],
                                          "rotor:volume": src["VolumeId"]})
            self.assertEqual(tags_of(c), want, cid)
            self.assertEqual(c["Description"], src["Description"])
        # --keep 1 in both regions: the old backup here and its copy there are gone; what is not
        # rotor's stays.
        self.assertFalse(self.exists(old), "the old backup was kept")
        self.assertFalse(self.exists(old_copy, COPY_REGION), "the old copy was kept")
        self.assertTrue(self.exists(foreign_west, COPY_REGION))
        self.assertEqual(set(self.snapshots(COPY_REGION, **{"rotor_backup-of": h["id"]})),
                         set(copies))
        self.assertRegex(r.stdout, rf"(?m)^{re.escape(h['who'])}: 2 created \([^)]*\), "
                                   r"2 copied, 2 deleted, 4 kept$")

        # backup list --copy-to: the copies with their source volume.
        listed = self.run_rotor(["backup", "list", h["name"], "--copy-to", COPY_REGION])
        self.assertEqual(listed.returncode, 0, listed.stdout + listed.stderr)
        rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines()[1:]
                if line.strip()}
        self.assertEqual(set(rows), set(made) | set(copies), listed.stdout)
        for cid, c in copies.items():
            self.assertIn(made[tags_of(c)["rotor:copy-of"]]["VolumeId"], rows[cid])
            self.assertEqual(rows[cid][-1], COPY_REGION)
        js = self.run_rotor(["--output", "json", "backup", "list", h["name"], "--copy-to",
                             COPY_REGION])
        self.assertEqual(js.returncode, 0, js.stdout + js.stderr)
        doc = {row["snapshot"]: row for row in json.loads(js.stdout)}
        self.assertEqual(set(doc), set(made) | set(copies))
        for cid, c in copies.items():
            self.assertEqual(doc[cid]["region"], COPY_REGION)
            self.assertEqual(doc[cid]["volume"], made[tags_of(c)["rotor:copy-of"]]["VolumeId"],
                             "a copy's own volume id means nothing: its source volume")


class FailingPre(BackupFixture):
    def test_a_failing_pre_fails_that_host_only_and_its_post_runs(self):
        ok = self.backup_host("fp-ok", tags=(("backup", "fp"),))
        bad = self.backup_host("fp-bad", tags=(("backup", "fp"),), data_mounted=False)
        seeded = {h["id"]: self.seed_days(h, h["data"], (1, 2)) for h in (ok, bad)}
        calls = len(self.set_calls)
        r = self.backup(["--tag", "backup=fp", "--keep", "1"] + HOOKS)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        op = self.operation(r.stdout)

        # The host whose --pre failed: no snapshot set asked for, its --post ran all the same,
        # its old backups kept; the FAILED line names it and the command.
        self.assertEqual([c["instance"] for c in self.set_calls[calls:]], [ok["id"]])
        self.assertEqual(self.snapshots(rotor_operation=op, **{"rotor_backup-of": bad["id"]}),
                         {})
        self.assertEqual(self.freezes(bad), [("-f", DATA, True), ("-u", DATA, True)])
        for sid in seeded[bad["id"]].values():
            self.assertTrue(self.exists(sid), "a failed backup prunes nothing")
        self.assertRegex(r.stdout, rf"(?m)^{re.escape(bad['who'])}: 0 created, 0 deleted, "
                                   r"2 kept$")
        summary = self.summary(r.stdout)
        self.assertEqual(summary[ok["who"]][1], [], "nothing failed on the other host")
        failed = summary[bad["who"]][1]
        self.assertTrue(failed, r.stdout)
        self.assertIn(bad["who"], failed[0])
        self.assertIn(f"--pre `{FREEZE}`", failed[0])
        self.assertIn("cannot open /data", failed[0])

        # The other host: backed up, thawed, pruned to the newest one.
        self.assert_set_made(ok, op)
        self.assertEqual(self.freezes(ok), [("-f", DATA, True), ("-u", DATA, True)])
        self.assertEqual(self.hosts.frozen(ok["id"]), [])
        for sid in seeded[ok["id"]].values():
            self.assertFalse(self.exists(sid), "the other host's old backups were kept")
        self.assertRegex(r.stdout, rf"(?m)^{re.escape(ok['who'])}: 2 created \([^)]*\), "
                                   r"2 deleted, 2 kept$")


class Killed(BackupFixture):
    """kill -9 while the first host is frozen, its snapshot set held by the fault layer before
    EC2 sees it or once EC2 made it, then `rollout resume`."""

    def killed_then_resumed(self, tag, after):
        a = self.backup_host(f"{tag}-a", tags=(("backup", tag),))
        b = self.backup_host(f"{tag}-b", tags=(("backup", tag),))
        hosts = {a["id"]: a, b["id"]: b}
        calls = len(self.set_calls)
        listed = self.run_rotor(["rollout", "list"]).stdout
        before = set(re.findall(r"\b(r-[0-9a-z-]+)\b", listed))
        self.proxy.hold(lambda action, form: (
            f"{action} {form['InstanceSpecification.InstanceId'][0]}"
            if action == "CreateSnapshots" else None), after=after, by_form=True)
        proc = self.start(["backup", "--tag", f"backup={tag}"] + HOOKS)
        try:
            while not self.proxy.held.wait(0.05):
                if proc.poll() is not None:
                    out, err = proc.communicate()
                    self.fail(f"rotor ended before its snapshot set: {out}{err}")
            held = hosts[self.proxy.held_action.split()[1]]
            other = b if held is a else a
            self.assertEqual(self.hosts.frozen(held["id"]), [DATA], "killed while frozen")
        finally:
            self.proxy.hold(lambda action: False)
            proc.kill()
            self.proxy.release()
            proc.communicate(timeout=30)
            replace.Killed.wait_for_group(proc.pid)
        self.assertEqual(self.hosts.frozen(held["id"]), [DATA], "the kill left it frozen")
        self.assertEqual(len(self.set_calls[calls:]), 1 if after else 0)

        listed = self.run_rotor(["rollout", "list"])
        ops = set(re.findall(r"\b(r-[0-9a-z-]+)\b", listed.stdout)) - before
        self.assertEqual(len(ops), 1, listed.stdout + listed.stderr)
        (op,) = ops
        r = self.run_rotor(["rollout", "resume", op])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Thawed first of all, then (only if EC2 never had it) frozen, snapshotted and thawed
        # again; one snapshot set per host, each volume once.
        self.assertEqual(self.freezes(held), [("-f", DATA, True), ("-u", DATA, True)] +
                         ([] if after else [("-f", DATA, True), ("-u", DATA, True)]))
        self.assertEqual(self.freezes(other), [("-f", DATA, True), ("-u", DATA, True)])
        for h in (a, b):
            self.assertEqual(self.hosts.frozen(h["id"]), [])
            self.assert_set_made(h, op)
            self.assertEqual([c["instance"] for c in self.set_calls[calls:]].count(h["id"]), 1,
                             "one snapshot set asked of EC2 per host")
        return op

    def test_killed_before_the_snapshot_set_reached_ec2(self):
        self.killed_then_resumed("k-before", after=False)

    def test_killed_after_ec2_made_the_snapshot_set(self):
        self.killed_then_resumed("k-after", after=True)


if __name__ == "__main__":
    sys.exit(e2e.run_tests())
