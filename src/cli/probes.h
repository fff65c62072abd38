// The --probe flags wired to a prober: real sockets on AWS, the simulated application in a
// simulation (DESIGN.md section 3, custom probes).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "remote/probe.h"
#include "sim/sim_cloud.h"

namespace rotor::cli {

class ProbeSet {
 public:
  // `texts`: tcp:PORT / http://:PORT/PATH; `address`: "private" or "public". `sim` may be null
  // (AWS). kInvalidArgument naming a bad probe or address kind.
  static core::Result<std::unique_ptr<ProbeSet>> Create(const std::vector<std::string>& texts,
                                                        const std::string& address,
                                                        sim::SimCloud* sim);

  // Every probe against the instance's chosen address (the other one when it has none).
  core::Status Check(const cloud::Instance& instance);

 private:
  ProbeSet(std::vector<remote::ProbeSpec> specs, bool public_address,
           std::unique_ptr<remote::Prober> prober)
      : specs_(std::move(specs)), public_(public_address), prober_(std::move(prober)) {}

  std::vector<remote::ProbeSpec> specs_;
  bool public_;
  std::unique_ptr<remote::Prober> prober_;
};

}  // namespace rotor::cli
