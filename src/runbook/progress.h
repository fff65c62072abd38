// Where a runbook stands, rebuilt from its journal records alone (a pure reducer), and the next
// thing to do from there (a pure planner), like rollout/state.h and rollout/plan.h for the
// rolling engine. The records' data is owned here: one writer (the *Data functions) and one
// reader (Apply).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "journal/journal.h"
#include "runbook/step.h"

namespace rotor::runbook {

enum class StepState {
  kPending,  // not begun
  kDoing,    // intent journaled, no outcome: Look decides on resume
  kDone,     // done, or found already done
  kFailed,   // Do failed or Look said blocked
  kUndoing,  // undo intent journaled, no outcome: Undo again (it is idempotent)
  kUndone,
};

enum class Outcome { kNone, kCompleted, kRolledBack, kPaused, kAborted, kFailed };
const char* OutcomeName(Outcome o);  // "completed", "rolled_back", ...

enum class OnFailure { kRollback, kPause, kAbort };

struct StepProgress {
  StepState state = StepState::kPending;
  std::optional<std::string> memo;  // what Remember returned, journaled with the intent
  std::string error;                // why it failed
  std::optional<core::Time> began, ended;
};

struct Progress {
  std::vector<StepProgress> steps;
  bool rolling_back = false;  // after a failure with on-failure rollback, or `rollout rollback`
  Outcome finished = Outcome::kNone;
  std::string reason;  // of a failure that started the rollback
};

// The data of each record kind a runbook writes (JSON).
std::string IntentData(int step, bool undo, const std::string& memo);
std::string OutcomeData(int step, bool undo, bool ok, const std::string& error);
std::string RollbackData(const std::string& reason);
std::string FinishData(Outcome outcome);

// A fresh progress for `steps` steps, then every record of the operation in order. Records of
// other kinds or about a group (the rolling engine's, in a runbook that runs one) are ignored.
// kInvalidArgument for a record this rotor cannot read.
core::Result<Progress> Replay(int steps, const std::vector<journal::Record>& records);
core::Status Apply(Progress& p, const journal::Record& r);

// What the driver does next.
struct Action {
  enum class Kind { kDo, kUndo, kFinish };
  Kind kind = Kind::kFinish;
  int step = -1;
  Outcome outcome = Outcome::kNone;  // for kFinish
  std::string reason;                // for kFinish: why not completed
};

// Forward: the first step not done, passing failed independent steps (Step::independent); at the
// end, completed, or failed naming the independent steps that failed. Rolling back: the last
// step that acted (done, doing, failed or undoing) and is reversible, stopping at one that
// cannot be undone. `reversals` has one entry per step, `independent` one or none (none: no step
// is independent).
Action Next(const Progress& p, const std::vector<Reversal>& reversals,
            const std::vector<bool>& independent = {});

// From the first outage step begun to the last one ended; none if no outage step ran.
std::optional<core::Duration> OutageTime(const Progress& p, const std::vector<bool>& in_outage);

}  // namespace rotor::runbook
