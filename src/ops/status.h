// `rotor status`: groups, members, health and drift. Reads only.
#pragma once

#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "ops/targets.h"

namespace rotor::ops {

struct MemberStatus {
  cloud::Instance instance;
  bool out_of_date = false;
  bool in_service_everywhere = false;  // running, InService, ready in every load balancer
};

struct GroupStatus {
  cloud::Group group;  // instances moved into `members`
  std::vector<MemberStatus> members;
  int out_of_date = 0;
  int ready = 0;
};

struct StatusReport {
  std::string stack;  // empty when selected by --asg / --limit
  std::vector<GroupStatus> groups;
};

core::Result<StatusReport> BuildStatus(cloud::Cloud& cloud, const TargetSelector& selector);

}  // namespace rotor::ops
