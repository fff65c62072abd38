#include "rollout/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>

#include "core/strings.h"

namespace rotor::rollout {
namespace {

using namespace std::chrono_literals;
using Kind = Step::Kind;

constexpr core::Duration kMinPoll = 2s;
constexpr core::Duration kMaxPoll = 30s;
constexpr core::Duration kTerminateWindow = 120s;
constexpr core::Duration kDefaultBoot = 60s;

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

Step Make(Kind kind) {
  Step s;
  s.kind = kind;
  return s;
}

Step WithIds(Kind kind, std::vector<std::string> ids, bool decrement = false) {
  Step s = Make(kind);
  s.ids = std::move(ids);
  s.decrement = decrement;
  return s;
}

const Member* Find(const View& v, const std::string& id) {
  for (const Member& m : v.members) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

// New members: launched during this rollout (for a rollback, during the forward part).
bool IsNew(const RolloutState& s, const std::string& id) { return !s.initial.count(id); }

// Ready for the planner: ready now and, for a new member, continuously for `warmup`.
bool CountsReady(const View& v, const Policy& p, const RolloutState& s, const Member& m) {
  if (!m.ready || s.deregistered.count(m.id)) return false;
  if (!IsNew(s, m.id)) return true;
  auto since = s.ready_since.find(m.id);
  return since != s.ready_since.end() && v.now - since->second >= p.warmup;
}

int ReadyCount(const View& v, const Policy& p, const RolloutState& s) {
  int n = 0;
  for (const Member& m : v.members) n += CountsReady(v, p, s, m);
  return n;
}

// Victims still in the group and not yet taken out.
std::vector<std::string> Remaining(const View& v, const RolloutState& s) {
  std::vector<std::string> out;
  for (const std::string& id : s.victims) {
    if (!s.removed.count(id) && !s.deregistered.count(id) && Find(v, id)) out.push_back(id);
  }
  return out;
}

bool IsVictim(const RolloutState& s, const std::string& id) { return Contains(s.victims, id); }

// New members that are neither ready (with warm-up) nor given up on. (While rolling back, the
// forward rollout's new members are the victims: nobody waits for them.)
std::vector<const Member*> Pending(const View& v, const Policy& p, const RolloutState& s) {
  std::vector<const Member*> out;
  for (const Member& m : v.members) {
    if (IsNew(s, m.id) && !IsVictim(s, m.id) && !s.failed.count(m.id) && !CountsReady(v, p, s, m)) {
      out.push_back(&m);
    }
  }
  return out;
}

int TargetDesired(const Policy& p, const RolloutState& s) {
  int surge = s.surge;
  if (p.strategy == Strategy::kDouble && s.canary_left > 0) surge = std::min(surge, s.canary_left);
  return s.original.desired + surge - s.decrements;
}

core::Duration BootEstimate(const RolloutState& s) {
  if (s.boot_samples.empty()) return kDefaultBoot;
  std::vector<core::Duration> v = s.boot_samples;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// When to look again at a launch caused at `since`. Until a boot has been observed the estimate
// is only a guess, so look early and back off — 2 s, 4 s, 8 s, ... up to the guess (a few more
// calls, once per rollout, and no 30 s lost where instances boot fast); then at the estimate.
core::Time ExpectedReady(core::Time since, core::Time now, const RolloutState& s) {
  core::Duration boot = BootEstimate(s);
  if (!s.boot_samples.empty()) return since + boot;
  return since + std::clamp<core::Duration>(2 * (now - since), kMinPoll, boot);
}

// A failure while rolling forward winds up by the policy; while rolling back, it pauses.
Step Fail(const View& v, const Policy& p, const RolloutState& s, const std::string& reason) {
  Step st = Make(Kind::kWindUp);
  st.reason = reason;
  if (s.phase == Phase::kRollingBack) {
    st.outcome = Outcome::kPaused;
    st.reason = "rollback could not finish: " + reason;
    return st;
  }
  switch (p.on_failure) {
    case OnFailure::kPause:
      st.outcome = Outcome::kPaused;
      break;
    case OnFailure::kAbort:
      st.outcome = Outcome::kAborted;
      break;
    case OnFailure::kRollback:
      st.outcome = Outcome::kRolledBack;
      for (const Member& m : v.members) {
        if (IsNew(s, m.id)) st.ids.push_back(m.id);  // back out every new member
      }
      break;
  }
  return st;
}

std::optional<Step> CheckFailure(const View& v, const Policy& p, const RolloutState& s) {
  if (s.interrupted) {
    Step st = Make(Kind::kWindUp);
    st.outcome = Outcome::kAborted;
    st.reason = "interrupted: sizes and processes restored, instances left as they are";
    return st;
  }
  if (s.rollback_requested && s.phase == Phase::kRolling) {
    Policy back = p;
    back.on_failure = OnFailure::kRollback;
    return Fail(v, back, s, "rollback requested");
  }
  if (!s.error.empty()) return Fail(v, p, s, s.error);
  if (!s.expected_launches.empty() && v.now - s.expected_launches.front() >= p.health_timeout) {
    return Fail(v, p, s,
                "the group did not launch the instances it was asked for within "
                "--health-timeout (is Launch suspended, or the account out of capacity?)");
  }
  if (s.deadline && v.now >= *s.deadline) {
    return Fail(v, p, s, fmt::format("the --deadline passed before the rollout finished"));
  }
  for (const Member& m : v.members) {
    if (!IsNew(s, m.id) || IsVictim(s, m.id)) continue;
    if (s.failed.count(m.id)) return WithIds(Kind::kTerminate, {m.id}, /*decrement=*/false);
    if (m.unhealthy) return WithIds(Kind::kMarkFailed, {m.id});
  }
  if (s.failed_launches > p.max_failed_launches) {
    return Fail(v, p, s,
                fmt::format("{} new instances failed (--max-failed-launches {})", s.failed_launches,
                            p.max_failed_launches));
  }
  for (const Member* m : Pending(v, p, s)) {
    auto seen = s.seen.find(m->id);
    if (seen != s.seen.end() && v.now - seen->second >= p.health_timeout && !m->ready) {
      return Fail(
          v, p, s,
          fmt::format("new instance {} was not ready within --health-timeout {}s", m->id,
                      std::chrono::duration_cast<std::chrono::seconds>(p.health_timeout).count()));
    }
  }
  return std::nullopt;
}

// Detached instances are out of the group and out of the load balancers once drained, so their
// EC2 termination may wait a little to be batched: with max-surge 1 one call for two instances
// instead of one each (a cycle of 60 s then costs about 5 calls instead of 6, for about 30 s more
// of an idle instance). Never longer than kTerminateWindow, and not once nothing is left to
// detach.
bool TerminateDrainedNow(const View& v, const RolloutState& s,
                         const std::vector<std::string>& ids) {
  if (ids.size() >= 2 || Remaining(v, s).empty()) return true;
  return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
    return s.draining.at(id) + kTerminateWindow <= v.now;
  });
}

std::optional<Step> Housekeeping(const View& v, const Policy& p, const RolloutState& s) {
  std::vector<std::string> missing;
  for (const std::string& proc : ProcessesToSuspend(p.strategy)) {
    if (!Contains(s.original.suspended, proc) && !s.suspended_by_us.count(proc)) {
      missing.push_back(proc);
    }
  }
  if (!missing.empty()) {
    Step st = Make(Kind::kSuspend);
    st.processes = missing;
    return st;
  }
  int desired = TargetDesired(p, s);
  int max = std::max(s.original.max, desired);
  if (v.desired != desired || v.max < max) {
    Step st = Make(Kind::kSetSizes);
    st.sizes.desired = desired;
    if (v.max < max) st.sizes.max = max;
    return st;
  }
  std::vector<std::string> detached_done, deregistered_done;
  for (const auto& [id, until] : s.draining) {
    if (until > v.now) continue;
    (s.deregistered.count(id) ? deregistered_done : detached_done).push_back(id);
  }
  if (!detached_done.empty() && TerminateDrainedNow(v, s, detached_done)) {
    return WithIds(Kind::kTerminateDetached, detached_done);
  }
  // A drained member someone else terminated meanwhile is simply gone.
  std::vector<std::string> gone, to_terminate;
  for (const std::string& id : deregistered_done) (Find(v, id) ? to_terminate : gone).push_back(id);
  if (!gone.empty()) return WithIds(Kind::kForget, gone);
  if (!to_terminate.empty()) return WithIds(Kind::kTerminate, to_terminate, false);
  return std::nullopt;
}

// How many more victims may leave now, and which.
std::vector<std::string> Pick(const View& v, const RolloutState& s, int allowed_ready) {
  std::vector<std::string> out;
  bool baked = s.bake_until && v.now >= *s.bake_until;
  int limit = s.canary_left < 0 || baked ? INT_MAX : s.canary_left;
  std::vector<std::string> remaining = Remaining(v, s);
  // Broken victims first: taking them out costs nothing. A victim that serves (even one still
  // warming up, which does not count towards the budget) costs one of the allowed.
  for (const std::string& id : remaining) {
    const Member* m = Find(v, id);
    if (static_cast<int>(out.size()) < limit && m && !m->ready) out.push_back(id);
  }
  for (const std::string& id : remaining) {
    const Member* m = Find(v, id);
    if (static_cast<int>(out.size()) >= limit || allowed_ready <= 0) break;
    if (m && m->ready) {
      out.push_back(id);
      --allowed_ready;
    }
  }
  return out;
}

std::optional<Step> Remove(const View& v, const Policy& p, const RolloutState& s) {
  int ready = ReadyCount(v, p, s);
  int allowed = ready - s.budget.min_healthy;
  if (p.strategy == Strategy::kDouble && s.phase == Phase::kRolling) {
    bool in_canary = s.canary_left > 0 && !s.bake_until;
    int want_new = in_canary ? s.canary_left : static_cast<int>(Remaining(v, s).size());
    int new_ready = 0;
    for (const Member& m : v.members) {
      new_ready += IsNew(s, m.id) && !IsVictim(s, m.id) && CountsReady(v, p, s, m);
    }
    if (new_ready < want_new) return std::nullopt;
  }
  std::vector<std::string> picked = Pick(v, s, allowed);
  if (picked.empty()) return std::nullopt;
  if (p.strategy == Strategy::kReplace) {
    // A victim that serves nothing (still booting, or broken) has nothing to drain; and
    // deregistering one that is not registered yet would not stop the group registering it.
    std::vector<std::string> idle, serving;
    for (const std::string& id : picked) (Find(v, id)->ready ? serving : idle).push_back(id);
    if (!idle.empty() || (p.drain && p.drain->count() == 0)) {
      return WithIds(Kind::kTerminate, idle.empty() ? serving : idle, false);
    }
    return WithIds(Kind::kDeregister, serving);
  }
  // The last `surge` victims leave with decrement, so desired returns to the original and
  // rotor, not the group's termination policy, chooses every victim. Counted on what remains,
  // so that a victim someone else terminated does not shift the count.
  int remaining = static_cast<int>(Remaining(v, s).size());
  int decrements_left = s.surge - s.decrements;
  auto decrement_at = [&](int k) { return remaining - k <= decrements_left; };
  bool decrement = decrement_at(0);
  std::vector<std::string> batch;
  for (const std::string& id : picked) {
    if (decrement_at(static_cast<int>(batch.size())) != decrement) break;
    batch.push_back(id);
  }
  return WithIds(Kind::kDetach, batch, decrement);
}

std::optional<Step> Canary(const View& v, const Policy& p, const RolloutState& s) {
  if (s.canary_left != 0 || p.canary <= 0) return std::nullopt;
  if (!Pending(v, p, s).empty() || !s.draining.empty()) return Make(Kind::kWait);
  if (!s.bake_until) {
    Step st = Make(Kind::kBake);
    st.until = v.now + p.bake;
    return st;
  }
  return std::nullopt;
}

Step Wait(const View& v, const Policy& p, const RolloutState& s) {
  core::Time best = core::Time::max();
  bool observe = false;
  auto consider = [&](core::Time t, bool needs_observation) {
    if (t < best) {
      best = t;
      observe = needs_observation;
    } else if (t == best) {
      observe |= needs_observation;
    }
  };
  core::Duration boot = BootEstimate(s);
  // A drained instance held for batching needs no wake-up of its own: every wait is at most
  // kMaxPoll, shorter than kTerminateWindow.
  for (const auto& [id, until] : s.draining) {
    if (until > v.now) consider(until, false);
  }
  if (s.bake_until && *s.bake_until > v.now) consider(*s.bake_until, false);
  if (s.deadline) consider(*s.deadline, true);
  for (core::Time t : s.expected_launches) consider(ExpectedReady(t, v.now, s), true);
  for (const Member* m : Pending(v, p, s)) {
    auto seen = s.seen.find(m->id);
    core::Time since = seen == s.seen.end() ? v.now : seen->second;
    auto ready = s.ready_since.find(m->id);
    if (ready != s.ready_since.end()) {
      consider(ready->second + p.warmup, true);
    } else if (since + boot > v.now) {
      consider(ExpectedReady(since, v.now, s), true);
    } else {
      // Later than the estimate: poll more often early, less often as it drags on.
      auto late = std::clamp<core::Duration>((v.now - since) / 8, kMinPoll, kMaxPoll);
      consider(v.now + late, true);
    }
    consider(since + p.health_timeout, true);
  }
  if (best == core::Time::max()) {
    best = v.now + 10s;
    observe = true;
  }
  Step st = Make(Kind::kWait);
  st.until = std::clamp(best, v.now + kMinPoll, v.now + kMaxPoll);
  st.observe = observe || st.until == v.now + kMaxPoll;
  return st;
}

// Winding up towards an outcome: release drained instances, resume processes, restore sizes.
Step WindingUp(const View& v, const Policy& p, const RolloutState& s) {
  if (s.outcome == Outcome::kPaused) {
    Step st = Make(Kind::kFinish);
    st.outcome = Outcome::kPaused;
    return st;
  }
  // The group first: processes and sizes as they were. Then the instances still draining are
  // terminated once drained (a second Ctrl-C meanwhile leaves only them behind).
  if (!s.suspended_by_us.empty()) {
    Step st = Make(Kind::kResume);
    st.processes = {s.suspended_by_us.begin(), s.suspended_by_us.end()};
    return st;
  }
  if (v.min != s.original.min || v.max != s.original.max || v.desired != s.original.desired) {
    Step st = Make(Kind::kSetSizes);
    st.sizes = {s.original.min, s.original.max, s.original.desired};
    return st;
  }
  std::vector<std::string> detached, deregistered, still_draining;
  for (const auto& [id, until] : s.draining) {
    if (until > v.now)
      still_draining.push_back(id);
    else
      (s.deregistered.count(id) ? deregistered : detached).push_back(id);
  }
  if (!detached.empty()) return WithIds(Kind::kTerminateDetached, detached);
  if (!deregistered.empty()) return WithIds(Kind::kTerminate, deregistered, false);
  if (!still_draining.empty()) return Wait(v, p, s);
  Step st = Make(Kind::kFinish);
  st.outcome = s.outcome;
  return st;
}

bool Finished(const View& v, const Policy& p, const RolloutState& s) {
  return Remaining(v, s).empty() && s.draining.empty() && Pending(v, p, s).empty() &&
         s.expected_launches.empty();
}

}  // namespace

std::vector<std::string> ProcessesToSuspend(Strategy strategy) {
  std::vector<std::string> out = {"AZRebalance", "AlarmNotification", "ScheduledActions"};
  if (strategy == Strategy::kDouble) out.push_back("ReplaceUnhealthy");
  return out;
}

const std::vector<std::string>& RequiredProcesses() {
  static const std::vector<std::string> k = {"Launch", "Terminate", "HealthCheck",
                                             "AddToLoadBalancer"};
  return k;
}

Step NextStep(const View& v, const Policy& p, const RolloutState& s) {
  if (s.outcome != Outcome::kNone) return WindingUp(v, p, s);
  if (auto st = CheckFailure(v, p, s)) return *st;
  if (auto st = Housekeeping(v, p, s)) return *st;
  if (auto st = Canary(v, p, s)) {
    if (st->kind != Kind::kWait) return *st;
    return Wait(v, p, s);
  }
  if (s.bake_until && v.now < *s.bake_until) return Wait(v, p, s);
  if (auto st = Remove(v, p, s)) {
    if (v.fresh) return *st;
    // Never take instances out on a view patched from rotor's own acts: look first.
    Step look = Make(Kind::kWait);
    look.until = v.now;
    look.observe = true;
    return look;
  }
  if (Finished(v, p, s)) {
    Step st = Make(Kind::kWindUp);
    st.outcome = s.phase == Phase::kRollingBack ? Outcome::kRolledBack : Outcome::kCompleted;
    return st;
  }
  return Wait(v, p, s);
}

}  // namespace rotor::rollout
