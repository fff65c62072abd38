#include "runbook/driver.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace rotor::runbook {
namespace {

using journal::RecordKind;

constexpr size_t kMaxText = 400;  // a reason in a record, bounded (invariant I8)

}  // namespace

Driver::Driver(std::vector<Step*> steps, journal::Journal& journal, core::Clock& clock,
               Control& control, DriverOptions options)
    : steps_(std::move(steps)),
      journal_(journal),
      clock_(clock),
      control_(control),
      options_(std::move(options)),
      backoff_(options_.backoff) {
  progress_.steps.resize(steps_.size());
}

std::vector<Reversal> Driver::Reversals() const {
  std::vector<Reversal> out;
  for (const Step* s : steps_) out.push_back(s->reversal());
  return out;
}

core::Status Driver::Record(RecordKind kind, const std::string& text, const std::string& data,
                            bool durable, size_t max_text) {
  journal::Record r{clock_.Now(), options_.operation_id,      0,    "",
                    kind,         core::Clip(text, max_text), data, durable};
  RETURN_IF_ERROR(journal_.Append(r));
  return Apply(progress_, r);
}

core::Result<Report> Driver::Start() {
  std::vector<std::string> plan;
  for (size_t i = 0; i < steps_.size(); ++i) {
    plan.push_back(fmt::format("{}. {}", i + 1, steps_[i]->Describe()));
  }
  // The plan, for `rollout show`: longer than other texts, still bounded (I8).
  RETURN_IF_ERROR(Record(RecordKind::kStart, core::Join(plan, "; "), "", false, 4096));
  return Run();
}

core::Result<Report> Driver::Resume(bool rollback) {
  ASSIGN_OR_RETURN(std::vector<journal::Record> records, journal_.Read(options_.operation_id));
  ASSIGN_OR_RETURN(progress_, Replay(static_cast<int>(steps_.size()), records));
  RETURN_IF_ERROR(Record(RecordKind::kResume, rollback ? "rollback" : "resume", ""));
  if (rollback && !progress_.rolling_back) {
    RETURN_IF_ERROR(
        Record(RecordKind::kInterrupted, "rolling back, as asked", RollbackData("rollback asked")));
  }
  return Run();
}

core::Result<Report> Driver::Run() {
  while (true) {
    if (control_.PauseRequested()) return Stop(Outcome::kPaused, "paused, as asked");
    std::vector<bool> independent;
    for (const Step* s : steps_) independent.push_back(s->independent());
    Action a = Next(progress_, Reversals(), independent);
    if (a.kind == Action::Kind::kFinish) {
      std::string reason = a.reason.empty() ? progress_.reason : a.reason;
      return Stop(a.outcome, a.outcome == Outcome::kCompleted ? "" : reason);
    }
    RETURN_IF_ERROR(control_.KeepLease());
    ASSIGN_OR_RETURN(bool go_on, a.kind == Action::Kind::kDo ? DoStep(a.step) : UndoStep(a.step));
    if (!go_on) return Stop(stop_outcome_, stop_reason_);
  }
}

core::Result<bool> Driver::DoStep(int i) {
  Step& step = *steps_[i];
  if (options_.deadline && clock_.Now() >= *options_.deadline) {
    return Failed(i, "the --deadline passed before this step");
  }
  auto look = step.Look();
  if (!look.ok()) return Retry(i, false, look.status());
  if (look->kind == Check::Kind::kBlocked) return Failed(i, look->reason);
  if (look->kind == Check::Kind::kDone) {
    backoff_.Succeeded();
    control_.Note(fmt::format("step {} already done: {}", i + 1, step.Describe()));
    RETURN_IF_ERROR(Record(RecordKind::kOutcome, "already done", OutcomeData(i, false, true, "")));
    return true;
  }
  StepProgress& sp = progress_.steps[i];
  if (step.reversal() == Reversal::kIrreversible && sp.state != StepState::kDoing &&
      !control_.ConfirmIrreversible(step)) {
    stop_outcome_ = Outcome::kPaused;
    stop_reason_ =
        fmt::format("step {} ({}) cannot be undone and was not confirmed", i + 1, step.Describe());
    return false;
  }
  std::string memo;
  if (sp.memo) {
    memo = *sp.memo;  // remembered before a first attempt: the state before the step
    step.Resumed(memo);
  } else {
    auto remembered = step.Remember();
    if (!remembered.ok()) return Retry(i, false, remembered.status());
    memo = *remembered;
  }
  control_.Note(fmt::format("step {}/{}: {}", i + 1, steps_.size(), step.Describe()));
  RETURN_IF_ERROR(Record(RecordKind::kIntent, step.Describe(), IntentData(i, false, memo), true));
  if (core::Status done = step.Do(); !done.ok()) return Retry(i, false, done);
  backoff_.Succeeded();
  RETURN_IF_ERROR(Record(RecordKind::kOutcome, "ok", OutcomeData(i, false, true, "")));
  return true;
}

core::Result<bool> Driver::UndoStep(int i) {
  Step& step = *steps_[i];
  control_.Note(fmt::format("undo step {}: {}", i + 1, step.Describe()));
  RETURN_IF_ERROR(
      Record(RecordKind::kIntent, "undo: " + step.Describe(), IntentData(i, true, ""), true));
  if (core::Status undone = step.Undo(progress_.steps[i].memo.value_or("")); !undone.ok()) {
    return Retry(i, true, undone);
  }
  backoff_.Succeeded();
  RETURN_IF_ERROR(Record(RecordKind::kOutcome, "undone", OutcomeData(i, true, true, "")));
  return true;
}

// A failed look, memo, act or undo: waited out while AWS is unreachable; otherwise a failure
// of the step (or, while undoing, a stop for a person).
core::Result<bool> Driver::Retry(int i, bool undo, const core::Status& error) {
  // The process is dying (a simulated crash) or lost its lease: nothing more is journaled or
  // done; a resume finds the intent open and looks.
  if (error.code() == core::Code::kAborted || error.code() == core::Code::kBlocked) return error;
  if (error.code() == core::Code::kPaused) {
    stop_outcome_ = Outcome::kPaused;
    stop_reason_ =
        fmt::format("step {} ({}) paused: {}", i + 1, steps_[i]->Describe(), error.message());
    return false;
  }
  std::string cause = fmt::format("step {} ({}{}): {}", i + 1, undo ? "undo: " : "",
                                  steps_[i]->Describe(), core::Clip(error.ToString(), kMaxText));
  if (!cloud::Unreachable(error)) {
    if (!undo) return Failed(i, core::Clip(error.ToString(), kMaxText));
    RETURN_IF_ERROR(Record(RecordKind::kOutcome, error.ToString(),
                           OutcomeData(i, true, false, core::Clip(error.ToString(), kMaxText))));
    stop_outcome_ = Outcome::kPaused;
    stop_reason_ = fmt::format("could not undo {}; fix the cause, then `rotor rollout rollback {}`",
                               cause, options_.operation_id);
    return false;
  }
  cloud::BackoffDecision d = backoff_.Failed(clock_.Now(), options_.deadline);
  if (d.give_up) {
    stop_outcome_ = Outcome::kPaused;
    bool deadline = options_.deadline && clock_.Now() >= *options_.deadline;
    stop_reason_ = backoff_.GiveUpReason(cause, options_.operation_id, deadline, false);
    return false;
  }
  std::string line = cloud::Backoff::RetryLine(cause, d);
  control_.Note(line);
  RETURN_IF_ERROR(Record(RecordKind::kRetry, line, ""));
  while (clock_.Now() < d.retry_at) {
    clock_.SleepUntil(std::min(d.retry_at, clock_.Now() + options_.heartbeat));
    RETURN_IF_ERROR(control_.KeepLease());
  }
  return true;
}

core::Result<bool> Driver::Failed(int i, const std::string& error) {
  control_.Note(fmt::format("step {} failed: {}", i + 1, error));
  RETURN_IF_ERROR(Record(RecordKind::kOutcome, error, OutcomeData(i, false, false, error)));
  std::string reason = fmt::format("step {} ({}) failed: {}", i + 1, steps_[i]->Describe(), error);
  if (steps_[i]->independent()) return true;  // the next steps go on; the end says it failed
  switch (options_.on_failure) {
    case OnFailure::kRollback:
      RETURN_IF_ERROR(Record(RecordKind::kInterrupted, "rolling back", RollbackData(reason)));
      return true;
    case OnFailure::kPause:
      stop_outcome_ = Outcome::kPaused;
      break;
    case OnFailure::kAbort:
      stop_outcome_ = Outcome::kAborted;
      break;
  }
  stop_reason_ = reason;
  return false;
}

core::Result<Report> Driver::Stop(Outcome outcome, const std::string& reason) {
  if (outcome == Outcome::kPaused) {
    RETURN_IF_ERROR(Record(RecordKind::kPaused, reason, ""));
  } else {
    RETURN_IF_ERROR(Record(RecordKind::kFinish, reason.empty() ? OutcomeName(outcome) : reason,
                           FinishData(outcome)));
  }
  Report r{outcome, reason, 0, std::nullopt};
  std::vector<bool> outage;
  for (size_t i = 0; i < steps_.size(); ++i) {
    r.done += progress_.steps[i].state == StepState::kDone;
    outage.push_back(steps_[i]->in_outage());
  }
  r.outage = OutageTime(progress_, outage);
  return r;
}

}  // namespace rotor::runbook
