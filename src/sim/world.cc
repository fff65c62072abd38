// The world: building it from a scenario, and how it moves: launches, boots,
// terminations, the group's own reconciliation, and scheduled faults.
#include "sim/world.h"

#include <fmt/format.h>

#include <algorithm>

namespace rotor::sim {

std::string StateName(Ec2State s) {
  switch (s) {
    case Ec2State::kPending:
      return "pending";
    case Ec2State::kRunning:
      return "running";
    case Ec2State::kShuttingDown:
      return "shutting-down";
    case Ec2State::kTerminated:
      return "terminated";
    case Ec2State::kStopping:
      return "stopping";
    case Ec2State::kStopped:
      return "stopped";
  }
  return "unknown";
}

World::World(const Scenario& s)
    : clock_(s.start, queue_),
      start_(s.start),
      timing_(s.timing),
      region_(s.region),
      on_demand_vcpus_(s.on_demand_vcpus),
      world_rng_(s.seed),
      retry_rng_(s.seed ^ 0x9e3779b97f4a7c15ULL),
      images_(s.images),
      faults_(s.faults),
      commands_(s.commands),
      remote_rng_(s.seed ^ 0x5bd1e9955bd1e995ULL) {
  Build(s);
  BuildHosts(s);
  ScheduleFaults(s);
}

World::~World() = default;

void World::Trace(const std::string& kind, const std::string& detail) {
  trace_.push_back(TraceEvent{clock_.Now(), kind, detail});
}

void World::Build(const Scenario& s) {
  BuildStacks(s);
  for (const StackSpec& stack : s.stacks) {
    for (const GroupSpec& spec : stack.groups) {
      auto g = std::make_unique<Grp>();
      g->spec = spec;
      g->stack = stack.name;
      g->min = spec.min;
      g->max = spec.max;
      g->desired = spec.desired;
      g->suspended = {spec.suspended.begin(), spec.suspended.end()};
      if (spec.uses_template()) {
        auto t = std::make_unique<Tmpl>();
        t->id = fmt::format("lt-{:017x}", templates_.size() + 1);
        t->name = spec.template_name;
        for (const std::string& image : spec.template_versions) {
          cloud::LaunchData d;
          d.spec.kind = cloud::LaunchSpec::Kind::kTemplate;
          d.spec.template_id = t->id;
          d.spec.template_name = t->name;
          d.spec.version = d.spec.resolved_version = std::to_string(t->versions.size() + 1);
          d.image_id = image;
          d.instance_type = kSimInstanceType;
          t->versions.push_back(d);
        }
        g->tmpl = static_cast<int>(templates_.size());
        g->version = spec.group_uses;
        templates_.push_back(std::move(t));
      } else {
        g->configuration = spec.configuration_name;
        if (!configurations_.count(spec.configuration_name)) {
          cloud::LaunchData d;
          d.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
          d.spec.configuration_name = spec.configuration_name;
          d.image_id = spec.configuration_image;
          d.instance_type = kSimInstanceType;
          configurations_[spec.configuration_name] = d;
        }
      }
      int index = static_cast<int>(groups_.size());
      for (const LoadBalancerSpec& lb_spec : spec.load_balancers) {
        auto lb = std::make_unique<Lb>();
        lb->spec = lb_spec;
        if (lb->spec.zones.empty()) lb->spec.zones = spec.zones;  // enabled where the group is
        lb->id =
            lb_spec.type == LoadBalancerSpec::Type::kElb
                ? lb_spec.name
                : fmt::format("arn:aws:elasticloadbalancing:{}:123456789012:targetgroup/{}/{:016x}",
                              s.region, lb_spec.name, lbs_.size() + 1);
        g->lbs.push_back(static_cast<int>(lbs_.size()));
        lbs_.push_back(std::move(lb));
      }
      group_by_name_[spec.name] = index;
      groups_.push_back(std::move(g));
      PlaceInitialInstances(index);
    }
  }
}

// The scenario's instances: already running for `age`, healthy, spread over the zones.
void World::PlaceInitialInstances(int group) {
  Grp& g = *groups_[group];
  const GroupSpec& spec = g.spec;
  cloud::LaunchSpec ls = CurrentSpec(g);
  if (spec.uses_template()) {
    auto it = std::find(spec.template_versions.begin(), spec.template_versions.end(),
                        spec.instance_image);
    ls.version = ls.resolved_version = std::to_string(it - spec.template_versions.begin() + 1);
  } else if (spec.instance_image != spec.configuration_image) {
    ls.configuration_name = spec.configuration_name + "-previous";
  }
  ls.image_id = spec.instance_image;
  for (int n = 0; n < spec.instance_count; ++n) {
    core::Time launched = start_ - spec.instance_age + std::chrono::seconds(n);
    const std::string& zone = spec.zones[n % spec.zones.size()];
    int i = NewInstance(group, zone, spec.instance_image, ls, launched);
    Inst& in = *insts_[i];
    in.state = Ec2State::kRunning;
    in.running_at = launched + std::chrono::seconds(20);
    in.app_up = in.app_expected = in.running_at + std::chrono::seconds(40);
    g.members.push_back(i);
    for (int lb : g.lbs) Register(i, lb, in.running_at);
  }
}

int World::NewInstance(int group, const std::string& zone, const std::string& image,
                       const cloud::LaunchSpec& spec, core::Time launched) {
  int i = static_cast<int>(insts_.size());
  auto in = std::make_unique<Inst>();
  in->id = fmt::format("i-{:017x}", i + 1);
  in->group = group;
  in->zone = zone;
  in->image = image;
  in->spec = spec;
  in->launched = launched;
  in->private_ip = fmt::format("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, (i & 255));
  in->group_tag = groups_[group]->spec.name;
  in->tags = groups_[group]->spec.tags;
  in->stack_tag = groups_[group]->stack;
  insts_.push_back(std::move(in));
  VolumeSpec root;  // the image's root as it is (8 GiB gp3), under an id of its own
  root.id = fmt::format("vol-{:017x}", 0x800000 + i);
  AddVolume(i, root, /*root=*/true);
  return i;
}

void World::Launch(int group) {
  Grp& g = *groups_[group];
  cloud::LaunchSpec spec = CurrentSpec(g);
  int i = NewInstance(group, PickZone(g), spec.image_id, spec, clock_.Now());
  g.members.push_back(i);
  Inst& in = *insts_[i];
  Trace("launch", fmt::format("{} {} {}", in.id, g.spec.name, in.zone));
  core::Duration to_running = timing_.launch_to_running.Sample(world_rng_);
  queue_.At(clock_.Now() + to_running, [this, i] { BecomeRunning(i); });
}

// Running: the group counts it InService and registers it with its load balancers now; the
// application answers `boot_to_healthy` later, unless a boot_failure fault strikes.
void World::BecomeRunning(int i) {
  Inst& in = *insts_[i];
  if (in.state != Ec2State::kPending) return;
  in.state = Ec2State::kRunning;
  in.running_at = clock_.Now();
  core::Duration boot = timing_.boot_to_healthy.Sample(world_rng_);
  bool boots = true;
  core::Duration fail_after{-1};
  for (const Fault& f : faults_) {
    if (!f.image.empty() && f.image != in.image) continue;
    if (f.kind == Fault::Kind::kBootFailure && world_rng_.Uniform01() < f.probability)
      boots = false;
    if (f.kind == Fault::Kind::kUnhealthyAfter && world_rng_.Uniform01() < f.probability) {
      fail_after = f.after;
    }
  }
  in.app_expected = in.running_at + boot;
  if (boots) in.app_up = in.app_expected;
  if (boots && fail_after.count() >= 0) in.fails_at = in.app_up + fail_after;
  Trace("running", fmt::format("{}{}", in.id, boots ? "" : " (will not boot)"));
  MountFstab(i);
  if (in.group >= 0) {
    for (int lb : groups_[in.group]->lbs) Register(i, lb, in.running_at);
    WatchHealth(i);
  }
}

void World::Register(int i, int lb, core::Time t) {
  lbs_[lb]->targets[i] = Target{t, kNever};
  Inst& in = *insts_[i];
  if (std::find(in.lbs.begin(), in.lbs.end(), lb) == in.lbs.end()) in.lbs.push_back(lb);
}

void World::Drain(int i, core::Time t) {
  for (int lb : insts_[i]->lbs) {
    auto it = lbs_[lb]->targets.find(i);
    if (it != lbs_[lb]->targets.end() && it->second.deregistered == kNever) {
      it->second.deregistered = t;
    }
  }
}

void World::RemoveFromGroup(int i) {
  Inst& in = *insts_[i];
  if (in.group < 0) return;
  auto& m = groups_[in.group]->members;
  m.erase(std::remove(m.begin(), m.end(), i), m.end());
  in.group = -1;
}

void World::StartTermination(int i, const std::string& why) {
  Inst& in = *insts_[i];
  if (in.state == Ec2State::kShuttingDown || in.state == Ec2State::kTerminated) return;
  ++in.epoch;  // a pending stop or start of a host does not happen
  RemoveFromGroup(i);
  Drain(i, clock_.Now());
  in.state = Ec2State::kShuttingDown;
  Trace("terminate", fmt::format("{} {}", in.id, why));
  UnmountAll(i);
  core::Duration shutdown = timing_.shutdown.Sample(world_rng_);
  queue_.At(clock_.Now() + shutdown, [this, i] {
    Inst& done = *insts_[i];
    done.state = Ec2State::kTerminated;
    done.terminated_at = clock_.Now();
    Trace("terminated", done.id);
    ReleaseVolumes(i);
  });
}

// What an Auto Scaling group does by itself: launch up to desired (never above max), scale in
// down to desired, keep zones balanced — each unless the process is suspended.
void World::Reconcile(int group) {
  Grp& g = *groups_[group];
  if (!g.Suspended("Launch")) {
    while (static_cast<int>(g.members.size()) < std::min(g.desired, g.max)) Launch(group);
  }
  if (!g.Suspended("Terminate")) {
    while (static_cast<int>(g.members.size()) > g.desired) {
      StartTermination(PickVictim(g, ""), "scale-in by " + g.spec.name);
    }
  }
  Rebalance(group);
}

std::map<std::string, int> World::ZoneCounts(const Grp& g) const {
  std::map<std::string, int> counts;
  for (const std::string& z : g.spec.zones) {
    if (!ZoneDown(z, clock_.now())) counts[z] = 0;
  }
  if (counts.empty()) {
    for (const std::string& z : g.spec.zones) counts[z] = 0;
  }
  for (int i : g.members) {
    auto it = counts.find(insts_[i]->zone);
    if (it != counts.end()) ++it->second;
  }
  return counts;
}

std::string World::PickZone(const Grp& g) const {
  std::map<std::string, int> counts = ZoneCounts(g);
  std::string best;
  for (const std::string& z : g.spec.zones) {  // zone order breaks ties
    if (counts.count(z) && (best.empty() || counts[z] < counts[best])) best = z;
  }
  return best;
}

// The default termination policy: the fullest zone, then an instance on an older spec, then
// the oldest launch.
int World::PickVictim(const Grp& g, const std::string& zone) const {
  std::map<std::string, int> counts = ZoneCounts(g);
  std::string fullest = zone;
  if (fullest.empty()) {
    for (const std::string& z : g.spec.zones) {
      if (counts.count(z) && (fullest.empty() || counts[z] > counts[fullest])) fullest = z;
    }
  }
  std::string current = CurrentSpec(g).image_id;
  int best = -1;
  auto rank = [&](int i) {
    const Inst& in = *insts_[i];
    return std::make_tuple(in.zone != fullest, in.image == current, in.launched, i);
  };
  for (int i : g.members) {
    if (best < 0 || rank(i) < rank(best)) best = i;
  }
  return best;
}

// AZRebalance: when zones differ by more than one, terminate in the fullest; the group then
// launches into the emptiest.
void World::Rebalance(int group) {
  Grp& g = *groups_[group];
  if (g.Suspended("AZRebalance") || g.Suspended("Launch") || g.Suspended("Terminate")) return;
  for (size_t guard = 0; guard <= g.members.size(); ++guard) {
    std::map<std::string, int> counts = ZoneCounts(g);
    auto [lo, hi] = std::minmax_element(counts.begin(), counts.end(),
                                        [](auto& a, auto& b) { return a.second < b.second; });
    if (counts.empty() || hi->second - lo->second <= 1) return;
    StartTermination(PickVictim(g, hi->first), "az-rebalance of " + g.spec.name);
    if (static_cast<int>(g.members.size()) < std::min(g.desired, g.max)) Launch(group);
  }
}

void World::ScheduleFaults(const Scenario& s) {
  for (const Fault& f : s.faults) {
    switch (f.kind) {
      case Fault::Kind::kTerminate:
        queue_.At(start_ + f.at, [this, name = f.group] {
          int group = group_by_name_.at(name);
          Grp& g = *groups_[group];
          if (g.members.empty()) return;
          int victim = g.members[static_cast<size_t>(world_rng_.Uniform01() * g.members.size())];
          StartTermination(victim, "fault: terminated outside rotor");
          Reconcile(group);
        });
        break;
      case Fault::Kind::kZoneOutage:
        queue_.At(start_ + f.at, [this, z = f.zone] { Trace("zone_outage", z + " down"); });
        queue_.At(start_ + f.at + f.length,
                  [this, z = f.zone] { Trace("zone_outage", z + " up"); });
        break;
      case Fault::Kind::kThrottle: {
        std::string service = f.service == "elb" ? "elasticloadbalancing" : f.service;
        buckets_[service] = Bucket{static_cast<double>(f.bucket), f.refill_per_s, f.bucket, start_};
        break;
      }
      case Fault::Kind::kCrash:
        crash_after_ = f.after_steps;
        break;
      default:
        break;  // boot_failure, unhealthy_after, api_error act when an instance boots or a call is
                // made
    }
  }
}

}  // namespace rotor::sim
