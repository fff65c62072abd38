#include "rollout/engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "rollout/codec.h"

namespace rotor::rollout {
namespace {

using Kind = Step::Kind;
constexpr int kMaxRepeatedFailures = 3;
// Bounds on what one record holds of an error (I8): an answer from AWS may be long, and a
// record must never grow with the history of failures before it.
constexpr size_t kMaxCause = 400;
constexpr size_t kMaxText = 1024;
using cloud::Unreachable;
using journal::RecordKind;

void Erase(std::vector<Member>& members, const std::vector<std::string>& ids) {
  members.erase(std::remove_if(members.begin(), members.end(),
                               [&](const Member& m) {
                                 return std::find(ids.begin(), ids.end(), m.id) != ids.end();
                               }),
                members.end());
}

// Whether an instance's spec, as the group reports it, is known to differ from `spec`.
bool OnOtherSpec(const cloud::LaunchSpec& have, const cloud::LaunchSpec& spec) {
  if (have.kind == cloud::LaunchSpec::Kind::kNone || have.kind != spec.kind) return false;
  if (have.kind == cloud::LaunchSpec::Kind::kConfiguration) {
    return have.configuration_name != spec.configuration_name;
  }
  std::string want = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
  bool numeric =
      !have.version.empty() && have.version.find_first_not_of("0123456789") == std::string::npos;
  return numeric && !want.empty() && have.version != want;
}

// Whether the step's intent must reach the disk before the act (synchronous=FULL; other
// records survive a killed process, not a lost machine). It must when the act, done but not
// journaled, could not be told apart afterwards: which processes rotor suspended, which
// instances left the group because of rotor (and whether with decrement), the sizes it set.
// Terminating an instance that already left the group, and resuming processes, are not among
// them: repeated after a lost intent they change nothing (EC2 terminates an instance once; a
// running process resumed again stays running). A durable write costs an fsync, and about a
// third of a 300-instance surge's steps are such terminations.
bool MustBeDurable(const Step& st, const RolloutState& s) {
  switch (st.kind) {
    case Kind::kSuspend:
    case Kind::kSetSizes:
    case Kind::kDetach:
    case Kind::kDeregister:
    case Kind::kTerminate:
      return true;
    case Kind::kWindUp:
      return st.outcome == Outcome::kRolledBack && s.phase == Phase::kRolling;  // the spec
    default:
      return false;
  }
}

// Whether the step's act is a call to the cloud (the others only change rotor's own state): only
// a call that went through says AWS answers again, and ends a streak of failures.
bool CallsCloud(const Step& st, const RolloutState& s) {
  switch (st.kind) {
    case Kind::kSuspend:
    case Kind::kResume:
    case Kind::kSetSizes:
    case Kind::kDetach:
    case Kind::kDeregister:
    case Kind::kTerminate:
    case Kind::kTerminateDetached:
      return true;
    case Kind::kWindUp:
      return st.outcome == Outcome::kRolledBack && s.phase == Phase::kRolling;
    default:
      return false;
  }
}

const char* PhaseName(const RolloutState& s) {
  if (s.outcome != Outcome::kNone) return "winding up";
  return s.phase == Phase::kRollingBack ? "rolling back" : "rolling";
}

}  // namespace

bool IsReady(const cloud::Instance& i) {
  if (i.lifecycle_state != "InService") return false;
  if (!i.ec2_state.empty() && i.ec2_state != "running") return false;
  return std::all_of(i.health.begin(), i.health.end(), [](const auto& h) { return h.Ready(); });
}

bool IsUnhealthy(const cloud::Instance& i) {
  static const std::vector<std::string> kGone = {"stopping", "stopped", "shutting-down",
                                                 "terminated"};
  if (std::find(kGone.begin(), kGone.end(), i.ec2_state) != kGone.end()) return true;
  if (i.health_status == "Unhealthy") return true;
  return std::any_of(i.health.begin(), i.health.end(),
                     [](const auto& h) { return h.state == "unhealthy"; });
}

// EC2 refuses the whole call when one id no longer exists (it forgets a terminated instance
// after about an hour: a terminate repeated after a lost intent, or one by other hands while
// rotor was stopped). Gone is what was wanted: terminate the rest.
core::Status Engine::TerminateDetached(const std::vector<std::string>& ids) {
  core::Status done = cloud_.instances.TerminateInstances(ids);
  if (done.code() != core::Code::kNotFound) return done;
  ASSIGN_OR_RETURN(std::vector<cloud::Instance> known, cloud_.instances.ListInstances(ids));
  std::vector<std::string> alive;
  for (const cloud::Instance& i : known) {
    if (i.ec2_state != "terminated") alive.push_back(i.id);
  }
  return alive.empty() ? core::Status::Ok() : cloud_.instances.TerminateInstances(alive);
}

core::Status Engine::Record(journal::RecordKind kind, const std::string& text,
                            const std::string& data, bool durable) {
  journal::Record r{clock_.Now(), options_.rollout_id, 0, s_.group, kind, text, data, durable};
  return journal_.Append(r);
}

core::Result<View> Engine::Observe(const std::string& group, RolloutState& s) {
  // Polling is enough: sizes, lifecycle and load balancer health (the spec and the victims were
  // fixed at the start).
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud_.groups.PollGroups({group}));
  const cloud::Group& g = groups.at(0);
  View v;
  v.now = clock_.Now();
  v.min = g.min_size;
  v.max = g.max_size;
  v.desired = g.desired;
  v.suspended = g.suspended_processes;
  std::sort(s.expected_launches.begin(), s.expected_launches.end());
  for (const cloud::Instance& i : g.instances) {
    v.members.push_back({i.id, i.zone, i.launch_time, IsReady(i), IsUnhealthy(i)});
  }
  if (options_.probe) Probe(s, v);
  for (size_t n = 0; n < g.instances.size(); ++n) {
    const cloud::Instance& i = g.instances[n];
    const Member& m = v.members[n];
    if (!s.initial.count(i.id) && !s.seen.count(i.id)) {
      // A new member: count its boot from the act that caused its launch.
      core::Time caused = v.now;
      if (!s.expected_launches.empty()) {
        caused = s.expected_launches.front();
        s.expected_launches.erase(s.expected_launches.begin());
      }
      s.seen[i.id] = caused;
      // Launched because of the forward rollout but seen only now, or launched on the new spec
      // by the group's own doing: it is backed out too.
      if (s.phase == Phase::kRollingBack &&
          (caused < s.rollback_started || OnOtherSpec(i.spec, s.original.old_spec))) {
        s.victims.push_back(i.id);
      }
    }
    if (m.ready && !s.ready_since.count(i.id)) {
      s.ready_since[i.id] = v.now;
      if (s.seen.count(i.id)) s.boot_samples.push_back(v.now - s.seen[i.id]);
    } else if (!m.ready) {
      s.ready_since.erase(i.id);
    }
  }
  return v;
}

void Engine::Probe(const RolloutState& s, View& v) {
  std::vector<std::string> unaddressed;
  for (const Member& m : v.members) {
    if (m.ready && !s.initial.count(m.id) && !addressed_.count(m.id)) unaddressed.push_back(m.id);
  }
  // Addresses do not change while an instance runs: one read per new instance, not per poll.
  if (!unaddressed.empty()) {
    auto found = cloud_.instances.ListInstances(unaddressed);
    if (found.ok()) {
      for (cloud::Instance& i : *found) addressed_[i.id] = std::move(i);
    }
  }
  for (Member& m : v.members) {
    if (!m.ready || s.initial.count(m.id)) continue;
    auto it = addressed_.find(m.id);
    m.ready = it != addressed_.end() && options_.probe(it->second).ok();
  }
}

core::Status Engine::Act(const Step& st, RolloutState& s) {
  const std::string& g = s.group;
  switch (st.kind) {
    case Kind::kSuspend:
      return cloud_.group_changes.SuspendProcesses(g, st.processes);
    case Kind::kResume:
      return cloud_.group_changes.ResumeProcesses(g, st.processes);
    case Kind::kSetSizes:
      return cloud_.group_changes.SetSizes(g, st.sizes);
    case Kind::kDetach:
      return cloud_.group_changes.DetachInstances(g, st.ids, st.decrement);
    case Kind::kDeregister:
      return cloud_.group_changes.Deregister(g, st.ids);
    case Kind::kTerminateDetached:
      return TerminateDetached(st.ids);
    case Kind::kTerminate:
      for (const std::string& id : st.ids) {
        core::Status done = cloud_.group_changes.TerminateInstance(id, st.decrement);
        // Gone from the group already (by other hands since the last look): nothing to do.
        if (done.code() == core::Code::kNotFound) continue;
        RETURN_IF_ERROR(done);
      }
      return core::Status::Ok();
    case Kind::kWindUp:
      if (st.outcome == Outcome::kRolledBack && s.phase == Phase::kRolling) {
        return cloud_.group_changes.SetLaunchSpec(
            g, s.original.old_spec);  // back to the old spec first
      }
      return core::Status::Ok();
    default:
      return core::Status::Ok();
  }
}

void Engine::Apply(const Step& st, RolloutState& s, View& v) {
  core::Time now = clock_.Now();
  int n = static_cast<int>(st.ids.size());
  if (st.kind == Kind::kDetach || st.kind == Kind::kDeregister || st.kind == Kind::kTerminate) {
    s.chosen.insert(st.ids.begin(), st.ids.end());
  }
  v.fresh = false;
  auto launches = [&](int count) {
    for (int i = 0; i < count; ++i) s.expected_launches.push_back(now);
  };
  auto take = [&](int count) {
    if (s.canary_left > 0) s.canary_left = std::max(0, s.canary_left - count);
  };
  switch (st.kind) {
    case Kind::kSuspend:
      s.suspended_by_us.insert(st.processes.begin(), st.processes.end());
      v.suspended.insert(v.suspended.end(), st.processes.begin(), st.processes.end());
      break;
    case Kind::kResume:
      for (const std::string& p : st.processes) s.suspended_by_us.erase(p);
      break;
    case Kind::kSetSizes:
      if (st.sizes.desired && *st.sizes.desired > static_cast<int>(v.members.size()) &&
          *st.sizes.desired > v.desired) {
        launches(*st.sizes.desired - std::max(v.desired, static_cast<int>(v.members.size())));
      }
      if (st.sizes.min) v.min = *st.sizes.min;
      if (st.sizes.max) v.max = *st.sizes.max;
      if (st.sizes.desired) v.desired = *st.sizes.desired;
      break;
    case Kind::kDetach:
      for (const std::string& id : st.ids) {
        s.removed.insert(id);
        s.draining[id] = now + s.drain;
      }
      if (st.decrement) {
        s.decrements += n;
        v.desired -= n;
      } else {
        launches(n);
      }
      take(n);
      Erase(v.members, st.ids);
      break;
    case Kind::kDeregister:
      for (const std::string& id : st.ids) {
        s.deregistered.insert(id);
        s.draining[id] = now + s.drain;
      }
      take(n);
      break;
    case Kind::kTerminate:
      for (const std::string& id : st.ids) {
        bool victim = std::find(s.victims.begin(), s.victims.end(), id) != s.victims.end();
        if (victim) s.removed.insert(id);
        s.deregistered.erase(id);
        s.draining.erase(id);
      }
      if (st.decrement) {
        s.decrements += n;
        v.desired -= n;
      } else {
        launches(n);
      }
      Erase(v.members, st.ids);
      break;
    case Kind::kTerminateDetached:
      for (const std::string& id : st.ids) s.draining.erase(id);
      break;
    case Kind::kForget:
      for (const std::string& id : st.ids) {
        s.removed.insert(id);
        s.deregistered.erase(id);
        s.draining.erase(id);
      }
      break;
    case Kind::kMarkFailed:
      s.failed.insert(st.ids.begin(), st.ids.end());
      s.failed_launches += n;
      break;
    case Kind::kBake:
      s.bake_until = st.until;
      break;
    case Kind::kWindUp:
      s.error.clear();
      if (!st.reason.empty()) s.reason = st.reason;
      if (st.outcome == Outcome::kRolledBack && s.phase == Phase::kRolling) {
        s.phase = Phase::kRollingBack;
        s.victims = st.ids;
        s.removed.clear();
        s.decrements = 0;
        // Old members still in the group plus the new ones to back out may exceed the
        // original desired (a double doubled it): the surge covers the excess, so the group
        // never picks victims itself, and launches exactly what is missing.
        int back = static_cast<int>(st.ids.size());
        int old_left = static_cast<int>(v.members.size()) - back;
        int excess =
            std::max({0, old_left + back - s.original.desired, v.desired - s.original.desired});
        int usual = policy_.strategy == Strategy::kReplace ? 0 : std::min(s.budget.max_surge, back);
        s.surge = std::max(excess, usual);
        s.failed_launches = 0;
        s.failed.clear();
        s.canary_left = -1;
        s.bake_until.reset();
        s.deadline.reset();
        s.rollback_started = now;
      } else {
        s.outcome = st.outcome;
      }
      break;
    case Kind::kFinish:
      s.phase = Phase::kDone;
      break;
    default:
      break;
  }
}

void Engine::Emit(const RolloutState& s, const View& v, const std::string& what,
                  const char* phase) {
  if (!options_.on_event) return;
  int ready = 0;
  for (const Member& m : v.members) ready += m.ready;
  options_.on_event(Event{clock_.Now(), s.group, what, static_cast<int>(s.removed.size()),
                          static_cast<int>(s.victims.size()), ready, phase});
}

core::Status Engine::Start(const std::string& group) {
  // Observed and planned afresh, not taken from the --dry-run plan: with several groups in turn,
  // this one may have changed while the ones before it rolled.
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud_.groups.ObserveGroups({group}));
  ASSIGN_OR_RETURN(s_, Begin(groups.at(0), policy_, clock_.Now()));
  if (policy_.drain) {
    s_.drain = *policy_.drain;
  } else {
    ASSIGN_OR_RETURN(s_.drain, cloud_.groups.DrainTime(group));
  }
  // Everything that cannot be re-observed (the originals above all) is journaled before the
  // first change.
  RETURN_IF_ERROR(Record(RecordKind::kStart,
                         fmt::format("{}: {} victims, min healthy {}, surge {}", group,
                                     s_.victims.size(), s_.budget.min_healthy, s_.surge),
                         writer_.Next(s_), /*durable=*/true));
  ASSIGN_OR_RETURN(v_, Observe(group, s_));
  Armed();
  return core::Status::Ok();
}

core::Status Engine::Resume(RolloutState state, const std::optional<Step>& unresolved) {
  s_ = std::move(state);
  // Settle the intent first: a launch it caused (a detach without decrement) is then matched
  // with the new member the observation finds, as if the process had never died.
  if (unresolved) RETURN_IF_ERROR(Reconcile(*unresolved));
  ASSIGN_OR_RETURN(v_, Observe(s_.group, s_));
  RETURN_IF_ERROR(Record(RecordKind::kResume,
                         unresolved ? "resolved by looking: " + Describe(*unresolved) : "resumed",
                         writer_.Next(s_)));
  Armed();
  return core::Status::Ok();
}

void Engine::Armed() {
  // Nothing may stall a rollout for ever: no step for longer than any wait the policy allows
  // means a world the planner does not understand (for example processes resumed by others).
  stall_ =
      policy_.health_timeout + s_.drain + policy_.bake + policy_.warmup + std::chrono::minutes(10);
  last_progress_ = clock_.Now();
}

core::Result<Result> Engine::Run(const std::string& group) {
  RETURN_IF_ERROR(Start(group));
  while (true) {
    ASSIGN_OR_RETURN(std::optional<core::Time> wake, Advance());
    if (!wake) return result_;
    clock_.SleepUntil(*wake);
  }
}

std::optional<core::Time> Engine::WakeAt(core::Time until) {
  waking_ = true;
  wake_at_ = until;
  if (options_.heartbeat.count() > 0) return std::min(until, clock_.Now() + options_.heartbeat);
  return until;
}

bool Engine::Asked() {
  return (options_.pause_requested && options_.pause_requested()) ||
         (!interrupt_handled_ && options_.interrupted && options_.interrupted());
}

core::Result<std::optional<core::Time>> Engine::Pause(const std::string& text,
                                                      const std::string& why) {
  // With an act whose effect is unknown, the record carries no state: the intent stays open,
  // and `rotor rollout resume` settles it by looking, as after a crash.
  RETURN_IF_ERROR(
      Record(RecordKind::kPaused, core::Clip(text, kMaxText), unresolved_ ? "" : writer_.Next(s_)));
  result_ = Result{Outcome::kPaused, why, s_};
  return std::optional<core::Time>();
}

core::Result<std::optional<core::Time>> Engine::Retry(const std::string& what,
                                                      const core::Status& error) {
  core::Time now = clock_.Now();
  cloud::BackoffDecision d = backoff_.Failed(now, s_.deadline);
  std::string cause = what + ": " + core::Clip(error.message(), kMaxCause);
  // A refusal (not a failure to reach AWS) while winding up: tried a few times, then a person.
  bool refused = !Unreachable(error);
  if (d.give_up || (refused && backoff_.failures() >= kMaxRepeatedFailures)) {
    bool deadline = s_.deadline && now >= *s_.deadline;
    std::string why = backoff_.GiveUpReason(cause, options_.rollout_id, deadline, refused);
    return Pause(why, why);
  }
  std::string line = cloud::Backoff::RetryLine(cause, d);
  RETURN_IF_ERROR(Record(RecordKind::kRetry, core::Clip(line, kMaxText)));
  Emit(s_, v_, line, "waiting for AWS");
  observe_on_wake_ = true;
  return WakeAt(d.retry_at);
}

core::Result<std::optional<core::Time>> Engine::Advance() {
  RolloutState& s = s_;
  View& v = v_;
  if (waking_) {
    // Every wake-up renews the lease when due, so that no wait lets it lapse; one that came
    // only for that goes back to sleep unless a person asked for something.
    if (options_.keep_lease) RETURN_IF_ERROR(options_.keep_lease());
    if (clock_.Now() < wake_at_ && !Asked()) return WakeAt(wake_at_);
    waking_ = false;
    v.now = clock_.Now();
    if (unresolved_) {
      // An act that AWS may or may not have carried out (no answer came back): look first.
      core::Status looked = Reconcile(*unresolved_);
      if (looked.code() == core::Code::kAborted) return looked;
      if (!looked.ok() && !Asked()) return Retry("look at " + s.group, looked);
      if (looked.ok()) {
        RETURN_IF_ERROR(Record(RecordKind::kOutcome, "settled by looking: " + Brief(*unresolved_),
                               writer_.Next(s)));
        unresolved_.reset();
        observe_on_wake_ = true;
      }
    }
    if (observe_on_wake_) {
      auto observed = Observe(s.group, s);
      if (observed.ok()) {
        v = std::move(observed).value();
      } else if (observed.status().code() == core::Code::kAborted) {
        return observed.status();
      } else if (!Asked()) {
        // The last view is kept; a person's Ctrl-C or pause is still honoured below.
        return Retry("observe " + s.group, observed.status());
      }
    }
  }
  while (true) {
    if (clock_.Now() - last_progress_ > stall_ && s.error.empty() && s.outcome == Outcome::kNone &&
        !backoff_.failing()) {
      s.error = "no progress for " +
                std::to_string(std::chrono::duration_cast<std::chrono::minutes>(stall_).count()) +
                " minutes";
    }
    bool pause = options_.pause_requested && options_.pause_requested();
    if (!interrupt_handled_ && options_.interrupted && options_.interrupted()) {
      interrupt_handled_ = true;
      // While rolling, the person chooses; while winding up, or while AWS keeps failing (a
      // roll-back or an abort needs AWS as much as going on does), Ctrl-C pauses, as the
      // retry line says.
      bool choose = s.outcome == Outcome::kNone && !backoff_.failing() && !unresolved_;
      Outcome choice = !choose                 ? Outcome::kPaused
                       : options_.on_interrupt ? options_.on_interrupt()
                                               : Outcome::kAborted;
      if (choice == Outcome::kPaused) {
        pause = true;
      } else if (choice == Outcome::kRolledBack) {
        s.rollback_requested = true;
        RETURN_IF_ERROR(Record(RecordKind::kInterrupted, "rolling back", writer_.Next(s)));
      } else {
        s.interrupted = true;
        RETURN_IF_ERROR(
            Record(RecordKind::kInterrupted, "winding up as an abort", writer_.Next(s)));
      }
    }
    // `rotor rollout pause` or Ctrl-C: stop between steps, everything as it is, resumable.
    if (pause) return Pause("paused", "paused: go on with `rotor rollout resume`");
    Step st = NextStep(v, policy_, s);
    if (st.kind == Kind::kWait) {
      if (v.fresh) backoff_.Succeeded();  // AWS answered and nothing is left to retry
      observe_on_wake_ = st.observe;
      return WakeAt(st.until);
    }
    last_progress_ = clock_.Now();
    // Fencing: no act once the group's lease is lost (kBlocked names the new holder).
    if (options_.keep_lease) RETURN_IF_ERROR(options_.keep_lease());
    RETURN_IF_ERROR(Record(RecordKind::kIntent, Describe(st), IntentToJson(st, writer_.Next(s)),
                           MustBeDurable(st, s)));
    if (options_.before_step) options_.before_step(s, st, v);
    core::Status done = Act(st, s);
    if (done.code() == core::Code::kAborted) return done;  // the process "died": resume later
    if (!done.ok()) {
      // AWS out of reach (no answer, or one that does not say whether it acted): the intent
      // stays open and is settled by looking at the group once AWS answers again, never by
      // assuming. Meanwhile wait and try again (past the bound, pause) rather than wind up:
      // rolling back or aborting needs AWS as much as going on does.
      if (Unreachable(done)) {
        unresolved_ = st;
        return Retry(Brief(st), done);
      }
      RETURN_IF_ERROR(Record(RecordKind::kOutcome, core::Clip(done.ToString(), kMaxText)));
      // The wind-up refused: tried again a few times, never wound up on top of a wind-up.
      if (st.kind == Kind::kWindUp || s.outcome != Outcome::kNone) return Retry(Brief(st), done);
      // Refused while rolling: the world may simply have moved since the last look (an instance
      // terminated by others): decide again. The second time the rollout fails on it, and the
      // reason is recorded once, never nested in another.
      std::string what = core::Clip(Brief(st) + ": " + done.message(), kMaxCause);
      repeated_ = what == last_failed_ ? repeated_ + 1 : 1;
      last_failed_ = what;
      if (repeated_ == 1) {
        v.fresh = false;
        continue;
      }
      s.error = what;
      continue;
    }
    if (CallsCloud(st, s)) backoff_.Succeeded();
    repeated_ = 0;
    last_failed_.clear();
    Apply(st, s, v);
    bool finish = st.kind == Kind::kFinish;
    RETURN_IF_ERROR(Record(finish ? RecordKind::kFinish : RecordKind::kOutcome,
                           finish ? OutcomeName(s.outcome) : "ok", writer_.Next(s)));
    Emit(s, v, Describe(st), PhaseName(s));
    if (options_.after_step) options_.after_step(s, st);
    if (finish) {
      result_ = Result{s.outcome, s.reason, s};
      return std::optional<core::Time>();
    }
  }
}

}  // namespace rotor::rollout
