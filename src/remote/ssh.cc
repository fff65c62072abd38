#include "remote/ssh.h"

#include <fmt/format.h>

#include "core/strings.h"
#include "remote/disks.h"
#include "remote/host_keys.h"
#include "remote/probe.h"
#include "remote/process.h"

namespace rotor::remote {
namespace {

// ssh's last line of complaint ("ssh: connect to host 10.0.0.5 port 22: Connection refused").
std::string Reason(const std::string& err) {
  std::vector<std::string> lines;
  for (const std::string& line : core::Split(err, '\n')) {
    std::string l = line;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
    if (!l.empty() && l.rfind("debug", 0) != 0) lines.push_back(l);
  }
  return lines.empty() ? "ssh gave no reason" : lines.back();
}

core::Status Unreachable(std::string why) {
  return core::Status(core::Code::kUnavailable, std::move(why));
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

// The settings every connection to an instance shares: the user's options first, then the
// configuration file, key, user and jump host.
std::vector<std::string> InstanceArgv(const SshSettings& s) {
  std::vector<std::string> argv = {s.program};
  for (const auto& [k, v] : s.options) argv.insert(argv.end(), {"-o", k + "=" + v});
  if (!s.config_file.empty()) argv.insert(argv.end(), {"-F", s.config_file});
  if (!s.key_file.empty()) argv.insert(argv.end(), {"-i", s.key_file});
  if (!s.user.empty()) argv.insert(argv.end(), {"-l", s.user});
  if (!s.jump.empty()) argv.insert(argv.end(), {"-J", s.jump});
  return argv;
}

// What the configuration makes of an address (`ssh -G`): where to connect, and through which
// jump hosts.
struct Route {
  std::string host;
  int port = 22;
  std::vector<std::string> jumps;  // ProxyJump hops, in order; empty for a direct connection
};

core::Result<Route> Resolve(const SshSettings& s, const SshTarget& target) {
  std::vector<std::string> argv = InstanceArgv(s);
  argv.insert(argv.end(), {"-G", "--", target.address});
  ASSIGN_OR_RETURN(ProcessResult done, RunProcess(argv, {s.connect_timeout, 64 * 1024, ""}));
  if (done.exit_status != 0) {
    return core::InvalidArgument(fmt::format("the ssh configuration for {} ({}) is unusable: {}",
                                             target.name, target.address, Reason(done.err)));
  }
  Route route;
  for (const std::string& line : core::Split(done.out, '\n')) {
    size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "hostname") route.host = value;
    if (key == "port") route.port = std::atoi(value.c_str());
    if (key == "proxyjump" && value != "none") route.jumps = core::Split(value, ',');
  }
  return route;
}

// A ProxyJump hop as ssh -G prints it ("user@host:port", "[10.0.0.1]", "[::1]:2222") as a
// destination ssh accepts: the bare host, or an ssh:// URI when a user or port comes with it.
std::string Destination(const std::string& hop) {
  size_t at = hop.rfind('@');
  std::string user = at == std::string::npos ? "" : hop.substr(0, at + 1);
  std::string rest = at == std::string::npos ? hop : hop.substr(at + 1);
  std::string host = rest, port;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    host = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < rest.size()) port = rest.substr(close + 1);
  } else if (rest.find(':') != std::string::npos && rest.find(':') == rest.rfind(':')) {
    host = rest.substr(0, rest.find(':'));
    port = rest.substr(rest.find(':'));
  }
  if (user.empty() && port.empty()) return host;
  bool v6 = host.find(':') != std::string::npos;
  return "ssh://" + user + (v6 ? "[" + host + "]" : host) + port;
}

// `port` on `host` through the jump hosts: ssh -W forwards to it from the last hop; the
// channel's confirmation (seen in ssh's debug output) or a clean end means it accepted.
core::Status ThroughJump(const SshSettings& s, const Route& route, int port,
                         const std::string& where, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {s.program};
  if (!s.config_file.empty()) argv.insert(argv.end(), {"-F", s.config_file});
  if (!s.key_file.empty()) argv.insert(argv.end(), {"-i", s.key_file});
  std::vector<std::string> before(route.jumps.begin(), route.jumps.end() - 1);
  if (!before.empty()) argv.insert(argv.end(), {"-J", core::Join(before, ",")});
  argv.insert(argv.end(), {"-o", "BatchMode=yes", "-o",
                           fmt::format("ConnectTimeout={}", s.connect_timeout.count()), "-o",
                           "LogLevel=DEBUG2", "-W", fmt::format("{}:{}", route.host, port), "--",
                           Destination(route.jumps.back())});
  auto done = RunProcess(argv, {timeout, 256 * 1024, "open confirm"});
  std::vector<std::string> hops;
  for (const std::string& hop : route.jumps) hops.push_back(Destination(hop));
  std::string via = core::Join(hops, ",");
  if (!done.ok() && done.status().code() == core::Code::kDeadlineExceeded) {
    return Unreachable(
        fmt::format("{}: no answer within {}s through {}", where, timeout.count() / 1000.0, via));
  }
  RETURN_IF_ERROR(done.status());
  if (done->stopped || done->exit_status == 0) return core::Status::Ok();
  size_t failed = done->err.find("open failed: ");
  if (failed != std::string::npos) {
    std::string why = done->err.substr(failed + 13);
    why = why.substr(0, why.find('\n'));  // "connect failed: Connection refused"
    return Unreachable(fmt::format("{}: {} (through {})", where, why, via));
  }
  return Unreachable(
      fmt::format("{}: cannot reach the jump host {}: {}", where, via, Reason(done->err)));
}

}  // namespace

std::vector<std::string> SshArgv(const SshSettings& s, const SshTarget& host,
                                 const std::string& command) {
  std::vector<std::string> argv = InstanceArgv(s);
  auto option = [&](const std::string& kv) {
    argv.push_back("-o");
    argv.push_back(kv);
  };
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
  auto done = RunProcess(SshArgv(settings_, host, command), {timeout, max_output_, ""});
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

core::Status OpenSshRunner::PortOpen(const SshTarget& target, int port,
                                     std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(Route route, Resolve(settings_, target));
  // Port 22 is ssh's: the configuration's Port for the host says where it really listens.
  int real_port = port == 22 ? route.port : port;
  std::string where = fmt::format("port {} on {} ({})", port, target.name, target.address);
  if (!route.jumps.empty()) return ThroughJump(settings_, route, real_port, where, timeout);
  SocketProber sockets(timeout);
  core::Status open = sockets.Probe({ProbeSpec::Kind::kTcp, real_port, "", "", ""}, route.host);
  if (open.ok()) return open;
  return Unreachable(fmt::format("{}: {}", where, open.message()));
}

core::Result<CommandResult> OpenSshRunner::RunLocal(const std::string& command,
                                                    std::chrono::milliseconds timeout) {
  auto done = RunProcess({"/bin/sh", "-c", command}, {timeout, max_output_, ""});
  if (!done.ok() && done.status().code() == core::Code::kDeadlineExceeded) {
    return core::Status(
        core::Code::kDeadlineExceeded,
        fmt::format("`{}` did not finish within {}s", command, timeout.count() / 1000.0));
  }
  if (!done.ok()) return done.status();
  return CommandResult{done->exit_status, std::move(done->out), std::move(done->err),
                       done->truncated};
}

// One pipeline, `ssh FROM tar c | ssh TO tar x`, under bash's pipefail so that either side's
// failure is the pipeline's; which side failed is told from ssh's 255 and tar's messages.
core::Status OpenSshRunner::Copy(const SshTarget& from, const SshTarget& to,
                                 const std::vector<std::string>& paths,
                                 std::chrono::milliseconds timeout) {
  auto words = [](const std::vector<std::string>& argv) {
    std::vector<std::string> quoted;
    for (const std::string& a : argv) quoted.push_back(ShellWord(a));
    return core::Join(quoted, " ");
  };
  std::string pipeline = "set -o pipefail; " +
                         words(SshArgv(settings_, from, TarOutCommand(paths))) + " | " +
                         words(SshArgv(settings_, to, TarInCommand()));
  std::string what =
      fmt::format("copy {} from {} to {}", core::Join(paths, " "), from.name, to.name);
  auto done = RunProcess({"bash", "-c", pipeline}, {timeout, max_output_, ""});
  if (!done.ok() && done.status().code() == core::Code::kDeadlineExceeded) {
    return core::Status(core::Code::kDeadlineExceeded,
                        fmt::format("{}: not done within {}s", what, timeout.count() / 1000.0));
  }
  if (!done.ok()) return done.status();
  if (done->exit_status == 0) return core::Status::Ok();
  if (done->exit_status == 255) {  // pipefail cannot say which ssh it was: both are named
    return SshFailure(SshTarget{from.name + " or " + to.name, from.address + ", " + to.address},
                      done->err);
  }
  return core::Status(core::Code::kFailedPrecondition,
                      fmt::format("{}: {}", what, core::Trim(done->err)));
}

core::Status OpenSshRunner::TrustHostKeys(const std::vector<std::string>& addresses,
                                          const std::vector<std::string>& keys) {
  if (settings_.known_hosts.empty() || keys.empty()) return core::Status::Ok();
  return PinHostKeys(settings_.known_hosts, addresses, keys);
}

}  // namespace rotor::remote
