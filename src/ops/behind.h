// `rotor upgrade --all-behind --image-filter GLOB`: the stacks whose members run an image of a
// family older than the family's newest (what `rotor images` shows as behind), so that every
// one of them can be upgraded to it. Reads only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"

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

}  // namespace rotor::ops
