// Budget arithmetic: how many instances may be added above, and taken below, the group's
// desired capacity at once. Pure; Kubernetes rounding (surge up, unavailable down).
#pragma once

#include "rollout/policy.h"

namespace rotor::rollout {

struct Budget {
  int max_surge = 0;        // instances above desired at once
  int max_unavailable = 0;  // ready instances below desired at once
  int min_healthy = 0;      // ready instances never below this (I1)
  bool operator==(const Budget&) const = default;
};

// For a group of `desired` instances. kInvalidArgument for a policy that cannot make progress
// (replace with max-surge 0 and max-unavailable 0), a min-healthy above the group's size, or
// negative amounts.
core::Result<Budget> ComputeBudget(const Policy& policy, int desired);

// n% of `of`, rounded up or down.
int PercentOf(const Amount& a, int of, bool round_up);

}  // namespace rotor::rollout
