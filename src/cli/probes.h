// The --probe flags wired to a prober: real sockets on AWS, the simulated application in a
// simulation (DESIGN.md section 3, custom probes).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/runtime.h"
#include "cloud/model.h"
#include "remote/probe.h"
#include "sim/sim_cloud.h"

namespace rotor::cli {

class ProbeSet {
 public:
  // `texts`: tcp:PORT / http://:PORT/PATH / ssh:COMMAND; `address`: "private" or "public" (an
  // ssh probe goes to the --ssh-address instead), ssh probes through rt.Remote() (which must
  // outlive the set). kInvalidArgument naming a bad probe, address kind or --ssh-* flag.
  static core::Result<std::unique_ptr<ProbeSet>> Create(const std::vector<std::string>& texts,
                                                        const std::string& address, Runtime& rt);

  // Every probe against the instance's chosen address (the other one when it has none).
  core::Status Check(const cloud::Instance& instance);

 private:
  ProbeSet() = default;

  void PinKeys(const cloud::Instance& i, const std::string& address);

  std::vector<remote::ProbeSpec> specs_;
  bool ssh_ipv6_ = false;                  // --ssh-address ipv6
  remote::Runner* runner_ptr_ = nullptr;   // the runtime's, for ssh probes
  cloud::Instances* instances_ = nullptr;  // for the console's host keys
  std::set<std::string> keyed_;            // instances whose keys were looked for
  bool public_ = false;                    // --probe-address public
  bool ssh_public_ = false;                // --ssh-address public
  std::unique_ptr<remote::Prober> sockets_;
  std::unique_ptr<remote::Prober> prober_;
};

}  // namespace rotor::cli
