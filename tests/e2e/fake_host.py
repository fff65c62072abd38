#!/usr/bin/env python3
"""Fake hosts behind real sshd servers, for the replace-instance end-to-end test: the disk,
mount, service and file tools a host runs, emulated per EC2 instance, their state in files the
test reads, their disks taken from moto at each call.

How a command reaches a host:
- rotor's ssh goes through a ProxyCommand (`fake_host.py route LAB ADDRESS HOST PORT`): it
  connects to the sshd the configuration chose, and notes which instance address rotor asked
  for under the connection's local port.
- the sshd runs every command through a ForceCommand (`fake_host.py session LAB`): it reads
  that port from SSH_CONNECTION, so it knows the address rotor asked for, asks moto which
  instance has it, logs the command, and runs it with bash on a PATH whose first directory holds
  the fake tools (HOME is the host's own empty one, so the machine's ~/.bashrc stays out).
- each fake tool logs its invocation to the instance's log (LAB/hosts/INSTANCE/log) and acts
  on the instance's state (LAB/hosts/INSTANCE/state.json) and file tree
  (LAB/hosts/INSTANCE/root, standing for the host's /).

The tools: `lsblk -P -p -b -o NAME,PKNAME,SERIAL,MOUNTPOINT,TYPE,FSTYPE,SIZE` lists the EBS
volumes moto says are attached to the instance now, Nitro style (the root /dev/nvme0n1 with its
xfs file system on p1 at /, the data volumes /dev/nvme1n1, ... in attachment order, SERIAL the
volume id without its dash, a partition p1 where the test laid one out, the file system ext4
unless the test said otherwise), with the mount points of the instance's state, a disk's SIZE
its volume's size in moto now and a partition's the size it had when the host first listed it;
`growpart DISK N` grows a partition to its disk (NOCHANGE, exit 1, when it fills it), `e2fsck -f
-p DEV` checks an ext file system that is not mounted, `resize2fs DEV` (mounted, or checked
first) and `xfs_growfs DIR` (mounted) grow a file system to its device, its size noted in the
instance's state (FakeHosts.fs_size); with FakeHosts.linux_disk_names(), numbered as Linux numbers NVMe disks instead: a disk
keeps its name while it stays attached, and one attached takes the lowest number free (so a
volume swapped in at a device may take the name of the one that left, and the others keep
theirs); `umount` and `mount` change those, refusing as Linux does (not mounted; target busy while
a mount lies below it or an active unit needs it; no such device or mount point; already
mounted; the whole disk of a partitioned volume); `mkdir -p` and `tar` work in the instance's
file tree; `systemctl start|stop|is-active` keeps unit states, and a unit the test declares
with RequiresMountsFor paths fails to start unless they are mounted; `sync` does nothing;
`id -u` answers 1000 and `sudo -n` runs its arguments as root: the login is a plain user's (as
on Fedora or Amazon Linux images), so rotor's disk commands must go through sudo, and mount,
umount, mkdir, tar and fsfreeze refuse without it. `fsfreeze -f|-u DIR` freezes or thaws the
file system DIR lies on (the instance's innermost mount holding DIR, else /), refusing as
util-linux's does (no such directory; -f on a frozen file system, -u on one not frozen); the
frozen ones are the instance's state (FakeHosts.frozen). A mount that hides another mount below
it is done (as Linux does) and noted as a violation.

A test can hold the next change a tool makes (`umount`, `mount`, `systemctl start|stop`,
`tar -x`), before it acts or once it has, to kill rotor meanwhile (FakeHosts.hold): once
released, the held tool exits 1 (its session died with rotor), so the rest of its command line
never runs.
"""
import fcntl
import json
import os
import re
import sys
import time

# The tools start often, on a busy machine: Python without site-packages (-S), and the heavier
# modules imported where they are used.

REGION = "us-east-1"
# The tools that cannot be written in a few lines of sh; the others are (see SHELL_TOOLS).
PYTHON_TOOLS = ("lsblk", "umount", "mount", "tar", "systemctl", "fsfreeze", "growpart",
                "resize2fs", "e2fsck", "xfs_growfs")
LOG_LINE = ('line="$(date +%s.%N)\t$ROTOR_TEST_HOST\t${FAKE_HOST_ROOT:-0}\t$(basename "$0")"; '
            'for a; do line="$line\t$a"; done; '
            'printf \'%s\\n\' "$line" >> "$FAKE_HOST_LAB/hosts/$FAKE_HOST_INSTANCE/log"\n')
ROOT_ONLY = ('[ "${FAKE_HOST_ROOT:-0}" = 1 ] || { echo "$(basename "$0"): must be superuser." >&2; '
             'exit 1; }\n')
SHELL_TOOLS = {
    "sudo": LOG_LINE +
    '[ "$1" = -n ] || { echo "sudo: a terminal is required to read the password" >&2; exit 1; }\n'
    'shift\n[ $# -gt 0 ] || { echo "usage: sudo -n COMMAND" >&2; exit 1; }\n'
    'export FAKE_HOST_ROOT=1\nexec "$@"\n',
    "sync": LOG_LINE,
    "mkdir": LOG_LINE + ROOT_ONLY +
    'case "$#:$1:$2" in 2:-p:/*) ;; *) echo "the fake mkdir knows -p /DIR, not $*" >&2; exit 1;; '
    'esac\nexec /usr/bin/mkdir -p "$FAKE_HOST_LAB/hosts/$FAKE_HOST_INSTANCE/root$2"\n',
    "id": LOG_LINE +
    'if [ "$*" = -u ]; then [ "${FAKE_HOST_ROOT:-0}" = 1 ] && echo 0 || echo 1000; exit 0; fi\n'
    'exec /usr/bin/id "$@"\n',
}


# --- The test's side -------------------------------------------------------------------------

class FakeHosts:
    """The fake tools of one test class: LAB holds the tools, the routes, each instance's state,
    file tree and log, and the violations the tools and the test's AWS emulation saw."""

    def __init__(self, lab, moto_url):
        self.lab = lab
        self.bin = os.path.join(lab, "bin")
        os.makedirs(self.bin, exist_ok=True)
        os.makedirs(os.path.join(lab, "hosts"), exist_ok=True)
        me = os.path.abspath(__file__)
        scripts = dict(SHELL_TOOLS)
        for verb in PYTHON_TOOLS:
            scripts[verb] = f'exec {sys.executable} -I -S {me} tool {verb} "$@"\n'
        for verb, body in scripts.items():
            path = os.path.join(self.bin, verb)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body)
            os.chmod(path, 0o755)
        self.write_json("config.json", {"moto": moto_url, "units": {}, "layout": {}})

    # sshd and ssh configuration
    def sshd_env(self):
        """The sessions' HOME: the host's own, empty."""
        home = os.path.join(self.lab, "home")
        os.makedirs(home, exist_ok=True)
        return {"HOME": home}

    def sshd_config(self):
        me = os.path.abspath(__file__)
        return f"ForceCommand exec {sys.executable} -I -S {me} session {self.lab}\n"

    def proxy_command(self):
        me = os.path.abspath(__file__)
        return f"ProxyCommand {sys.executable} -I -S {me} route {self.lab} %n %h %p"

    # what the hosts are like
    def unit(self, name, requires_mounts):
        """A systemd unit, as every host's image defines it: its start needs
        `requires_mounts` mounted (RequiresMountsFor)."""
        with locked(self.lab):
            c = self.read_json("config.json")
            c["units"][name] = list(requires_mounts)
            self.write_json("config.json", c)

    def linux_disk_names(self):
        """lsblk names the disks as Linux does (a disk keeps its number while attached, a new one
        takes the lowest free), not by attachment order at each call."""
        with locked(self.lab):
            c = self.read_json("config.json")
            c["disk_names"] = "linux"
            self.write_json("config.json", c)

    def file_system(self, volume_id, fstype):
        """The file system on the volume (or its partition) is `fstype` (default ext4)."""
        with locked(self.lab):
            c = self.read_json("config.json")
            c.setdefault("fstypes", {})[volume_id] = fstype
            self.write_json("config.json", c)

    def fs_size(self, instance, volume_id):
        """The size (GiB) of the file system on the volume, as the instance last grew it (None
        when the host never listed it)."""
        state = self.state(instance)
        for key, gib in state.get("fs", {}).items():
            if key.startswith(serial(volume_id)):
                return gib
        return None

    def partitioned(self, volume_id):
        """The volume holds one partition (p1) with the file system, not a bare one."""
        with locked(self.lab):
            c = self.read_json("config.json")
            c["layout"][volume_id] = "p1"
            self.write_json("config.json", c)

    def seed(self, instance, mounts=(), active=(), files=None, disk_numbers=None):
        """The instance's state: `mounts` [(volume id, node ("" or "p1"), mount point)], the
        units `active`, and `files` {absolute path: text} in its tree (mount points made); with
        linux_disk_names(), `disk_numbers` {volume id: n} the NVMe numbers the attached disks
        have (/dev/nvmeNn1; the others are numbered as Linux would)."""
        host = Host(self.lab, instance)
        with locked(self.lab):
            state = host.state()
            if disk_numbers:
                state["disk_numbers"] = dict(disk_numbers)
            for vol, node, point in mounts:
                state["mounts"][serial(vol) + node] = point
                os.makedirs(host.path(point), exist_ok=True)
            for unit in active:
                state["units"][unit] = "active"
            host.save(state)
        for path, text in (files or {}).items():
            os.makedirs(os.path.dirname(host.path(path)), exist_ok=True)
            with open(host.path(path), "w") as f:
                f.write(text)

    def power_off(self, instance):
        """The instance stopped: nothing stays mounted, no unit runs (moved data volumes are in
        no fstab, so nothing comes back at the next boot by itself), nothing stays frozen."""
        host = Host(self.lab, instance)
        with locked(self.lab):
            state = host.state()
            state["mounts"], state["units"] = {}, {}
            state.pop("frozen", None)
            state.pop("disk_numbers", None)  # numbered afresh at the next boot
            host.save(state)

    # what happened
    def state(self, instance):
        with locked(self.lab):
            return Host(self.lab, instance).state()

    def mounts(self, instance):
        """{mount point: (volume id, node)} on the instance now."""
        out = {}
        for key, point in self.state(instance)["mounts"].items():
            vol = unserial(key)
            out[point] = (vol, key[len(serial(vol)):])
        return out

    def units(self, instance):
        return self.state(instance)["units"]

    def frozen(self, instance):
        """The mount points of the instance's file systems frozen now (fsfreeze -f), sorted."""
        return sorted(self.state(instance).get("frozen", []))

    def file(self, instance, path):
        p = Host(self.lab, instance).path(path)
        if not os.path.isfile(p):
            return None
        with open(p) as f:
            return f.read()

    def log(self, instance=None):
        """Every ssh command and tool run, in the order they ran (on every instance, or one):
        dicts with t, instance, sshd, root (ran as root), tool ("ssh" for the command rotor
        sent) and argv."""
        entries = []
        hosts = os.path.join(self.lab, "hosts")
        for iid in [instance] if instance else sorted(os.listdir(hosts)):
            path = os.path.join(hosts, iid, "log")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                for line in f:
                    t, sshd, root, tool, *argv = line.rstrip("\n").split("\t")
                    entries.append({"t": float(t), "instance": iid, "sshd": sshd,
                                    "root": root == "1", "tool": tool, "argv": argv})
        return sorted(entries, key=lambda e: e["t"])

    def violation(self, text):
        append_line(os.path.join(self.lab, "violations"), text)

    def forget_violations(self):
        try:
            os.unlink(os.path.join(self.lab, "violations"))
        except FileNotFoundError:
            pass

    def violations(self):
        path = os.path.join(self.lab, "violations")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [line.rstrip("\n") for line in f if line.strip()]

    # holding a change, to kill rotor while it is in flight
    def hold(self, phase, skip):
        """The next change not in `skip` (keys as held() names them) waits until release():
        before it acts (phase "before") or once it has ("after")."""
        self.forget_held()
        self.write_json("hold.json", {"phase": phase, "skip": sorted(skip)})

    def held(self):
        """The key of the change being held ("umount /srv/results on old"), or None."""
        path = os.path.join(self.lab, "held")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read().strip() or None

    def release(self):
        """Disarms the hold; a held tool exits 1."""
        for name in ("hold.json", "hold.claimed"):
            try:
                os.unlink(os.path.join(self.lab, name))
            except FileNotFoundError:
                pass
        if self.held():
            open(os.path.join(self.lab, "release"), "w").close()

    def forget_held(self):
        for name in ("held", "release"):
            try:
                os.unlink(os.path.join(self.lab, name))
            except FileNotFoundError:
                pass

    def read_json(self, name):
        with open(os.path.join(self.lab, name)) as f:
            return json.load(f)

    def write_json(self, name, value):
        write_json(os.path.join(self.lab, name), value)


# --- Shared helpers ---------------------------------------------------------------------------

def serial(volume_id):
    """A Nitro EBS disk's serial: the volume id without its dash."""
    return volume_id.replace("-", "")


def unserial(key):
    """vol0abc... or vol0abc...p1 -> vol-0abc..."""
    m = re.match(r"vol([0-9a-f]+?)(p\d+)?$", key)
    return "vol-" + m.group(1) if m else key


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def read_json(path, default):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def append_line(path, text):
    with open(path, "a") as f:
        f.write(text + "\n")


class locked:
    """The lab's lock: one tool at a time changes a state or claims a hold."""

    def __init__(self, lab):
        self.path = os.path.join(lab, "lock")

    def __enter__(self):
        self.f = open(self.path, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


class Host:
    """One instance's state, file tree and log under LAB/hosts/INSTANCE."""

    def __init__(self, lab, instance):
        self.lab = lab
        self.instance = instance
        self.dir = os.path.join(lab, "hosts", instance)
        self.root = os.path.join(self.dir, "root")
        os.makedirs(self.root, exist_ok=True)

    def path(self, absolute):
        return os.path.join(self.root, absolute.lstrip("/"))

    def state(self):
        return read_json(os.path.join(self.dir, "state.json"), {"mounts": {}, "units": {}})

    def save(self, state):
        write_json(os.path.join(self.dir, "state.json"), state)

    def log(self, sshd, root, tool, argv):
        fields = [f"{time.time():.9f}", sshd or "", "1" if root else "0", tool] + list(argv)
        append_line(os.path.join(self.dir, "log"),
                    "\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields))


# --- moto, asked directly (not through the test's fault layer) -------------------------------

def ec2_query(lab, action, params):
    """One EC2 query call to moto over a bare HTTP/1.0 POST (urllib drags in ssl, slow to
    load); its answer's root element, namespaces dropped."""
    import socket
    import urllib.parse
    import xml.etree.ElementTree as ET
    url = read_json(os.path.join(lab, "config.json"), {})["moto"]
    host, _, port = url.split("//")[1].partition(":")
    body = urllib.parse.urlencode(dict({"Action": action, "Version": "2016-11-15"}, **params))
    # moto picks the service and region from the credential scope; it checks no signature here.
    auth = (f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/ec2/aws4_request, "
            "SignedHeaders=host, Signature=0")
    request = (f"POST / HTTP/1.0\r\nHost: {host}:{port}\r\nAuthorization: {auth}\r\n"
               "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
               f"Content-Length: {len(body)}\r\n\r\n{body}")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(request.encode())
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, data = answer.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(f"moto answered {action}: {head[:100]!r} {data[:300]!r}")
    root = ET.fromstring(data)
    for e in root.iter():
        e.tag = e.tag.rpartition("}")[2]
    return root


def instances(lab):
    """[{id, state, root_device, addresses}] of every instance moto has."""
    out = []
    for i in ec2_query(lab, "DescribeInstances", {}).iter("instancesSet"):
        for item in i.findall("item"):
            addresses = {item.findtext("privateIpAddress"), item.findtext("ipAddress")}
            addresses.update(a.text for a in item.iter("ipv6Address"))
            out.append({"id": item.findtext("instanceId"),
                        "state": item.findtext("instanceState/name"),
                        "root_device": item.findtext("rootDeviceName"),
                        "addresses": addresses - {None}})
    return out


def attached_volumes(lab, instance, sizes=None):
    """[(device, attach time, volume id)] of the volumes attached to `instance` now; their sizes
    into `sizes` {volume id: (GiB, the snapshot it was made from or "")} when given."""
    root = ec2_query(lab, "DescribeVolumes", {"Filter.1.Name": "attachment.instance-id",
                                              "Filter.1.Value.1": instance})
    out = []
    for vol in root.find("volumeSet").findall("item"):
        for a in vol.find("attachmentSet").findall("item"):
            if a.findtext("instanceId") == instance and a.findtext("status") in ("attached",
                                                                                 "attaching"):
                out.append((a.findtext("device"), a.findtext("attachTime"),
                            vol.findtext("volumeId")))
                if sizes is not None:
                    sizes[vol.findtext("volumeId")] = (int(vol.findtext("size")),
                                                       vol.findtext("snapshotId") or "")
    return out


# --- ssh ProxyCommand: which address rotor asked for ------------------------------------------

def route(lab, address, host, port):
    """Connects to the sshd and notes `address` under this connection's local port, then relays
    bytes both ways until the server's side ends."""
    import selectors
    import socket
    s = socket.create_connection((host, int(port)))
    append_line(os.path.join(lab, "routes"), f"{s.getsockname()[1]} {address}")
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ)
    sel.register(s, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj == 0:
                data = os.read(0, 65536)
                if data:
                    s.sendall(data)
                else:
                    sel.unregister(0)
                    s.shutdown(socket.SHUT_WR)
            else:
                data = s.recv(65536)
                if not data:
                    return 0
                os.write(1, data)


# --- sshd ForceCommand: the session on the host -------------------------------------------------

def asked_address(lab):
    """The address rotor asked for: the ProxyCommand noted it under our client's port (the
    latest such line: ports are reused)."""
    port = (os.environ.get("SSH_CONNECTION", "").split(" ") + ["", ""])[1]
    found = None
    path = os.path.join(lab, "routes")
    if port and os.path.exists(path):
        with open(path) as f:
            for line in f:
                p, _, address = line.strip().partition(" ")
                if p == port:
                    found = address
    return found


def instance_at(lab, address):
    """The instance moto gives `address` (private, public or IPv6), cached: an instance keeps
    its private and IPv6 addresses, and these tests reach hosts by their private ones."""
    cache = os.path.join(lab, "instances.json")
    known = read_json(cache, {})
    if address in known:
        return known[address]
    found = sorted((i for i in instances(lab) if address in i["addresses"]),
                   key=lambda i: i["state"] == "terminated")
    if not found:
        return None
    with locked(lab):
        known = read_json(cache, {})
        known[address] = found[0]["id"]
        write_json(cache, known)
    return found[0]["id"]


def session(lab):
    command = os.environ.get("SSH_ORIGINAL_COMMAND")
    sshd = os.environ.get("ROTOR_TEST_HOST")
    if not command:
        print("fake host: no interactive logins", file=sys.stderr)
        return 1
    address = asked_address(lab)
    instance = instance_at(lab, address) if address else None
    if instance is None:
        print(f"fake host: no instance has address {address} (sshd {sshd})", file=sys.stderr)
        return 1
    env = dict(os.environ, FAKE_HOST_LAB=lab, FAKE_HOST_INSTANCE=instance,
               PATH=os.path.join(lab, "bin") + ":/usr/sbin:/usr/bin:/sbin:/bin")
    env.pop("FAKE_HOST_ROOT", None)
    Host(lab, instance).log(sshd, False, "ssh", [command])
    os.execve("/bin/bash", ["bash", "-c", command], env)


# --- The tools written in Python --------------------------------------------------------------

class Tool:
    def __init__(self, verb, args):
        self.verb = verb
        self.args = args
        self.lab = os.environ["FAKE_HOST_LAB"]
        self.host = Host(self.lab, os.environ["FAKE_HOST_INSTANCE"])
        self.root = os.environ.get("FAKE_HOST_ROOT") == "1"
        self.sshd = os.environ.get("ROTOR_TEST_HOST")
        self.config = read_json(os.path.join(self.lab, "config.json"), {})

    def key(self):
        return f"{self.verb} {' '.join(self.args)} on {self.sshd}"

    def fail(self, message, code):
        print(f"{self.verb}: {message}", file=sys.stderr)
        return code

    def is_change(self):
        if self.verb == "systemctl":
            return self.args[:1] in (["start"], ["stop"])
        if self.verb == "tar":
            return "-xpf" in self.args
        return self.verb in ("umount", "mount")

    def run(self):
        self.host.log(self.sshd, self.root, self.verb, self.args)
        change = self.is_change()
        if change and self.held("before"):
            return 1
        code = getattr(self, "do_" + self.verb)()
        if change and code == 0 and self.held("after"):
            return 1
        return code

    def held(self, phase):
        """Waits here while the test holds this change at `phase`; True if it did."""
        hold = os.path.join(self.lab, "hold.json")
        with locked(self.lab):
            h = read_json(hold, None)
            if h is None or h["phase"] != phase or self.key() in h["skip"]:
                return False
            os.replace(hold, os.path.join(self.lab, "hold.claimed"))
            with open(os.path.join(self.lab, "held"), "w") as f:
                f.write(self.key())
        release = os.path.join(self.lab, "release")
        deadline = time.monotonic() + 120
        while not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.05)
        return True

    def disks(self):
        """[(name, parent, serial, state key, type)] of the instance now: the root volume first
        (its file system on p1, at /), then the data volumes in the order they were attached,
        as Nitro numbers them. Sizes (GiB) of the disks into self.sizes by state key."""
        roots = {i["id"]: i["root_device"] for i in instances(self.lab)}
        sizes = {}
        mine = sorted((device != roots.get(self.host.instance), when, vol)
                      for device, when, vol in attached_volumes(self.lab, self.host.instance,
                                                                sizes))
        self.sizes = {serial(vol): gib for vol, (gib, _) in sizes.items()}
        self.origins = {serial(vol): snap for vol, (_, snap) in sizes.items() if snap}
        numbered = list(enumerate(mine))
        if self.config.get("disk_names") == "linux":
            numbers = self.linux_numbers([vol for _, _, vol in mine])
            numbered = sorted((numbers[vol], (data, when, vol)) for data, when, vol in mine)
        out = []
        for n, (data, _, vol) in numbered:
            disk = f"/dev/nvme{n}n1"
            out.append((disk, "", serial(vol), serial(vol), "disk"))
            part = self.config["layout"].get(vol, "") if data else "p1"
            if part:
                out.append((disk + part, disk, "", serial(vol) + part if data else "/", "part"))
        return out

    def linux_numbers(self, attached):
        """{volume: NVMe number} as Linux gives them: kept while attached; the volumes attached
        since the last look (in `attached`'s order: the root first, then by attachment time)
        take the lowest numbers free. Noted in the instance's state."""
        with locked(self.lab):
            state = self.host.state()
            known = state.get("disk_numbers", {})
            numbers = {vol: n for vol, n in known.items() if vol in attached}
            for vol in attached:
                if vol not in numbers:
                    taken = set(numbers.values())
                    numbers[vol] = next(n for n in range(len(attached) + 1) if n not in taken)
            if numbers != known:
                state["disk_numbers"] = numbers
                self.host.save(state)
        return numbers

    def first_size(self, disk_key, gib):
        """The size (GiB) a partition or file system has when the host first sees it: its
        volume's, or for a volume made from a snapshot, the snapshot's volume's then."""
        snap = self.origins.get(disk_key)
        if not snap:
            return gib
        root = ec2_query(self.lab, "DescribeSnapshots", {"SnapshotId.1": snap})
        size = root.find("snapshotSet").find("item").findtext("volumeSize")
        return int(size) if size else gib

    def sized(self):
        """self.disks() with the FSTYPE and SIZE (bytes) lsblk shows: a disk its volume's size
        now, a partition and a file system the size they had when the host first saw them
        (first_size; growpart and resize2fs / xfs_growfs grow them; noted in the instance's
        state)."""
        disks = self.disks()
        out = []
        with locked(self.lab):
            state = self.host.state()
            known = state.setdefault("sizes", {})
            for name, parent, ser, key, kind in disks:
                disk_key = ser if ser else next(s for n, _, s, _, _ in disks if n == parent)
                gib = self.sizes.get(disk_key, 8)
                if key not in known and kind == "part":
                    known[key] = self.first_size(disk_key, gib)
                fstype = "xfs" if key == "/" else (
                    "" if any(p == name for _, p, _, _, _ in disks)
                    else self.config.get("fstypes", {}).get(unserial(disk_key), "ext4"))
                if fstype and key not in state.setdefault("fs", {}):
                    state["fs"][key] = known.get(key, self.first_size(disk_key, gib))
                size = gib << 30 if kind == "disk" else (known[key] << 30) - (1 << 20)
                out.append((name, parent, ser, key, kind, fstype, size))
            self.host.save(state)
        return out

    def do_lsblk(self):
        if self.args != ["-P", "-p", "-b", "-o", "NAME,PKNAME,SERIAL,MOUNTPOINT,TYPE,FSTYPE,SIZE"]:
            return self.fail(f"the fake lsblk knows rotor's options only, not {self.args}", 1)
        mounts = self.host.state()["mounts"]
        for name, parent, ser, key, kind, fstype, size in self.sized():
            point = "/" if key == "/" else mounts.get(key, "")
            print(f'NAME="{name}" PKNAME="{parent}" SERIAL="{ser}" '
                  f'MOUNTPOINT="{escape(point)}" TYPE="{kind}" FSTYPE="{fstype}" SIZE="{size}"')
        return 0

    def do_growpart(self):
        """cloud-utils' growpart DISK N: the partition grown to the end of its disk; NOCHANGE
        (exit 1) when it fills it already."""
        if len(self.args) != 2 or not self.args[1].isdigit():
            return self.fail(f"the fake growpart knows DISK PARTITION only, not {self.args}", 2)
        if not self.root:
            return self.fail("FAILED: must be root", 2)
        disk, number = self.args
        disks = self.sized()
        part = [d for d in disks if d[1] == disk and d[0] in (f"{disk}p{number}",
                                                                f"{disk}{number}")]
        whole = [d for d in disks if d[0] == disk]
        if not whole or not part:
            return self.fail(f"FAILED: {disk}: partition {number} does not exist", 2)
        key = part[0][3]
        gib = whole[0][6] >> 30
        with locked(self.lab):
            state = self.host.state()
            if state["sizes"][key] >= gib:
                print(f"NOCHANGE: partition {number} is size {(gib << 21) - 2048}. "
                      "it cannot be grown")
                return 1
            old = state["sizes"][key]
            state["sizes"][key] = gib
            self.host.save(state)
        print(f"CHANGED: partition={number} start=2048 old: size={old << 21} "
              f"new: size={(gib << 21) - 2048}")
        return 0

    def grow_fs(self, key, fstype, kinds):
        """The file system of state key `key` grown to its block device's size."""
        if fstype not in kinds:
            return self.fail(f"{self.verb}: bad magic number in the super-block ({fstype})", 1)
        disks = {d[3]: d for d in self.sized()}
        size = disks[key][6] >> 30 if disks[key][4] == "disk" else \
            self.host.state()["sizes"][key]
        with locked(self.lab):
            state = self.host.state()
            state["fs"][key] = size
            self.host.save(state)
        return 0

    def do_resize2fs(self):
        if len(self.args) != 1:
            return self.fail(f"the fake resize2fs knows DEVICE only, not {self.args}", 1)
        if not self.root:
            return self.fail(f"resize2fs: Permission denied to resize filesystem", 1)
        found = [d for d in self.sized() if d[0] == self.args[0]]
        if not found:
            return self.fail(f"resize2fs: No such file or directory while trying to open "
                             f"{self.args[0]}", 1)
        _, _, _, key, _, fstype, _ = found[0]
        mounted = key == "/" or key in self.host.state()["mounts"]
        if not mounted and key not in self.host.state().get("checked", []):
            return self.fail(f"Please run 'e2fsck -f {self.args[0]}' first.", 1)
        return self.grow_fs(key, fstype, ("ext2", "ext3", "ext4"))

    def do_e2fsck(self):
        if len(self.args) != 3 or self.args[:2] != ["-f", "-p"]:
            return self.fail(f"the fake e2fsck knows -f -p DEVICE only, not {self.args}", 8)
        found = [d for d in self.sized() if d[0] == self.args[2]]
        if not self.root or not found:
            return self.fail(f"e2fsck: cannot open {self.args[2]}", 8)
        key = found[0][3]
        with locked(self.lab):
            state = self.host.state()
            if key == "/" or key in state["mounts"]:
                return self.fail(f"{self.args[2]} is mounted.\ne2fsck: Cannot continue, "
                                 "aborting.", 8)
            state.setdefault("checked", []).append(key)
            self.host.save(state)
        return 0

    def do_xfs_growfs(self):
        if len(self.args) != 1:
            return self.fail(f"the fake xfs_growfs knows MOUNTPOINT only, not {self.args}", 1)
        if not self.root:
            return self.fail("xfs_growfs: XFS_IOC_FSGROWFSDATA xfsctl failed: Operation not "
                             "permitted", 1)
        point = self.args[0].rstrip("/") or "/"
        mounts = self.host.state()["mounts"]
        keys = ["/"] if point == "/" else [k for k, p in mounts.items() if p == point]
        if not keys:
            return self.fail(f"xfs_growfs: {point} is not a mounted XFS filesystem", 1)
        fstype = [d[5] for d in self.sized() if d[3] == keys[0]][0]
        return self.grow_fs(keys[0], fstype, ("xfs",))

    def do_umount(self):
        if not self.root:
            return self.fail("must be superuser to unmount.", 32)
        if len(self.args) != 1:
            return self.fail(f"the fake umount knows TARGET only, not {self.args}", 1)
        point = self.args[0].rstrip("/") or "/"
        with locked(self.lab):
            state = self.host.state()
            keys = [k for k, p in state["mounts"].items() if p == point]
            below = [p for p in state["mounts"].values() if p.startswith(point + "/")]
            users = [u for u, s in state["units"].items() if s == "active" and any(
                n == point or n.startswith(point + "/") for n in self.config["units"].get(u, []))]
            if point == "/" or below or users:
                return self.fail(f"{point}: target is busy.", 32)
            if not keys:
                return self.fail(f"{point}: not mounted.", 32)
            del state["mounts"][keys[0]]
            self.host.save(state)
        return 0

    def do_mount(self):
        if not self.root:
            return self.fail("only root can do that", 1)
        if len(self.args) != 2:
            return self.fail(f"the fake mount knows DEVICE DIR only, not {self.args}", 1)
        device, point = self.args[0], self.args[1].rstrip("/") or "/"
        disks = {name: (key, parent) for name, parent, _, key, _ in self.disks()}
        if device not in disks:
            return self.fail(f"{point}: special device {device} does not exist.", 32)
        if any(parent == device for _, parent in disks.values()):
            return self.fail(f"{point}: wrong fs type, bad option, bad superblock on {device}, "
                             "missing codepage or helper program, or other error.", 32)
        if not os.path.isdir(self.host.path(point)):
            return self.fail(f"{point}: mount point does not exist.", 32)
        key = disks[device][0]
        with locked(self.lab):
            state = self.host.state()
            if point in state["mounts"].values() or key in state["mounts"]:
                return self.fail(f"{point}: {device} already mounted or mount point busy.", 32)
            for below in state["mounts"].values():
                if below.startswith(point + "/"):
                    append_line(os.path.join(self.lab, "violations"),
                                f"{self.host.instance}: mount {device} on {point} hides {below}")
            state["mounts"][key] = point
            self.host.save(state)
        return 0

    def do_tar(self):
        if not self.root:
            return self.fail("Cannot open: Permission denied", 2)
        a = self.args
        if a[:2] != ["-C", "/"] or a[2:3] not in (["-cpf"], ["-xpf"]) or a[3:4] != ["-"]:
            return self.fail(f"the fake tar knows rotor's copy only, not {a}", 2)
        import subprocess
        return subprocess.run(["/usr/bin/tar", "-C", self.host.root] + a[2:]).returncode

    def do_systemctl(self):
        if len(self.args) != 2 or self.args[0] not in ("start", "stop", "is-active"):
            return self.fail(f"the fake systemctl knows start, stop, is-active, not {self.args}", 1)
        verb, unit = self.args
        with locked(self.lab):
            state = self.host.state()
            status = state["units"].get(unit, "inactive")
            if verb == "is-active":
                print(status)
                return 0 if status == "active" else 3
            if verb == "start":
                missing = [p for p in self.config["units"].get(unit, [])
                           if p not in state["mounts"].values()]
                if missing:
                    return self.fail(f"Job for {unit}.service failed because a dependency "
                                     f"failed (RequiresMountsFor: {', '.join(missing)})", 1)
            state["units"][unit] = "active" if verb == "start" else "inactive"
            self.host.save(state)
        return 0

    def do_fsfreeze(self):
        """util-linux's fsfreeze: FIFREEZE or FITHAW on the file system DIR lies on."""
        if len(self.args) != 2 or self.args[0] not in ("-f", "--freeze", "-u", "--unfreeze"):
            return self.fail(f"the fake fsfreeze knows -f|-u DIR only, not {self.args}", 1)
        freeze, path = self.args[0] in ("-f", "--freeze"), self.args[1]
        where = self.host.path(path)
        if not os.path.exists(where):
            return self.fail(f"cannot open {path}: No such file or directory", 1)
        if not os.path.isdir(where):
            return self.fail(f"{path}: is not a directory", 1)
        verb = "freeze" if freeze else "unfreeze"
        if not self.root:
            return self.fail(f"{path}: {verb} failed: Operation not permitted", 1)
        point = os.path.normpath("/" + path.lstrip("/"))
        with locked(self.lab):
            state = self.host.state()
            under = [p for p in state["mounts"].values()
                     if point == p or point.startswith(p.rstrip("/") + "/")]
            fs = max(under, key=len) if under else "/"
            frozen = state.setdefault("frozen", [])
            if freeze and fs in frozen:
                return self.fail(f"{path}: freeze failed: Device or resource busy", 1)
            if not freeze and fs not in frozen:
                return self.fail(f"{path}: unfreeze failed: Invalid argument", 1)
            if freeze:
                frozen.append(fs)
            else:
                frozen.remove(fs)
            self.host.save(state)
        return 0


def escape(text):
    """lsblk -P writes unsafe bytes as \\xHH."""
    return "".join(c if c.isalnum() or c in "/._-+:@," else f"\\x{ord(c):02x}" for c in text)


def main(argv):
    if argv[1:2] == ["route"] and len(argv) == 6:
        return route(*argv[2:6])
    if argv[1:2] == ["session"] and len(argv) == 3:
        return session(argv[2])
    if argv[1:2] == ["tool"] and len(argv) >= 3:
        return Tool(argv[2], argv[3:]).run()
    print(f"usage: {argv[0]} route LAB ADDRESS HOST PORT | session LAB | tool VERB ARGS...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
