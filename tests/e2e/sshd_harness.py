"""Real OpenSSH servers for the end-to-end tests: each an sshd of its own on a free 127.0.0.1
port with its own host key, telling commands which host they run on through ROTOR_TEST_HOST,
stopped by its own process id; and an ssh configuration that maps instance addresses onto
them. A missing sshd fails the test (scripts/setup installs Debian's openssh-server).

    lab = SshLab()                         # a client key in a fresh directory
    bastion = lab.server("bastion")        # started; .port, .host_key
    lab.map("*", bastion)                  # every address onto it
    lab.write()                            # lab.config: for rotor --ssh-config
    host = lab.server("host", config="ForceCommand /x/run\n", env={"HOME": "/x/home"})
    ...
    lab.stop()
"""
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time

SSHD = "/usr/sbin/sshd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_key(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rotor-test", "-f",
                    path], check=True, capture_output=True)
    with open(path + ".pub") as f:
        return f.read().strip()


class Server:
    def __init__(self, lab, name, config="", env=None):
        if not os.access(SSHD, os.X_OK):
            raise RuntimeError("sshd is not installed (/usr/sbin/sshd): the remote tests need it; "
                               "scripts/setup installs Debian's openssh-server")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege-separation directory
        base = os.path.join(lab.dir, name)
        self.name = name
        self.host_key = new_key(base + "_host_key")
        with open(base + "_authorized_keys", "w") as f:
            f.write(lab.public_key + "\n")
        self.port = free_port()
        # One SetEnv line: sshd takes the first of a keyword and ignores later ones.
        setenv = " ".join(f"{k}={v}" for k, v in dict({"ROTOR_TEST_HOST": name},
                                                       **(env or {})).items())
        with open(base + "_sshd_config", "w") as f:
            f.write(f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {base}_host_key\n"
                    f"PidFile {base}.pid\nAuthorizedKeysFile {base}_authorized_keys\n"
                    "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
                    f"AllowUsers {getpass.getuser()}\nAllowTcpForwarding yes\n"
                    f"SetEnv {setenv}\nLogLevel ERROR\n" + config)
        self.log = open(base + "_sshd.log", "w")
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", base + "_sshd_config"],
                                        stdout=subprocess.DEVNULL, stderr=self.log,
                                        start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd {name} exited at start; see {base}_sshd.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sshd {name} did not listen on port {self.port} within 10 s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class SshLab:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rotor-e2e-ssh-")
        self.key = os.path.join(self.dir, "id_ed25519")
        self.public_key = new_key(self.key)
        self.config = os.path.join(self.dir, "ssh_config")
        self.servers = []
        self.mappings = []

    def server(self, name, config="", env=None):
        """An sshd of its own, started. `config`: lines added to its sshd_config (each ending
        in a newline); `env`: variables set in its sessions besides ROTOR_TEST_HOST."""
        s = Server(self, name, config, env)
        self.servers.append(s)
        return s

    def map(self, pattern, server):
        self.mappings.append((pattern, server))

    def write(self):
        with open(self.config, "w") as f:
            for pattern, server in self.mappings:
                f.write(f"Host {pattern}\n  HostName 127.0.0.1\n  Port {server.port}\n")
            f.write(f"Host *\n  User {getpass.getuser()}\n  IdentityFile {self.key}\n"
                    "  IdentitiesOnly yes\n  LogLevel ERROR\n")

    def stop(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
