// The retention rule with worked numbers: five completed nightly backups of one volume (1 to
// 5 days old), a pending one made tonight and one in error.
#include "ops/retention.h"

#include <gtest/gtest.h>

namespace rotor::ops {
namespace {

using namespace std::chrono_literals;
using Days = std::chrono::days;
const core::Time kNow = core::Time(std::chrono::hours(24 * 365 * 56));

std::vector<Kept> Nightly() {
  std::vector<Kept> out;
  for (int d = 5; d >= 1; --d) {
    out.push_back({"snap-" + std::to_string(d) + "d", kNow - Days(d) - 1h, "completed"});
  }
  out.push_back({"snap-error", kNow - Days(9), "error"});
  out.push_back({"snap-tonight", kNow - 10min, "pending"});
  return out;
}

TEST(ToPrune, DeletesOnlyCompletedBackupsBeyondTheRule) {
  struct Row {
    const char* name;
    RetentionRule rule;
    std::vector<std::string> pruned;
  };
  const Row rows[] = {
      {"no rule: nothing", {}, {}},
      {"keep 3: the two oldest of five completed (tonight's pending one does not count)",
       {3, std::nullopt},
       {"snap-5d", "snap-4d"}},
      {"keep 10: fewer than that, nothing", {10, std::nullopt}, {}},
      {"retention 3d: older than 3 days (3d+1h, 4d+1h, 5d+1h)",
       {std::nullopt, Days(3)},
       {"snap-5d", "snap-4d", "snap-3d"}},
      {"keep 4 and 3d: beyond 4 AND older than 3 days", {4, Days(3)}, {"snap-5d"}},
      {"keep 1 and 2d: beyond the newest AND older than 2 days",
       {1, Days(2)},
       {"snap-5d", "snap-4d", "snap-3d", "snap-2d"}},
      {"keep 1 and 30d: nothing is that old", {1, Days(30)}, {}},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(ToPrune(Nightly(), r.rule, kNow), r.pruned) << r.name;
  }
}

TEST(ToPrune, NeverDeletesTheOnlyCompletedBackupByCount) {
  std::vector<Kept> one = {{"snap-a", kNow - Days(400), "completed"},
                           {"snap-b", kNow - 1min, "pending"}};
  EXPECT_TRUE(ToPrune(one, {1, std::nullopt}, kNow).empty());
  // by age alone it goes: the operator asked for nothing older than 7 days
  EXPECT_EQ(ToPrune(one, {std::nullopt, Days(7)}, kNow), std::vector<std::string>{"snap-a"});
}

}  // namespace
}  // namespace rotor::ops
