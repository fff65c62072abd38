#include "fakes/sshd.h"

#include <fmt/format.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fakes/ports.h"
#include "remote/process.h"

namespace rotor::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kSshd[] = "/usr/sbin/sshd";

core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Internal("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ssh-keygen: a new ed25519 key pair at `path`; the public key's line.
core::Result<std::string> NewKey(const std::string& path) {
  auto r = remote::RunProcess(
      {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rotor-test", "-f", path},
      {std::chrono::seconds(30), 4096, ""});
  if (!r.ok()) return r.status();
  if (r->exit_status != 0) return core::Internal("ssh-keygen failed: " + r->err);
  ASSIGN_OR_RETURN(std::string pub, ReadFile(path + ".pub"));
  while (!pub.empty() && pub.back() == '\n') pub.pop_back();
  return pub;
}

bool Listening(int port) {
  auto r = remote::RunProcess({"bash", "-c", fmt::format("exec 3<>/dev/tcp/127.0.0.1/{}", port)},
                              {std::chrono::seconds(2), 1024, ""});
  return r.ok() && r->exit_status == 0;
}

std::string LocalUser() {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

}  // namespace

core::Result<std::unique_ptr<TestSshd>> TestSshd::Start(const std::string& dir,
                                                        const std::string& name,
                                                        const std::string& authorized_keys) {
  if (access(kSshd, X_OK) != 0) {
    return core::NotFound(
        "sshd is not installed (/usr/sbin/sshd): the remote tests need it; scripts/setup "
        "installs Debian's openssh-server");
  }
  // As root, sshd wants its privilege-separation directory.
  if (geteuid() == 0) mkdir("/run/sshd", 0755);
  std::unique_ptr<TestSshd> s(new TestSshd());
  std::string base = dir + "/" + name;
  ASSIGN_OR_RETURN(s->host_key_, NewKey(base + "_host_key"));
  std::ofstream(base + "_authorized_keys") << authorized_keys << "\n";
  ASSIGN_OR_RETURN(s->port_, FreeLoopbackPort());
  std::ofstream(base + "_sshd_config") << fmt::format(
      "Port {}\nListenAddress 127.0.0.1\nHostKey {}_host_key\nPidFile {}.pid\n"
      "AuthorizedKeysFile {}_authorized_keys\nStrictModes no\nUsePAM no\n"
      "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
      "PermitRootLogin prohibit-password\nAllowUsers {}\nAllowTcpForwarding yes\n"
      "SetEnv ROTOR_TEST_HOST={}\nLogLevel ERROR\n",
      s->port_, base, base, base, LocalUser(), name);
  s->pid_ = fork();
  if (s->pid_ < 0) return core::Internal("fork failed");
  if (s->pid_ == 0) {
    setsid();
    freopen((base + "_sshd.log").c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    std::string config = base + "_sshd_config";
    execl(kSshd, kSshd, "-D", "-e", "-f", config.c_str(), nullptr);
    _exit(127);
  }
  for (int tries = 0; tries < 100; ++tries) {
    if (Listening(s->port_)) return s;
    int status = 0;
    if (waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
      s->pid_ = -1;
      auto log = ReadFile(base + "_sshd.log");
      return core::Internal("sshd exited at start: " + (log.ok() ? *log : ""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return core::Internal(
      fmt::format("sshd {} did not listen on port {} within 10 s", name, s->port_));
}

TestSshd::~TestSshd() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (waitpid(pid_, &status, WNOHANG) == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
}

core::Result<std::unique_ptr<SshLab>> SshLab::Create() {
  std::string templ = (fs::temp_directory_path() / "rotor-ssh-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return core::Internal("mkdtemp failed");
  std::unique_ptr<SshLab> lab(new SshLab());
  lab->dir_ = templ;
  ASSIGN_OR_RETURN(std::string pub, NewKey(lab->dir_ + "/id_ed25519"));
  (void)pub;
  std::ofstream(lab->known_hosts()).flush();
  return lab;
}

SshLab::~SshLab() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string SshLab::public_key() const {
  auto pub = ReadFile(dir_ + "/id_ed25519.pub");
  return pub.ok() ? *pub : "";
}

void SshLab::Map(const std::string& address, int port, const std::string& jump) {
  mappings_[address] = {port, jump};
}

core::Status SshLab::Write() const {
  std::ofstream out(config());
  for (const auto& [address, m] : mappings_) {
    out << fmt::format("Host {}\n  HostName 127.0.0.1\n  Port {}\n  HostKeyAlias {}\n", address,
                       m.port, address);
    if (!m.jump.empty()) out << "  ProxyJump " << m.jump << "\n";
  }
  out << fmt::format(
      "Host *\n  User {}\n  IdentityFile {}/id_ed25519\n  IdentitiesOnly yes\n"
      "  UserKnownHostsFile {}\n  LogLevel ERROR\n",
      LocalUser(), dir_, known_hosts());
  if (!out) return core::Internal("cannot write " + config());
  return core::Status::Ok();
}

}  // namespace rotor::testing
