// remote::Runner on the simulated cloud: a command "runs" for the time the scenario says
// (sleeping on the simulation's virtual clock) and answers with its exit status and output; a
// port is open when the simulation says a connection would be accepted (DESIGN.md section 6).
// The disk commands of remote/disks.h are acted out on the host's simulated disks.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "remote/disks.h"
#include "remote/ssh.h"
#include "sim/sim_cloud.h"

namespace rotor::cli {

class SimRunner final : public remote::Runner {
 public:
  // REQUIRES: `sim` outlives the runner.
  explicit SimRunner(sim::SimCloud& sim) : sim_(sim) {}

  // kUnavailable when the host does not answer on port 22 (stopped, sshd not up yet, a
  // port_closed fault, no instance has the address), at once; kDeadlineExceeded after `timeout`
  // when the command would run longer; else the exit status and output after its duration.
  // A command remote::ParseDiskCommand recognises, when the scenario lets it succeed, is then
  // acted out: a listing answers lsblk's output for the host (SimCloud::HostDisks); an unmount
  // unmounts each mount point in turn, exit 32 and "umount: X: not mounted." on stderr at the
  // first that is not; a mount mounts the disk there, exit 32 and mount's message if it cannot.
  core::Result<remote::CommandResult> Run(const remote::SshTarget& host, const std::string& command,
                                          std::chrono::milliseconds timeout) override;
  // Ok when the simulation accepts a connection to `port` now; kUnavailable with its reason.
  // Takes no virtual time.
  core::Status PortOpen(const remote::SshTarget& host, int port,
                        std::chrono::milliseconds timeout) override;
  // Remembers the keys per address (no file: a rehearsal leaves the user's machine alone).
  core::Status TrustHostKeys(const std::vector<std::string>& addresses,
                             const std::vector<std::string>& keys) override;
  // A rehearsal never runs a command on this machine: it answers as the scenario says
  // (SimCloud::LocalCommand), taking its time on the simulated clock.
  core::Result<remote::CommandResult> RunLocal(const std::string& command,
                                               std::chrono::milliseconds timeout) override;
  // Ok at once when both hosts answer on port 22 (as Run's kUnavailable otherwise).
  core::Status Copy(const remote::SshTarget& from, const remote::SshTarget& to,
                    const std::vector<std::string>& paths,
                    std::chrono::milliseconds timeout) override;

  // The keys pinned so far, by address.
  const std::map<std::string, std::vector<std::string>>& pinned() const { return pinned_; }

 private:
  core::Result<remote::CommandResult> ActOut(const remote::SshTarget& host,
                                             const remote::DiskCommand& disk,
                                             const std::string& name);

  sim::SimCloud& sim_;
  std::map<std::string, std::vector<std::string>> pinned_;
};

}  // namespace rotor::cli
