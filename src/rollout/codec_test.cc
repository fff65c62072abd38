// What the journal keeps survives a round trip exactly; damaged records are refused.
#include "rollout/codec.h"

#include <gtest/gtest.h>

#include "core/strings.h"

namespace rotor::rollout {
namespace {

using namespace std::chrono_literals;
const core::Time kT = *core::ParseIso8601("2026-11-22T10:00:00Z");

TEST(Codec, StateRoundTrip) {
  RolloutState s;
  s.group = "web";
  s.phase = Phase::kRollingBack;
  s.outcome = Outcome::kNone;
  s.reason = "2 new instances failed";
  s.original = {2, 6, 4, {"AZRebalance"}, {}};
  s.original.old_spec.kind = cloud::LaunchSpec::Kind::kTemplate;
  s.original.old_spec.template_id = "lt-1";
  s.original.old_spec.version = "3";
  s.budget = {1, 0, 4};
  s.drain = 30s;
  s.surge = 1;
  s.victims = {"i-2", "i-1"};
  s.initial = {"i-1", "i-2"};
  s.removed = {"i-2"};
  s.chosen = {"i-2"};
  s.decrements = 1;
  s.draining = {{"i-2", kT + 30s}};
  s.deregistered = {"i-9"};
  s.suspended_by_us = {"ScheduledActions"};
  s.seen = {{"i-3", kT}};
  s.ready_since = {{"i-3", kT + 61s}};
  s.expected_launches = {kT + 5s};
  s.boot_samples = {61s};
  s.failed = {"i-4"};
  s.failed_launches = 1;
  s.canary_left = -1;
  s.bake_until = kT + 10min;
  s.started = kT - 1h;
  s.rollback_started = kT;
  std::string text = StateToJson(s);
  auto back = StateFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(StateToJson(*back), text);
  EXPECT_EQ(back->draining.at("i-2"), kT + 30s);
  EXPECT_EQ(back->victims, s.victims);  // order kept
  EXPECT_EQ(back->original.old_spec.template_id, "lt-1");
  EXPECT_EQ(back->bake_until, kT + 10min);
  EXPECT_FALSE(back->deadline.has_value());
}

TEST(Codec, PolicyAndStepRoundTrip) {
  Policy p;
  p.strategy = Strategy::kReplace;
  p.max_unavailable = Amount{25, true};
  p.min_healthy = Amount{3, false};
  p.drain = 0s;
  p.canary = 2;
  p.bake = 5min;
  p.on_failure = OnFailure::kPause;
  auto q = PolicyFromJson(PolicyToJson(p));
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(PolicyToJson(*q), PolicyToJson(p));
  EXPECT_EQ(q->strategy, Strategy::kReplace);
  EXPECT_EQ(q->drain, 0s);
  EXPECT_FALSE(q->max_surge.has_value());

  Step st;
  st.kind = Step::Kind::kDetach;
  st.ids = {"i-1", "i-2"};
  st.decrement = true;
  st.sizes.desired = 5;
  auto back = StepFromJson(StepToJson(st));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kind, Step::Kind::kDetach);
  EXPECT_EQ(back->ids, st.ids);
  EXPECT_TRUE(back->decrement);
  EXPECT_EQ(back->sizes.desired, 5);
  EXPECT_FALSE(back->sizes.min.has_value());
}

TEST(Codec, DamagedRecordsAreRefused) {
  for (const char* text :
       {"", "not json", "[1,2]", R"({"original": 5})", R"({"original": {}, "victims": "i-1"})"}) {
    auto s = StateFromJson(text);
    EXPECT_FALSE(s.ok()) << text;
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), core::Code::kInvalidArgument) << text;
    }
  }
  EXPECT_FALSE(PolicyFromJson(R"({"strategy": "sideways"})").ok());
  EXPECT_FALSE(StepFromJson(R"({"ids": 7})").ok());
}

}  // namespace
}  // namespace rotor::rollout

namespace rotor::rollout {
namespace {

// The journal keeps a full state now and then and deltas in between; reading them back in
// order gives every state exactly.
TEST(Codec, StatesAsFullSnapshotsAndDeltas) {
  StateWriter writer;
  StateReader reader;
  RolloutState s;
  s.group = "web";
  for (int i = 0; i < 300; ++i) s.victims.push_back("i-" + std::to_string(i));
  std::string first = writer.Next(s);
  ASSERT_NE(first.find("\"full\""), std::string::npos);
  ASSERT_TRUE(reader.Add(first).ok());
  EXPECT_EQ(writer.Next(s), "");  // nothing changed: nothing to write
  for (int step = 1; step < 2 * StateWriter::kFullEvery; ++step) {
    s.removed.insert(s.victims[step]);
    s.draining[s.victims[step]] = kT + std::chrono::seconds(step);
    std::string part = writer.Next(s);
    ASSERT_FALSE(part.empty());
    if (part.find("\"delta\"") != std::string::npos) {
      EXPECT_LT(part.size(), first.size() / 2) << step;  // only what changed
      EXPECT_EQ(part.find("\"victims\""), std::string::npos);
    }
    ASSERT_TRUE(reader.Add(part).ok());
    auto back = reader.State();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(StateToJson(*back), StateToJson(s)) << step;
  }
  StateReader fresh;
  EXPECT_FALSE(fresh.Add(R"({"delta": {"surge": 2}})").ok());  // a delta needs a base
  EXPECT_FALSE(fresh.Add("garbage").ok());
}

}  // namespace
}  // namespace rotor::rollout
