#include "ops/targets.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace rotor::ops {

core::Status TargetSelector::Validate() const {
  int n = !stack.empty() + !asg.empty() + !limit.empty();
  if (n != 1) {
    return core::InvalidArgument(
        "name the groups with exactly one of: STACK [VERSION], --asg NAME, --limit PREFIX");
  }
  if (!version.empty() && stack.empty()) {
    return core::InvalidArgument("VERSION needs a STACK before it");
  }
  return core::Status::Ok();
}

std::string TargetSelector::StackName() const {
  if (stack.empty()) return "";
  return version.empty() ? stack : stack + "-" + version;
}

core::Result<Targets> ResolveTargets(cloud::Cloud& cloud, const TargetSelector& selector) {
  RETURN_IF_ERROR(selector.Validate());
  Targets out;
  if (!selector.stack.empty()) {
    out.stack = selector.StackName();
    ASSIGN_OR_RETURN(cloud::Stack stack, cloud.stacks.DescribeStack(out.stack));
    out.groups = stack.group_names;
    return out;
  }
  if (!selector.asg.empty()) {
    out.groups = {selector.asg};
    return out;
  }
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud.groups.ListGroups({}));
  std::vector<std::string> matches;
  for (const cloud::Group& g : groups) {
    if (core::StartsWith(g.name, selector.limit)) matches.push_back(g.name);
  }
  std::sort(matches.begin(), matches.end());
  if (matches.empty()) {
    return core::NotFound(fmt::format(
        "no auto scaling group name starts with '{}' in this region; check the prefix, or "
        "use --asg NAME or STACK [VERSION]",
        selector.limit));
  }
  if (matches.size() > 1) {
    return core::Status(core::Code::kAmbiguous,
                        fmt::format("--limit '{}' matches {} groups: {}; give a longer prefix or "
                                    "--asg NAME",
                                    selector.limit, matches.size(), core::Join(matches, ", ")));
  }
  out.groups = matches;
  return out;
}

}  // namespace rotor::ops
