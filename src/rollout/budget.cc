#include "rollout/budget.h"

#include <fmt/format.h>

#include <algorithm>

namespace rotor::rollout {

int PercentOf(const Amount& a, int of, bool round_up) {
  if (!a.percent) return a.value;
  long long scaled = static_cast<long long>(a.value) * of;
  return static_cast<int>(round_up ? (scaled + 99) / 100 : scaled / 100);
}

// Worked numbers (desired 10): surge 25% -> 3 (2.5 up), unavailable 25% -> 2 (2.5 down).
// Desired 3 with 25% / 25%: surge 1 (0.75 up), unavailable 0 (0.75 down). Both 10% of 3:
// surge 1, unavailable 0. Explicit 0 / 0 with replace: refused — nothing could ever move.
core::Result<Budget> ComputeBudget(const Policy& p, int desired) {
  Amount surge_default{
      p.strategy == Strategy::kSurge ? 1 : (p.strategy == Strategy::kDouble ? 100 : 0),
      p.strategy == Strategy::kDouble};
  Amount unavailable_default{p.strategy == Strategy::kReplace ? 1 : 0, false};
  Amount surge = p.max_surge.value_or(surge_default);
  Amount unavailable = p.max_unavailable.value_or(unavailable_default);
  if (surge.value < 0 || unavailable.value < 0) {
    return core::InvalidArgument("--max-surge and --max-unavailable cannot be negative");
  }
  if (p.strategy == Strategy::kReplace && p.max_surge && p.max_unavailable && surge.value == 0 &&
      unavailable.value == 0) {
    return core::InvalidArgument(
        "--strategy replace with --max-surge 0 and --max-unavailable 0 can never take an instance "
        "out: allow --max-unavailable 1 (or more)");
  }
  Budget b;
  b.max_surge = PercentOf(surge, desired, /*round_up=*/true);
  b.max_unavailable = PercentOf(unavailable, desired, /*round_up=*/false);
  if (p.strategy == Strategy::kReplace) b.max_surge = 0;  // replace never grows the group
  if (b.max_surge == 0 && b.max_unavailable == 0) b.max_unavailable = 1;
  b.min_healthy = std::max(0, desired - b.max_unavailable);
  if (p.min_healthy) {
    int wanted = PercentOf(*p.min_healthy, desired, /*round_up=*/true);
    if (wanted > desired) {
      return core::InvalidArgument(fmt::format(
          "--min-healthy {} is above the group's desired capacity {}: nothing could ever be "
          "replaced",
          p.min_healthy->ToString(), desired));
    }
    b.min_healthy = wanted;
    if (p.strategy == Strategy::kReplace) b.max_unavailable = std::max(1, desired - wanted);
  }
  if (p.strategy == Strategy::kReplace && b.min_healthy >= desired && desired > 0) {
    return core::InvalidArgument(fmt::format(
        "--strategy replace takes instances out before replacing them, but --min-healthy {} "
        "leaves no room in a group of {}: lower --min-healthy or use --strategy surge",
        b.min_healthy, desired));
  }
  return b;
}

}  // namespace rotor::rollout
