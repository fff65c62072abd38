// remote::Runner on the simulated cloud: a command "runs" for the time the scenario says
// (sleeping on the simulation's virtual clock) and answers with its exit status and output; a
// port is open when the simulation says a connection would be accepted (DESIGN.md section 6).
#pragma once

#include <chrono>
#include <string>

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
  core::Result<remote::CommandResult> Run(const remote::SshTarget& host, const std::string& command,
                                          std::chrono::milliseconds timeout) override;
  // Ok when the simulation accepts a connection to `port` now; kUnavailable with its reason.
  // Takes no virtual time.
  core::Status PortOpen(const remote::SshTarget& host, int port,
                        std::chrono::milliseconds timeout) override;

 private:
  sim::SimCloud& sim_;
};

}  // namespace rotor::cli
