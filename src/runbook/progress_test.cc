// The pure half of the runbook engine: records in, progress out; progress in, next action out.
#include "runbook/progress.h"

#include <gtest/gtest.h>

namespace rotor::runbook {
namespace {

using journal::Record;
using journal::RecordKind;
using S = StepState;
constexpr Reversal kRev = Reversal::kReversible;
constexpr Reversal kNone = Reversal::kNothingToUndo;
constexpr Reversal kIrr = Reversal::kIrreversible;

Progress With(std::vector<S> states, bool rolling_back = false) {
  Progress p;
  for (S s : states) p.steps.push_back({s});
  p.rolling_back = rolling_back;
  return p;
}

TEST(Next, ChoosesTheNextAction) {
  struct Row {
    const char* name;
    Progress p;
    std::vector<Reversal> rev;
    Action::Kind kind;
    int step;
    Outcome outcome;
  };
  const Row rows[] = {
      {"fresh: the first step",
       With({S::kPending, S::kPending}),
       {kRev, kRev},
       Action::Kind::kDo,
       0},
      {"an intent without outcome is looked at again",
       With({S::kDone, S::kDoing}),
       {kRev, kRev},
       Action::Kind::kDo,
       1},
      {"a failed step is tried again after a pause",
       With({S::kDone, S::kFailed, S::kPending}),
       {kRev, kRev, kRev},
       Action::Kind::kDo,
       1},
      {"all done: completed",
       With({S::kDone, S::kDone}),
       {kRev, kRev},
       Action::Kind::kFinish,
       -1,
       Outcome::kCompleted},
      {"rollback: the failed step first (it may have half acted)",
       With({S::kDone, S::kFailed, S::kPending}, true),
       {kRev, kRev, kRev},
       Action::Kind::kUndo,
       1},
      {"rollback: then the done ones, newest first",
       With({S::kDone, S::kUndone}, true),
       {kRev, kRev},
       Action::Kind::kUndo,
       0},
      {"rollback: an undo without outcome is undone again",
       With({S::kDone, S::kUndoing}, true),
       {kRev, kRev},
       Action::Kind::kUndo,
       1},
      {"rollback: steps with nothing to undo are passed",
       With({S::kDone, S::kDone}, true),
       {kRev, kNone},
       Action::Kind::kUndo,
       0},
      {"rollback: everything undone",
       With({S::kUndone, S::kUndone, S::kPending}, true),
       {kRev, kRev, kRev},
       Action::Kind::kFinish,
       -1,
       Outcome::kRolledBack},
      {"rollback stops at a step that cannot be undone",
       With({S::kDone, S::kDone, S::kUndone}, true),
       {kRev, kIrr, kRev},
       Action::Kind::kFinish,
       -1,
       Outcome::kFailed},
      {"an irreversible step that never acted does not stop it",
       With({S::kDone, S::kFailed}, true),
       {kRev, kIrr},
       Action::Kind::kUndo,
       0},
  };
  for (const Row& r : rows) {
    Action a = Next(r.p, r.rev);
    EXPECT_EQ(a.kind, r.kind) << r.name;
    EXPECT_EQ(a.step, r.step) << r.name;
    if (r.kind == Action::Kind::kFinish) {
      EXPECT_EQ(a.outcome, r.outcome) << r.name;
    }
  }
}

TEST(Next, PassesFailedIndependentStepsAndEndsFailedNamingThem) {
  struct Row {
    const char* name;
    Progress p;
    std::vector<bool> independent;
    Action::Kind kind;
    int step;
    Outcome outcome;
  };
  Progress failed_middle = With({S::kDone, S::kFailed, S::kDone});
  failed_middle.steps[1].error = "SnapshotLimitExceeded";
  const Row rows[] = {
      {"a failed independent step is passed",
       With({S::kDone, S::kFailed, S::kPending}),
       {true, true, true},
       Action::Kind::kDo,
       2},
      {"a failed step that is not independent is tried again",
       With({S::kDone, S::kFailed, S::kPending}),
       {true, false, true},
       Action::Kind::kDo,
       1},
      {"an independent step in doubt is looked at again",
       With({S::kDone, S::kDoing}),
       {true, true},
       Action::Kind::kDo,
       1},
      {"the end, with a failure: failed",
       failed_middle,
       {true, true, true},
       Action::Kind::kFinish,
       -1,
       Outcome::kFailed},
      {"the end, without: completed",
       With({S::kDone, S::kDone}),
       {true, true},
       Action::Kind::kFinish,
       -1,
       Outcome::kCompleted},
  };
  for (const Row& r : rows) {
    Action a = Next(r.p, std::vector<Reversal>(r.p.steps.size(), kNone), r.independent);
    EXPECT_EQ(a.kind, r.kind) << r.name;
    EXPECT_EQ(a.step, r.step) << r.name;
    if (r.kind == Action::Kind::kFinish) {
      EXPECT_EQ(a.outcome, r.outcome) << r.name;
    }
  }
}

Record Rec(int seconds, RecordKind kind, std::string data, std::string group = "") {
  return {core::Time(std::chrono::seconds(seconds)), "op-1", 0, group, kind, "", data};
}

TEST(Next, NamesTheFailedIndependentStepsAtTheEnd) {
  Progress p = With({S::kFailed, S::kDone, S::kFailed});
  p.steps[0].error = "pre command exited 1";
  p.steps[2].error = "SnapshotLimitExceeded";
  Action a = Next(p, {kNone, kNone, kNone}, {true, true, true});
  EXPECT_EQ(a.reason,
            "2 of 3 steps failed: step 1: pre command exited 1; step 3: "
            "SnapshotLimitExceeded");
}

TEST(Replay, RebuildsProgressFromTheRecordsAlone) {
  std::vector<Record> records = {
      Rec(0, RecordKind::kStart, ""),
      Rec(1, RecordKind::kIntent, IntentData(0, false, R"({"old":"a"})")),
      Rec(2, RecordKind::kOutcome, OutcomeData(0, false, true, "")),
      Rec(3, RecordKind::kIntent, IntentData(1, false, R"({"old":"b"})")),
      // resumed after a crash: a second intent keeps the first memo
      Rec(4, RecordKind::kIntent, IntentData(1, false, R"({"old":"changed"})")),
      Rec(5, RecordKind::kOutcome, OutcomeData(1, false, false, "refused")),
      Rec(6, RecordKind::kInterrupted, RollbackData("step 2 failed: refused")),
      Rec(7, RecordKind::kIntent, IntentData(1, true, "")),
      // the rolling engine's records inside a runbook step are not the runbook's
      Rec(8, RecordKind::kOutcome, R"({"state":1})", "web-1-App"),
  };
  auto p = Replay(3, records);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->steps[0].state, S::kDone);
  EXPECT_EQ(p->steps[0].memo, R"({"old":"a"})");
  EXPECT_EQ(p->steps[1].state, S::kUndoing);
  EXPECT_EQ(p->steps[1].memo, R"({"old":"b"})");
  EXPECT_EQ(p->steps[1].error, "refused");
  EXPECT_EQ(p->steps[2].state, S::kPending);
  EXPECT_TRUE(p->rolling_back);
  EXPECT_EQ(p->reason, "step 2 failed: refused");
  EXPECT_EQ(p->finished, Outcome::kNone);
}

TEST(Replay, RefusesRecordsItCannotRead) {
  EXPECT_EQ(Replay(2, {Rec(0, RecordKind::kIntent, "not json")}).status().code(),
            core::Code::kInvalidArgument);
  auto far = Replay(2, {Rec(0, RecordKind::kIntent, IntentData(5, false, ""))});
  EXPECT_EQ(far.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(far.status().message().find("step 5 of a runbook of 2 steps"), std::string::npos);
}

TEST(OutageTime, FromTheFirstOutageStepBegunToTheLastEnded) {
  std::vector<Record> records = {
      Rec(10, RecordKind::kIntent, IntentData(0, false, "")),
      Rec(20, RecordKind::kOutcome, OutcomeData(0, false, true, "")),
      Rec(30, RecordKind::kIntent, IntentData(1, false, "")),
      Rec(45, RecordKind::kOutcome, OutcomeData(1, false, true, "")),
      Rec(50, RecordKind::kIntent, IntentData(2, false, "")),
      Rec(95, RecordKind::kOutcome, OutcomeData(2, false, true, "")),
      Rec(99, RecordKind::kFinish, FinishData(Outcome::kCompleted)),
  };
  auto p = Replay(4, records);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(OutageTime(*p, {false, true, true, false}), std::chrono::seconds(65));
  EXPECT_EQ(OutageTime(*p, {false, false, false, true}), std::nullopt);
  EXPECT_EQ(p->finished, Outcome::kCompleted);
}

}  // namespace
}  // namespace rotor::runbook
