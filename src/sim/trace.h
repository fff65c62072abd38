// One line of a simulation's trace: what happened in the simulated world, and when.
#pragma once

#include <string>

#include "core/clock.h"

namespace rotor::sim {

struct TraceEvent {
  core::Time t;
  std::string kind;    // launch, running, terminate, terminated, detach, deregister, ...
  std::string detail;  // instance, group, API operation
};

}  // namespace rotor::sim
