// The runbook driver on a small world of named values: steps that set a value (and put the old
// one back), a journal in memory, a manual clock. Failures, pauses, AWS out of reach, rollback
// after completion, and a kill at every journal record and every act, resumed.
#include "runbook/driver.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "journal/journal_wrapper.h"
#include "journal/memory_journal.h"

namespace rotor::runbook {
namespace {

using namespace std::chrono_literals;
const core::Time kT0 = core::Time(std::chrono::hours(24 * 365 * 56));

// A kill: the n-th event (a journal append or an act) is the last. An append that is hit does
// not happen; an act that is hit happens, and nothing after it (the answer is lost).
struct Kill {
  int at = 0;  // 0: never
  int seen = 0;
  bool dead = false;
  bool Hit(bool is_act) {
    if (dead) return true;
    if (at == 0 || ++seen < at) return false;
    dead = true;
    return !is_act;
  }
};

struct World {
  std::map<std::string, std::string> values;
  std::map<std::string, int> acts;            // Do calls that finished, per key
  std::map<std::string, bool> marked;         // the second half of a Do: a kill may come between
  std::map<std::string, std::string> refuse;  // key -> error for Do
  int unreachable = 0;                        // the next this many calls fail as unreachable
  Kill kill;
};

core::Status Dead() { return core::Status(core::Code::kAborted, "killed"); }

class SetValue : public Step {
 public:
  SetValue(World& w, std::string key, std::string value, Reversal rev = Reversal::kReversible)
      : w_(w), key_(std::move(key)), value_(std::move(value)), rev_(rev) {}
  std::string Describe() const override { return "set " + key_ + " to " + value_; }
  Reversal reversal() const override { return rev_; }
  bool in_outage() const override { return key_ == "b" || key_ == "c"; }
  bool independent() const override { return independent_; }
  void Resumed(const std::string& memo) override { resumed_with.push_back(memo); }

  bool independent_ = false;
  std::vector<std::string> resumed_with;  // the memos Resumed was given
  core::Result<Check> Look() override {
    if (w_.kill.dead) return Dead();
    if (w_.unreachable > 0) {
      --w_.unreachable;
      return core::Status(core::Code::kUnavailable, "cannot reach the world");
    }
    return w_.values[key_] == value_ && w_.marked[key_] ? Check::Done() : Check::NotDone();
  }
  core::Result<std::string> Remember() override {
    if (w_.kill.dead) return Dead();
    return w_.values[key_];
  }
  core::Status Do() override {
    if (w_.kill.dead) return Dead();
    if (w_.refuse.count(key_)) return core::InvalidArgument(w_.refuse[key_]);
    // Half the act, then (unless killed there) the other half: resumed, Look sees it unfinished
    // and Remember would see the new value, so the memo must be the journaled one.
    w_.values[key_] = value_;
    w_.kill.Hit(true);
    if (w_.kill.dead) return core::Status::Ok();  // killed between the halves
    w_.marked[key_] = true;
    ++w_.acts[key_];
    return core::Status::Ok();
  }
  core::Status Undo(const std::string& memo) override {
    if (w_.kill.dead) return Dead();
    w_.values[key_] = memo;
    w_.marked[key_] = false;
    w_.kill.Hit(true);
    return core::Status::Ok();
  }

 private:
  World& w_;
  std::string key_, value_;
  Reversal rev_;
};

class KillableJournal : public journal::JournalWrapper {
 public:
  explicit KillableJournal(Kill& kill) : JournalWrapper(memory_), kill_(kill) {}
  core::Status Append(journal::Record& r) override {
    if (kill_.Hit(false)) return Dead();
    return JournalWrapper::Append(r);
  }

 private:
  journal::MemoryJournal memory_;
  Kill& kill_;
};

struct FakeControl : Control {
  bool pause = false;
  bool confirm = true;
  int kept = 0;
  std::vector<std::string> lines;
  core::Status KeepLease() override {
    ++kept;
    return core::Status::Ok();
  }
  bool PauseRequested() override { return pause; }
  bool ConfirmIrreversible(const Step&) override { return confirm; }
  void Note(const std::string& line) override { lines.push_back(line); }
};

// Three steps a, b, c from "old" to "new" (b and c are the outage), and the driver over them.
struct Rig {
  World w;
  KillableJournal journal{w.kill};
  core::ManualClock clock{kT0};
  FakeControl control;
  std::vector<std::unique_ptr<SetValue>> steps;
  DriverOptions options{"op-1"};

  Rig() {
    for (const char* k : {"a", "b", "c"}) {
      w.values[k] = "old";
      steps.push_back(std::make_unique<SetValue>(w, k, "new"));
    }
  }
  Driver MakeDriver() {
    std::vector<Step*> raw;
    for (auto& s : steps) raw.push_back(s.get());
    return Driver(raw, journal, clock, control, options);
  }
  std::string Values() { return w.values["a"] + w.values["b"] + w.values["c"]; }
};

TEST(Driver, RunsEveryStepInOrderAndTimesTheOutage) {
  Rig rig;
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, Outcome::kCompleted);
  EXPECT_EQ(r->done, 3);
  EXPECT_EQ(rig.Values(), "newnewnew");
  ASSERT_TRUE(r->outage.has_value());
  EXPECT_GE(rig.control.kept, 3);  // the lease before every act
  auto records = rig.journal.Read("op-1");
  ASSERT_TRUE(records.ok());
  // start, 3 × (intent, outcome), finish; every intent durable
  ASSERT_EQ(records->size(), 8u);
  EXPECT_EQ(records->front().kind, journal::RecordKind::kStart);
  EXPECT_EQ(records->back().kind, journal::RecordKind::kFinish);
}

TEST(Driver, AFailedStepRollsBackWhatWasDoneNewestFirst) {
  Rig rig;
  rig.w.refuse["c"] = "ValidationError: no such thing";
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, Outcome::kRolledBack);
  EXPECT_NE(r->reason.find("step 3 (set c to new) failed: "), std::string::npos) << r->reason;
  EXPECT_EQ(rig.Values(), "oldoldold");
  std::vector<std::string> undone;
  for (const auto& l : rig.control.lines) {
    if (l.starts_with("undo")) undone.push_back(l);
  }
  ASSERT_EQ(undone.size(), 3u);
  EXPECT_EQ(undone[0], "undo step 3: set c to new");
  EXPECT_EQ(undone[2], "undo step 1: set a to new");
}

TEST(Driver, AnIndependentStepThatFailsIsPassedAndTheRunbookEndsFailedNamingIt) {
  Rig rig;
  for (auto& s : rig.steps) s->independent_ = true;
  rig.w.refuse["b"] = "SnapshotLimitExceeded: too many";
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, Outcome::kFailed);
  EXPECT_EQ(rig.Values(), "newoldnew");  // nothing rolled back, c still done
  EXPECT_EQ(r->done, 2);
  EXPECT_NE(r->reason.find("1 of 3 steps failed: step 2: "), std::string::npos) << r->reason;
  EXPECT_NE(r->reason.find("SnapshotLimitExceeded"), std::string::npos) << r->reason;
  for (const auto& l : rig.control.lines) EXPECT_FALSE(l.starts_with("undo")) << l;
}

TEST(Driver, AResumedAttemptIsToldWhatItsFirstAttemptRemembered) {
  Rig rig;
  rig.w.kill.at = 6;  // start, intent a, act a, outcome a, intent b, then b's act is cut
  auto first = rig.MakeDriver().Start();
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(rig.steps[1]->resumed_with.empty());
  rig.w.kill = Kill{};
  auto r = rig.MakeDriver().Resume(false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, Outcome::kCompleted);
  EXPECT_EQ(rig.steps[1]->resumed_with, std::vector<std::string>{"old"});
  EXPECT_TRUE(rig.steps[0]->resumed_with.empty());
  EXPECT_TRUE(rig.steps[2]->resumed_with.empty());
}

TEST(Driver, OnFailurePauseStopsThereAndResumeGoesOnOnceFixed) {
  Rig rig;
  rig.options.on_failure = OnFailure::kPause;
  rig.w.refuse["b"] = "refused";
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kPaused);
  EXPECT_EQ(rig.Values(), "newoldold");
  rig.w.refuse.clear();
  auto resumed = rig.MakeDriver().Resume(false);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(resumed->outcome, Outcome::kCompleted);
  EXPECT_EQ(rig.Values(), "newnewnew");
  EXPECT_EQ(rig.w.acts["a"], 1);  // never repeated
}

TEST(Driver, OnFailureAbortLeavesThingsAsTheyAre) {
  Rig rig;
  rig.options.on_failure = OnFailure::kAbort;
  rig.w.refuse["b"] = "refused";
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kAborted);
  EXPECT_EQ(rig.Values(), "newoldold");
}

TEST(Driver, WaitsOutAnUnreachableCloudWithBackOffThenGoesOn) {
  Rig rig;
  rig.w.unreachable = 4;
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kCompleted);
  EXPECT_EQ(rig.clock.Now() - kT0, 5s + 10s + 20s + 40s);
  int retries = 0;
  for (const auto& l : rig.control.lines) retries += l.find("retrying in") != std::string::npos;
  EXPECT_EQ(retries, 4);
  EXPECT_GE(rig.control.kept, 4 + 3);  // renewed while waiting too
}

TEST(Driver, PausesWhenTheCloudStaysUnreachablePastTheBound) {
  Rig rig;
  rig.w.unreachable = 1000;
  rig.options.backoff.give_up_after = 10min;
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kPaused);
  EXPECT_NE(r->reason.find("rotor rollout resume op-1"), std::string::npos) << r->reason;
  EXPECT_EQ(rig.Values(), "oldoldold");
}

TEST(Driver, RollbackAfterCompletionRestoresEverything) {
  Rig rig;
  ASSERT_EQ(rig.MakeDriver().Start()->outcome, Outcome::kCompleted);
  auto back = rig.MakeDriver().Resume(/*rollback=*/true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, Outcome::kRolledBack);
  EXPECT_EQ(rig.Values(), "oldoldold");
}

TEST(Driver, AnIrreversibleStepIsConfirmedFirstAndStopsARollback) {
  Rig rig;
  rig.steps[1] = std::make_unique<SetValue>(rig.w, "b", "new", Reversal::kIrreversible);
  rig.control.confirm = false;
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kPaused);
  EXPECT_NE(r->reason.find("cannot be undone and was not confirmed"), std::string::npos);
  EXPECT_EQ(rig.Values(), "newoldold");
  rig.control.confirm = true;
  rig.w.refuse["c"] = "refused";
  auto resumed = rig.MakeDriver().Resume(false);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->outcome, Outcome::kFailed);  // rolled back as far as b, which stays
  EXPECT_NE(resumed->reason.find("as far as step 2"), std::string::npos) << resumed->reason;
  EXPECT_EQ(rig.Values(), "newnewold");
}

TEST(Driver, ADyingProcessStopsAtOnceWithNothingMoreJournaled) {
  Rig rig;
  struct Crashing : SetValue {
    using SetValue::SetValue;
    core::Status Do() override { return core::Status(core::Code::kAborted, "rotor crashed"); }
  };
  rig.steps[1] = std::make_unique<Crashing>(rig.w, "b", "new");
  auto r = rig.MakeDriver().Start();
  EXPECT_EQ(r.status().code(), core::Code::kAborted);
  auto records = rig.journal.Read("op-1");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->back().kind, journal::RecordKind::kIntent);  // left open for the resume
  EXPECT_EQ(rig.Values(), "newoldold");
}

TEST(Driver, APauseRequestStopsAtTheNextStepBoundary) {
  Rig rig;
  rig.control.pause = true;
  auto r = rig.MakeDriver().Start();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kPaused);
  EXPECT_EQ(rig.Values(), "oldoldold");
}

// Kill at every event of a clean run (each journal append, each act), then resume: the run
// completes, every step acted exactly once (an act whose answer was lost is found done by
// looking), and the memo used by a later rollback is the value before the step.
TEST(Driver, AKillAtEveryEventIsResumedToTheEnd) {
  int events = 0;
  {
    Rig clean;
    clean.w.kill.at = 1000000;
    ASSERT_TRUE(clean.MakeDriver().Start().ok());
    events = clean.w.kill.seen;
  }
  ASSERT_GT(events, 10);
  for (int at = 1; at <= events; ++at) {
    Rig rig;
    rig.w.kill.at = at;
    auto first = rig.MakeDriver().Start();
    ASSERT_FALSE(first.ok()) << "kill at " << at;
    rig.w.kill = Kill{};
    auto resumed = rig.MakeDriver().Resume(false);
    ASSERT_TRUE(resumed.ok()) << "kill at " << at << ": " << resumed.status().message();
    EXPECT_EQ(resumed->outcome, Outcome::kCompleted) << "kill at " << at;
    EXPECT_EQ(rig.Values(), "newnewnew") << "kill at " << at;
    for (const char* k : {"a", "b", "c"}) EXPECT_EQ(rig.w.acts[k], 1) << k << " kill at " << at;
    auto back = rig.MakeDriver().Resume(/*rollback=*/true);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(rig.Values(), "oldoldold") << "rollback after kill at " << at;
  }
}

// The same for a run that fails at its last step and rolls back: killed anywhere, resumed, it
// ends rolled back with every value as it was.
TEST(Driver, AKillDuringARollbackIsResumedToTheEnd) {
  int events = 0;
  {
    Rig clean;
    clean.w.refuse["c"] = "refused";
    clean.w.kill.at = 1000000;
    ASSERT_EQ(clean.MakeDriver().Start()->outcome, Outcome::kRolledBack);
    events = clean.w.kill.seen;
  }
  for (int at = 1; at <= events; ++at) {
    Rig rig;
    rig.w.refuse["c"] = "refused";
    rig.w.kill.at = at;
    ASSERT_FALSE(rig.MakeDriver().Start().ok()) << "kill at " << at;
    rig.w.kill = Kill{};
    auto resumed = rig.MakeDriver().Resume(false);
    ASSERT_TRUE(resumed.ok()) << "kill at " << at << ": " << resumed.status().message();
    EXPECT_EQ(resumed->outcome, Outcome::kRolledBack) << "kill at " << at;
    EXPECT_EQ(rig.Values(), "oldoldold") << "kill at " << at;
  }
}

}  // namespace
}  // namespace rotor::runbook
