// Pre-flight (DESIGN.md section 3): what must hold before a rollout changes anything. The
// checks that need more than the group's own observation live here; the ones on the
// observation alone (processes suspended by others, --max-size-cap) are in rollout::Begin.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "rollout/policy.h"

namespace rotor::ops {

// What one group's rollout needs from its surroundings.
struct PreflightNeed {
  const cloud::Group* group = nullptr;
  int extra_instances = 0;  // launched above the original desired at the peak
};

// kBlocked with the reason and what to do when:
// - CloudFormation is working on a group's stack (or on `selected_stack`);
// - an Instance Refresh is not finished on a group;
// - a load balancer is not enabled in every zone of its group, or a target group is attached to
//   no load balancer (new instances there would never turn healthy);
// - a launching lifecycle hook may hold new instances at least as long as --health-timeout;
// - the account's on-demand vCPU quota leaves no room for the surge (`parallel` groups at once).
// - custom probes fail on every ready member of a group (rotor could never count a new one).
// What could not be checked is appended to `unchecked`, to be shown with the plan.
struct PreflightOptions {
  std::string selected_stack;
  int parallel = 1;
  std::function<core::Status(const cloud::Instance&)> probe;  // may be empty
};
core::Status Preflight(cloud::Cloud& cloud, const std::vector<PreflightNeed>& needs,
                       const rollout::Policy& policy, const PreflightOptions& options,
                       std::vector<std::string>& unchecked);

}  // namespace rotor::ops
