// The pause between looks while a step waits on AWS or a host.
#include "ops/host_steps.h"

#include <gtest/gtest.h>

namespace rotor::ops {
namespace {

using namespace std::chrono_literals;

// Each row: when a wait that ends after `ends` sees it, and how many looks that took, against
// a steady 5 s poll.
TEST(Backoff, EverySecondForFiveSecondsThenEveryFive) {
  struct Row {
    const char* name;
    core::Duration ends;
    core::Duration seen;
    int looks;  // after the first, which happens at once
    core::Duration seen_every_5s;
  };
  const Row rows[] = {
      {"an attachment of 2 s", 2s, 2s, 2, 5s},
      {"an attachment of 4.5 s", 4500ms, 5s, 5, 5s},
      {"a detach of 10 s", 10s, 10s, 6, 10s},
      {"an instance state of 12 s", 12s, 15s, 7, 15s},
      {"Route 53 in sync after 31 s", 31s, 35s, 11, 35s},
  };
  for (const Row& r : rows) {
    Backoff wait;
    core::Duration t{};
    int looks = 0;
    while (t < r.ends) {
      t += wait.Next();
      ++looks;
    }
    EXPECT_EQ(t, r.seen) << r.name;
    EXPECT_EQ(looks, r.looks) << r.name;
    EXPECT_LE(t, r.seen_every_5s) << r.name << ": never later than a steady 5 s";
  }
}

}  // namespace
}  // namespace rotor::ops
