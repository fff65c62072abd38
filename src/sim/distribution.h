// Durations drawn from a fixed value, a uniform range or a log-normal (median, p99).
#pragma once

#include "core/clock.h"
#include "core/rng.h"

namespace rotor::sim {

struct Distribution {
  enum class Kind { kFixed, kUniform, kLogNormal };
  Kind kind = Kind::kFixed;
  core::Duration a{0};  // fixed value, uniform low, or log-normal median
  core::Duration b{0};  // uniform high, or log-normal p99

  static Distribution Fixed(core::Duration d) { return {Kind::kFixed, d, d}; }
  // Draws one value; uses `rng` only for random kinds (so fixed timings consume no randomness).
  core::Duration Sample(core::Rng& rng) const;
};

}  // namespace rotor::sim
