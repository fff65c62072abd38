// Which groups a command acts on: STACK [VERSION], --asg NAME or --limit PREFIX.
#pragma once

#include <string>
#include <vector>

#include "cloud/cloud.h"

namespace rotor::ops {

struct TargetSelector {
  std::string stack;    // STACK
  std::string version;  // VERSION: the stack is STACK-VERSION (senza's convention)
  std::string asg;      // --asg NAME
  std::string limit;    // --limit PREFIX: must match exactly one group

  // kInvalidArgument unless exactly one of stack, asg, limit is set.
  core::Status Validate() const;
  std::string StackName() const;  // "" when no stack is selected
};

struct Targets {
  std::string stack;  // set when selected by stack
  std::vector<std::string> groups;
};

// kNotFound for an unknown stack or group, kAmbiguous (listing the matches) when --limit
// matches several groups.
core::Result<Targets> ResolveTargets(cloud::Cloud& cloud, const TargetSelector& selector);

}  // namespace rotor::ops
