// `rotor upgrade --all-behind --image-filter GLOB`: the stacks whose members run an image of a
// family older than the family's newest (what `rotor images` shows as behind), so that every
// one of them can be upgraded to it. Reads only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "ops/upgrade.h"

namespace rotor::ops {

struct BehindStack {
  std::string stack;
  int instances = 0;
  std::optional<int> days_behind;  // the newest's creation − the oldest image run
};

struct Behind {
  cloud::Image newest;              // of the family
  std::vector<BehindStack> stacks;  // by name
  // Stacks left alone, a line each with why: they run an image outside the family (upgrading
  // them to it would change what they are), or one whose name is unknown.
  std::vector<std::string> left;
};

// kNotFound when no available image matches `image_filter` (for `owners`; empty: "self").
core::Result<Behind> FindBehind(cloud::Cloud& cloud, const std::string& image_filter,
                                const std::vector<std::string>& owners, core::Time now);

// One stack's part of `upgrade --all-behind`: its own upgrade operation.
struct StackUpgrade {
  std::string stack;
  std::optional<int> days_behind;
  std::vector<std::string> groups;
  UpgradePlan plan;
  std::vector<std::string> roll;  // DescribeRoll's lines
};

struct AllBehindRequest {
  std::string image_filter;  // the family, a name glob
  std::string owner;         // empty: each current image's owner
};

struct AllBehindPlan {
  Behind behind;
  std::vector<StackUpgrade> stacks;
  std::vector<std::string> current;  // stacks behind the family's newest, but already on the
                                     // newest image that fits them (its architecture)
  std::string glob;                  // the family
};

// Every stack behind, each patched to the newest image of the family that fits its groups (an
// arm64 image is newest for arm64 groups only), under the operation id `id_for(stack)` gives.
core::Result<AllBehindPlan> PlanAllBehind(
    cloud::Cloud& cloud, const AllBehindRequest& request, const rollout::Policy& policy,
    core::Time now, const std::function<std::string(const std::string& stack)>& id_for);

}  // namespace rotor::ops
