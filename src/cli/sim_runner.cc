#include "cli/sim_runner.h"

#include <fmt/format.h>

#include "remote/disks.h"

namespace rotor::cli {
namespace {

// mount(8) and umount(8) exit 32 when the mount or unmount failed.
constexpr int kMountFailure = 32;

remote::CommandResult Output(const std::string& out) { return {0, out, "", false}; }

// What the host's answer to a disk change is: Ok, or the tool's failure (its message on
// stderr); an error when the host stopped answering.
core::Result<remote::CommandResult> Answer(const core::Status& s, const std::string& name) {
  if (s.ok()) return Output("");
  if (s.code() != core::Code::kFailedPrecondition) {
    return core::Status(core::Code::kUnavailable, fmt::format("ssh {}: {}", name, s.message()));
  }
  return remote::CommandResult{kMountFailure, "", s.message() + "\n", false};
}

}  // namespace

// Acts out a disk command of remote/disks.h on the simulated host: list, unmount, mount.
core::Result<remote::CommandResult> SimRunner::ActOut(const remote::SshTarget& host,
                                                      const remote::DiskCommand& disk,
                                                      const std::string& name) {
  using Kind = remote::DiskCommand::Kind;
  if (disk.kind == Kind::kList) {
    auto disks = sim_.HostDisks(host.address);
    if (!disks.ok()) return Answer(disks.status(), name);
    std::vector<remote::Disk> listed;
    for (const sim::HostDisk& d : *disks) {
      listed.push_back(
          remote::Disk{d.name, d.parent, d.serial, d.mountpoint, d.type, d.fstype, d.size_bytes});
    }
    return Output(remote::FormatDisks(listed));
  }
  if (disk.kind == Kind::kGrowPart || disk.kind == Kind::kCheckFs || disk.kind == Kind::kGrowFs) {
    core::Result<sim::DiskAnswer> a =
        disk.kind == Kind::kGrowPart ? sim_.GrowPart(host.address, disk.device, disk.partition)
        : disk.kind == Kind::kCheckFs
            ? sim_.CheckFs(host.address, disk.device)
            : sim_.GrowFs(host.address, disk.device,
                          disk.mountpoints.empty() ? "" : disk.mountpoints.front());
    if (!a.ok()) return Answer(a.status(), name);
    return remote::CommandResult{a->exit_status, a->output, a->error, false};
  }
  if (disk.kind == Kind::kMount) {
    return Answer(sim_.Mount(host.address, disk.device, disk.mountpoints.front()), name);
  }
  for (const std::string& m : disk.mountpoints) {  // umount A && umount B: the first failure ends
    core::Status s = sim_.Unmount(host.address, m);
    if (!s.ok()) return Answer(s, name);
  }
  return Output("");
}

core::Result<remote::CommandResult> SimRunner::Run(const remote::SshTarget& host,
                                                   const std::string& command,
                                                   std::chrono::milliseconds timeout) {
  // A crashed rotor runs nothing more: what it left half done is the resume's to finish.
  if (sim_.crashed()) return core::Status(core::Code::kAborted, "rotor crashed (simulated)");
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
  remote::DiskCommand disk = remote::ParseDiskCommand(command);
  if (disk.kind == remote::DiskCommand::Kind::kOther || answer.exit_status != 0) {
    return remote::CommandResult{answer.exit_status, answer.output, "", false};
  }
  return ActOut(host, disk, name);
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
                                                        std::chrono::milliseconds timeout) {
  sim::RemoteAnswer answer = sim_.LocalCommand(command);
  if (answer.duration > timeout) {
    sim_.clock().SleepFor(timeout);
    return core::Status(
        core::Code::kDeadlineExceeded,
        fmt::format("`{}` did not finish within {}s", command, timeout.count() / 1000.0));
  }
  sim_.clock().SleepFor(answer.duration);
  return remote::CommandResult{answer.exit_status, answer.output, "", false};
}

core::Status SimRunner::Copy(const remote::SshTarget& from, const remote::SshTarget& to,
                             const std::vector<std::string>&, std::chrono::milliseconds) {
  for (const remote::SshTarget* host : {&from, &to}) {
    core::Status s = sim_.PortAnswers(host->address, 22);
    std::string name = host->name.empty() ? host->address : host->name;
    if (!s.ok()) {
      return core::Status(core::Code::kUnavailable, fmt::format("ssh {}: {}", name, s.message()));
    }
  }
  return core::Status::Ok();
}

}  // namespace rotor::cli
