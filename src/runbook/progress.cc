#include "runbook/progress.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"

namespace rotor::runbook {
namespace {

using journal::RecordKind;
using nlohmann::json;

constexpr const char* kOutcomeNames[] = {"none",   "completed", "rolled_back",
                                         "paused", "aborted",   "failed"};

core::Result<json> Parse(const journal::Record& r) {
  json j = json::parse(r.data, nullptr, false);
  if (!j.is_object()) {
    return core::InvalidArgument(fmt::format("journal record {} of {} is not a runbook record: {}",
                                             r.seq, r.rollout, r.data.substr(0, 80)));
  }
  return j;
}

core::Result<StepProgress*> StepOf(Progress& p, const journal::Record& r, const json& j) {
  int i = j.value("step", -1);
  if (i < 0 || i >= static_cast<int>(p.steps.size())) {
    return core::InvalidArgument(fmt::format(
        "journal record {} of {} names step {} of a runbook of {} steps: was it written by "
        "another rotor version?",
        r.seq, r.rollout, i, p.steps.size()));
  }
  return &p.steps[i];
}

void ApplyIntent(StepProgress& s, const json& j, core::Time t) {
  if (j.value("undo", false)) {
    s.state = StepState::kUndoing;
    return;
  }
  // A second intent (resumed after a crash) keeps the memo of the first: Remember ran then on
  // the state before the step.
  if (!s.memo) s.memo = j.value("memo", "");
  if (!s.began) s.began = t;
  s.state = StepState::kDoing;
}

void ApplyOutcome(StepProgress& s, const json& j, core::Time t) {
  bool ok = j.value("ok", false);
  if (j.value("undo", false)) {
    s.state = ok ? StepState::kUndone : StepState::kUndoing;
    if (!ok) s.error = j.value("error", "");
    return;
  }
  s.state = ok ? StepState::kDone : StepState::kFailed;
  s.error = ok ? "" : j.value("error", "");
  s.ended = t;
}

}  // namespace

const char* OutcomeName(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }

std::string IntentData(int step, bool undo, const std::string& memo) {
  json j = {{"step", step}, {"undo", undo}};
  if (!undo) j["memo"] = memo;
  return j.dump();
}

std::string OutcomeData(int step, bool undo, bool ok, const std::string& error) {
  json j = {{"step", step}, {"undo", undo}, {"ok", ok}};
  if (!ok) j["error"] = error;
  return j.dump();
}

std::string RollbackData(const std::string& reason) {
  return json{{"rollback", true}, {"reason", reason}}.dump();
}

std::string FinishData(Outcome outcome) { return json{{"outcome", OutcomeName(outcome)}}.dump(); }

core::Status Apply(Progress& p, const journal::Record& r) {
  if (!r.group.empty() || r.data.empty()) return core::Status::Ok();
  switch (r.kind) {
    case RecordKind::kIntent:
    case RecordKind::kOutcome: {
      ASSIGN_OR_RETURN(json j, Parse(r));
      ASSIGN_OR_RETURN(StepProgress * s, StepOf(p, r, j));
      if (r.kind == RecordKind::kIntent) {
        ApplyIntent(*s, j, r.t);
      } else {
        ApplyOutcome(*s, j, r.t);
      }
      return core::Status::Ok();
    }
    case RecordKind::kInterrupted: {
      ASSIGN_OR_RETURN(json j, Parse(r));
      p.rolling_back = p.rolling_back || j.value("rollback", false);
      if (p.reason.empty()) p.reason = j.value("reason", "");
      return core::Status::Ok();
    }
    case RecordKind::kFinish: {
      ASSIGN_OR_RETURN(json j, Parse(r));
      std::string name = j.value("outcome", "");
      for (int o = 0; o < static_cast<int>(std::size(kOutcomeNames)); ++o) {
        if (name == kOutcomeNames[o]) p.finished = static_cast<Outcome>(o);
      }
      return core::Status::Ok();
    }
    default:
      return core::Status::Ok();
  }
}

core::Result<Progress> Replay(int steps, const std::vector<journal::Record>& records) {
  Progress p;
  p.steps.resize(steps);
  for (const journal::Record& r : records) RETURN_IF_ERROR(Apply(p, r));
  return p;
}

Action Next(const Progress& p, const std::vector<Reversal>& reversals,
            const std::vector<bool>& independent) {
  const int n = static_cast<int>(p.steps.size());
  if (!p.rolling_back) {
    std::vector<std::string> failed;
    for (int i = 0; i < n; ++i) {
      StepState st = p.steps[i].state;
      bool alone = i < static_cast<int>(independent.size()) && independent[i];
      if (alone && st == StepState::kFailed) {
        failed.push_back(fmt::format("step {}: {}", i + 1, p.steps[i].error));
        continue;
      }
      if (st != StepState::kDone) return {Action::Kind::kDo, i, Outcome::kNone, ""};
    }
    if (failed.empty()) return {Action::Kind::kFinish, -1, Outcome::kCompleted, ""};
    return {Action::Kind::kFinish, -1, Outcome::kFailed,
            fmt::format("{} of {} steps failed: {}", failed.size(), n, core::Join(failed, "; "))};
  }
  for (int i = n - 1; i >= 0; --i) {
    StepState st = p.steps[i].state;
    if (st == StepState::kPending || st == StepState::kUndone) continue;
    if (reversals[i] == Reversal::kNothingToUndo) continue;
    if (reversals[i] == Reversal::kIrreversible && st == StepState::kDone) {
      return {Action::Kind::kFinish, -1, Outcome::kFailed,
              fmt::format("rolled back as far as step {}, which cannot be undone", i + 1)};
    }
    if (reversals[i] == Reversal::kIrreversible) continue;  // never acted for good
    return {Action::Kind::kUndo, i, Outcome::kNone, ""};
  }
  return {Action::Kind::kFinish, -1, Outcome::kRolledBack, ""};
}

std::optional<core::Duration> OutageTime(const Progress& p, const std::vector<bool>& in_outage) {
  std::optional<core::Time> from, to;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if (!in_outage[i]) continue;
    const StepProgress& s = p.steps[i];
    if (s.began && (!from || *s.began < *from)) from = s.began;
    if (s.ended && (!to || *s.ended > *to)) to = s.ended;
  }
  if (!from || !to) return std::nullopt;
  return *to - *from;
}

}  // namespace rotor::runbook
