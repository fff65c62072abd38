// Load balancer health in closed form: the state of a target at any time follows from its
// registration, the interval and thresholds, when its application came up, and when it was
// down — so no event is needed per health check, and 10,000 targets cost nothing until read.
#include <fmt/format.h>

#include <algorithm>

#include "sim/world.h"

namespace rotor::sim {
namespace {

struct Window {
  core::Time from;
  core::Time to;  // kNever: for good
};

// The first check at or after `t`; checks run at registered + k × interval, k >= 0.
core::Time CheckAtOrAfter(core::Time registered, core::Duration interval, core::Time t) {
  if (t <= registered) return registered;
  if (t == kNever) return kNever;
  auto k = (t - registered + interval - core::Duration(1)) / interval;
  return registered + k * interval;
}

core::Time Plus(core::Time t, core::Duration d) { return t == kNever ? kNever : t + d; }

}  // namespace

bool World::ZoneDown(const std::string& zone, core::Time t) const {
  for (const Fault& f : faults_) {
    if (f.kind == Fault::Kind::kZoneOutage && f.zone == zone && t >= start_ + f.at &&
        t < start_ + f.at + f.length) {
      return true;
    }
  }
  return false;
}

// Worked example (ALB, interval 10 s, unhealthy threshold 2): registered at 20 s, application
// up at 60 s -> checks at 20, 30, ..., 60 -> "initial" until 60 s, healthy from then on. A boot
// failure: the checks from 60 s on fail, "unhealthy" from the 2nd failure at 70 s.
std::string World::TargetState(const Lb& lb, int i, core::Time t) const {
  bool classic = lb.spec.type == LoadBalancerSpec::Type::kElb;
  const char* healthy = classic ? "InService" : "healthy";
  const char* unhealthy = classic ? "OutOfService" : "unhealthy";
  auto it = lb.targets.find(i);
  if (it == lb.targets.end() || t < it->second.registered)
    return classic ? "OutOfService" : "unused";
  const Target& tg = it->second;
  const Inst& in = *insts_[i];
  if (std::find(lb.spec.zones.begin(), lb.spec.zones.end(), in.zone) == lb.spec.zones.end()) {
    return classic ? "OutOfService" : "unused";  // the load balancer is not in its zone
  }
  if (t >= tg.deregistered) {
    if (t < tg.deregistered + lb.spec.deregistration_delay)
      return classic ? "OutOfService" : "draining";
    return classic ? "OutOfService" : "unused";
  }
  const core::Duration every = lb.spec.interval;
  const auto fail_checks = (lb.spec.unhealthy_threshold - 1) * every;
  const auto pass_checks = (lb.spec.healthy_threshold - 1) * every;
  core::Time first_pass = CheckAtOrAfter(tg.registered, every, in.app_up);
  if (t < first_pass) {
    // Still booting: "initial". Never booting: unhealthy once the checks that should have
    // passed have failed `unhealthy_threshold` times.
    core::Time gives_up = Plus(CheckAtOrAfter(tg.registered, every, in.app_expected), fail_checks);
    return t >= gives_up ? unhealthy : (classic ? "OutOfService" : "initial");
  }
  std::vector<Window> down;
  if (in.fails_at != kNever) down.push_back({in.fails_at, kNever});
  for (const Fault& f : faults_) {
    if (f.kind == Fault::Kind::kZoneOutage && f.zone == in.zone) {
      down.push_back({start_ + f.at, start_ + f.at + f.length});
    }
  }
  std::sort(down.begin(), down.end(), [](auto& a, auto& b) { return a.from < b.from; });
  for (const Window& w : down) {
    if (w.to <= first_pass) continue;
    core::Time failing = CheckAtOrAfter(tg.registered, every, std::max(w.from, first_pass));
    core::Time recovered = CheckAtOrAfter(tg.registered, every, w.to);
    core::Time unhealthy_at = failing + fail_checks;
    if (unhealthy_at >= recovered) continue;  // too few failed checks in a row
    if (t < unhealthy_at) return healthy;
    if (t < Plus(recovered, pass_checks)) return unhealthy;
  }
  return healthy;
}

bool World::Ready(int i, core::Time t) const {
  const Inst& in = *insts_[i];
  if (in.group < 0 || in.state != Ec2State::kRunning) return false;
  for (int lb : groups_[in.group]->lbs) {
    std::string s = TargetState(*lbs_[lb], i, t);
    if (s != "healthy" && s != "InService") return false;
  }
  return true;
}

// With ELB health checks, the group replaces a member its load balancer reports unhealthy once
// the grace period is over (unless ReplaceUnhealthy or HealthCheck is suspended).
void World::WatchHealth(int i) {
  const Inst& in = *insts_[i];
  const Grp& g = *groups_[in.group];
  if (g.spec.health_check_type != "ELB" || g.lbs.empty()) return;
  const Lb& lb = *lbs_[g.lbs.front()];
  const Target& tg = lb.targets.at(i);
  core::Duration fail_checks = (lb.spec.unhealthy_threshold - 1) * lb.spec.interval;
  core::Time first_pass = CheckAtOrAfter(tg.registered, lb.spec.interval, in.app_up);
  core::Time bad = Plus(
      CheckAtOrAfter(tg.registered, lb.spec.interval,
                     first_pass == kNever ? in.app_expected : std::max(in.fails_at, first_pass)),
      fail_checks);
  if (bad == kNever) return;
  core::Time when = std::max(bad, in.launched + g.spec.health_check_grace);
  queue_.At(when, [this, i] {
    Inst& now = *insts_[i];
    if (now.group < 0 || Ready(i, clock_.Now())) return;
    Grp& group = *groups_[now.group];
    if (group.Suspended("ReplaceUnhealthy") || group.Suspended("HealthCheck")) return;
    int index = now.group;
    StartTermination(i, "unhealthy in " + group.spec.name + "'s load balancer, replaced");
    Reconcile(index);
  });
}

}  // namespace rotor::sim
