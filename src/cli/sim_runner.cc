#include "cli/sim_runner.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rotor::cli {

core::Result<remote::CommandResult> SimRunner::Run(const remote::SshTarget& host,
                                                   const std::string& command,
                                                   std::chrono::milliseconds timeout) {
  sim::RemoteAnswer answer = sim_.HostCommand(host.address, command);
  std::string name = host.name.empty() ? host.address : host.name;
  if (!answer.reachable) {
    return core::Status(core::Code::kUnavailable, fmt::format("ssh {}: {}", name, answer.why));
  }
  if (answer.duration > timeout) {
    sim_.clock().SleepFor(timeout);
    return core::Status(core::Code::kDeadlineExceeded,
                        fmt::format("ssh {}: '{}' still running after {} ms; killed", name, command,
                                    timeout.count()));
  }
  sim_.clock().SleepFor(answer.duration);
  return remote::CommandResult{answer.exit_status, answer.output, "", false};
}

core::Status SimRunner::PortOpen(const remote::SshTarget& host, int port,
                                 std::chrono::milliseconds) {
  core::Status s = sim_.PortAnswers(host.address, port);
  if (s.ok()) return s;
  std::string name = host.name.empty() ? host.address : host.name;
  return core::Status(core::Code::kUnavailable, fmt::format("{}: {}", name, s.message()));
}

core::Status SimRunner::TrustHostKeys(const std::vector<std::string>& addresses,
                                      const std::vector<std::string>& keys) {
  if (keys.empty()) return core::Status::Ok();
  for (const std::string& a : addresses) pinned_[a] = keys;
  return core::Status::Ok();
}

core::Result<remote::CommandResult> SimRunner::RunLocal(const std::string& command,
                                                        std::chrono::milliseconds) {
  local_.push_back(command);
  return remote::CommandResult{0, "", "", false};
}

core::Status SimRunner::Copy(const remote::SshTarget& from, const remote::SshTarget& to,
                             const std::vector<std::string>& paths, std::chrono::milliseconds) {
  for (const remote::SshTarget* host : {&from, &to}) {
    core::Status s = sim_.PortAnswers(host->address, 22);
    std::string name = host->name.empty() ? host->address : host->name;
    if (!s.ok()) {
      return core::Status(core::Code::kUnavailable, fmt::format("ssh {}: {}", name, s.message()));
    }
  }
  copies_.push_back(fmt::format("{} -> {}: {}", from.address, to.address, core::Join(paths, " ")));
  return core::Status::Ok();
}

}  // namespace rotor::cli
