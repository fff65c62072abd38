#include "ops/retention.h"

#include <algorithm>

namespace rotor::ops {

std::vector<std::string> ToPrune(std::vector<Kept> backups, const RetentionRule& rule,
                                 core::Time now) {
  std::vector<std::string> out;
  if (!rule.any()) return out;
  std::erase_if(backups, [](const Kept& k) { return k.state != "completed"; });
  // Newest first, so that the first `keep` are the ones kept by count.
  std::stable_sort(backups.begin(), backups.end(),
                   [](const Kept& a, const Kept& b) { return a.created > b.created; });
  for (size_t i = 0; i < backups.size(); ++i) {
    bool beyond_count = !rule.keep || static_cast<int>(i) >= *rule.keep;
    bool too_old = !rule.max_age || now - backups[i].created > *rule.max_age;
    if (beyond_count && too_old) out.push_back(backups[i].id);
  }
  std::reverse(out.begin(), out.end());  // oldest first
  return out;
}

}  // namespace rotor::ops
