#include "remote/ssh.h"

#include <fmt/format.h>

#include "core/strings.h"
#include "remote/process.h"

namespace rotor::remote {
namespace {

// ssh's last line of complaint ("ssh: connect to host 10.0.0.5 port 22: Connection refused").
std::string Reason(const std::string& err) {
  std::vector<std::string> lines;
  for (const std::string& line : core::Split(err, '\n')) {
    std::string l = line;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
    if (!l.empty()) lines.push_back(l);
  }
  return lines.empty() ? "ssh gave no reason" : lines.back();
}

bool Says(const std::string& err, const char* what) { return err.find(what) != std::string::npos; }

core::Status SshFailure(const SshTarget& host, const std::string& err) {
  std::string where = fmt::format("{} ({})", host.name, host.address);
  if (Says(err, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
      Says(err, "Host key verification failed")) {
    return core::Status(
        core::Code::kFailedPrecondition,
        fmt::format("{}: its host key is not the one known ({}): if the host was rebuilt, "
                    "remove its old key from the known-hosts file",
                    where, Reason(err)));
  }
  if (Says(err, "Permission denied")) {
    return core::Status(core::Code::kPermissionDenied,
                        fmt::format("{} refused the login ({}): check --ssh-user and --ssh-key",
                                    where, Reason(err)));
  }
  return core::Status(core::Code::kUnavailable,
                      fmt::format("cannot reach {} over ssh: {}", where, Reason(err)));
}

}  // namespace

std::vector<std::string> SshArgv(const SshSettings& s, const SshTarget& host,
                                 const std::string& command) {
  std::vector<std::string> argv = {s.program};
  auto option = [&](const std::string& kv) {
    argv.push_back("-o");
    argv.push_back(kv);
  };
  for (const auto& [k, v] : s.options) option(k + "=" + v);
  if (!s.config_file.empty()) argv.insert(argv.end(), {"-F", s.config_file});
  if (!s.key_file.empty()) argv.insert(argv.end(), {"-i", s.key_file});
  if (!s.user.empty()) argv.insert(argv.end(), {"-l", s.user});
  if (!s.jump.empty()) argv.insert(argv.end(), {"-J", s.jump});
  argv.push_back("-T");     // never a terminal
  option("BatchMode=yes");  // never a password or passphrase prompt
  option(fmt::format("ConnectTimeout={}", s.connect_timeout.count()));
  option(std::string("StrictHostKeyChecking=") + (host.accept_new_key ? "accept-new" : "yes"));
  if (!s.known_hosts.empty()) option("UserKnownHostsFile=" + s.known_hosts);
  argv.push_back("--");
  argv.push_back(host.address);
  argv.push_back(command);
  return argv;
}

core::Result<CommandResult> OpenSshRunner::Run(const SshTarget& host, const std::string& command,
                                               std::chrono::milliseconds timeout) {
  auto done = RunProcess(SshArgv(settings_, host, command), {timeout, max_output_});
  if (!done.ok()) {
    if (done.status().code() == core::Code::kDeadlineExceeded) {
      return core::Status(core::Code::kDeadlineExceeded,
                          fmt::format("{} ({}): the command did not finish within {}s", host.name,
                                      host.address, timeout.count() / 1000.0));
    }
    return done.status();
  }
  if (done->exit_status == 255) return SshFailure(host, done->err);
  return CommandResult{done->exit_status, std::move(done->out), std::move(done->err),
                       done->truncated};
}

core::Status OpenSshRunner::PortOpen(const SshTarget&, int, std::chrono::milliseconds) {
  return core::Internal("not built yet (issue 12)");
}

}  // namespace rotor::remote
