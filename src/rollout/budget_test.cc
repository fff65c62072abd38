#include "rollout/budget.h"

#include <gtest/gtest.h>

namespace rotor::rollout {
namespace {

Amount A(const char* text) { return *Amount::Parse(text, "--x"); }

TEST(Budget, Table) {
  struct Row {
    const char* name;
    Strategy strategy;
    std::optional<Amount> surge, unavailable, min_healthy;
    int desired;
    int want_surge, want_unavailable, want_min_healthy;
  };
  const Row rows[] = {
      {"surge default", Strategy::kSurge, {}, {}, {}, 6, 1, 0, 6},
      {"surge 25% of 10 rounds up", Strategy::kSurge, A("25%"), {}, {}, 10, 3, 0, 10},
      {"unavailable 25% of 10 rounds down", Strategy::kSurge, A("1"), A("25%"), {}, 10, 1, 2, 8},
      {"both percentages round to zero: unavailable 1",
       Strategy::kSurge,
       A("0%"),
       A("10%"),
       {},
       3,
       0,
       1,
       2},
      {"replace default", Strategy::kReplace, {}, {}, {}, 3, 0, 1, 2},
      {"replace with quorum min-healthy", Strategy::kReplace, {}, {}, A("2"), 3, 0, 1, 2},
      {"replace min-healthy 50% of 5 rounds up", Strategy::kReplace, {}, {}, A("50%"), 5, 0, 2, 3},
      {"double default", Strategy::kDouble, {}, {}, {}, 8, 8, 0, 8},
      {"surge with explicit min-healthy", Strategy::kSurge, A("2"), {}, A("4"), 6, 2, 0, 4},
      {"empty group", Strategy::kSurge, {}, {}, {}, 0, 1, 0, 0},
  };
  for (const Row& r : rows) {
    Policy p;
    p.strategy = r.strategy;
    p.max_surge = r.surge;
    p.max_unavailable = r.unavailable;
    p.min_healthy = r.min_healthy;
    auto b = ComputeBudget(p, r.desired);
    ASSERT_TRUE(b.ok()) << r.name << ": " << b.status().message();
    EXPECT_EQ(b->max_surge, r.want_surge) << r.name;
    EXPECT_EQ(b->max_unavailable, r.want_unavailable) << r.name;
    EXPECT_EQ(b->min_healthy, r.want_min_healthy) << r.name;
  }
}

TEST(Budget, Refusals) {
  struct Row {
    const char* name;
    Policy policy;
    int desired;
    const char* fragment;
  };
  Policy replace_zero;
  replace_zero.strategy = Strategy::kReplace;
  replace_zero.max_surge = A("0");
  replace_zero.max_unavailable = A("0");
  Policy too_healthy;
  too_healthy.min_healthy = A("5");
  Policy replace_full;
  replace_full.strategy = Strategy::kReplace;
  replace_full.min_healthy = A("100%");
  const Row rows[] = {
      {"replace 0/0 cannot move", replace_zero, 3, "can never take an instance out"},
      {"min-healthy above the group", too_healthy, 3, "above the group's desired capacity 3"},
      {"replace at 100% healthy", replace_full, 3, "leaves no room"},
  };
  for (const Row& r : rows) {
    auto b = ComputeBudget(r.policy, r.desired);
    ASSERT_FALSE(b.ok()) << r.name;
    EXPECT_EQ(b.status().code(), core::Code::kInvalidArgument) << r.name;
    EXPECT_NE(b.status().message().find(r.fragment), std::string::npos) << b.status().message();
  }
}

TEST(Amount, Parse) {
  EXPECT_EQ(A("3").value, 3);
  EXPECT_TRUE(A("25%").percent);
  for (const char* bad : {"", "%", "-1", "x", "101%", "2.5"}) {
    EXPECT_FALSE(Amount::Parse(bad, "--max-surge").ok()) << bad;
  }
}

}  // namespace
}  // namespace rotor::rollout
