// SimCloud: the world, its services, and what the simulation reports without API calls.
#include "sim/sim_cloud.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/world.h"

namespace rotor::sim {

SimCloud::SimCloud(const Scenario& s)
    : world_(std::make_unique<World>(s)),
      sim_groups_(*world_),
      sim_group_changes_(*world_),
      sim_instances_(*world_),
      sim_images_(*world_),
      sim_launch_specs_(*world_),
      sim_stacks_(*world_),
      sim_addresses_(*world_),
      sim_dns_(*world_),
      sim_volumes_(*world_),
      cloud_{.groups = sim_groups_,
             .group_changes = sim_group_changes_,
             .instances = sim_instances_,
             .images = sim_images_,
             .launch_specs = sim_launch_specs_,
             .stacks = sim_stacks_,
             .addresses = sim_addresses_,
             .dns = sim_dns_,
             .volumes = sim_volumes_} {}

SimCloud::~SimCloud() = default;

core::Clock& SimCloud::clock() { return world_->clock_; }
core::Time SimCloud::start() const { return world_->start_; }

std::vector<cloud::Group> SimCloud::Peek() const {
  std::vector<cloud::Group> out;
  for (size_t g = 0; g < world_->groups_.size(); ++g) {
    out.push_back(
        world_->Describe(static_cast<int>(g), /*with_details=*/true, world_->clock_.now()));
  }
  return out;
}

bool SimCloud::AppAnswers(const std::string& address) const {
  core::Time t = world_->clock_.now();
  for (const auto& in : world_->insts_) {
    if (in->private_ip != address) continue;
    return in->state == Ec2State::kRunning && t >= in->app_up && t < in->fails_at &&
           !world_->ZoneDown(in->zone, t);
  }
  return false;
}

std::string SimCloud::PeekState(const std::string& id) const {
  int i = world_->InstanceIndex(id);
  return i < 0 ? "" : StateName(world_->insts_[i]->state);
}

void SimCloud::AddViolation(std::string v) { world_->violations_.push_back(std::move(v)); }

const std::vector<std::string>& SimCloud::violations() const { return world_->violations_; }

void SimCloud::SetRequestCeiling(double ceiling) {
  world_->ceiling_ = ceiling;
  world_->pacer_ = cloud::RequestPacer(ceiling);
}

double SimCloud::request_ceiling() const { return world_->ceiling_; }

const std::map<std::string, int>& SimCloud::api_calls() const { return world_->api_calls_; }

const std::vector<cloud::TimedCall>& SimCloud::calls() const { return world_->calls_; }

int SimCloud::api_calls_total() const {
  int total = 0;
  for (const auto& [k, n] : world_->api_calls_) total += n;
  return total;
}

const std::vector<TraceEvent>& SimCloud::trace() const { return world_->trace_; }

std::string SimCloud::TraceText() const {
  std::string out;
  for (const TraceEvent& e : world_->trace_) {
    double s = std::chrono::duration<double>(e.t - world_->start_).count();
    out += fmt::format("{:.3f} {} {}\n", s, e.kind, e.detail);
  }
  return out;
}

uint64_t SimCloud::TraceHash() const {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : TraceText()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

double SimCloud::InstanceSeconds() const {
  double total = 0;
  for (const auto& in : world_->insts_) {
    core::Time from = std::max(in->launched, world_->start_);
    core::Time to = std::min(in->terminated_at, world_->clock_.now());
    if (to > from) total += std::chrono::duration<double>(to - from).count();
  }
  return total;
}

int SimCloud::min_ready_observed() const { return world_->min_ready_observed_; }
uint64_t SimCloud::events_executed() const { return world_->queue_.executed(); }
bool SimCloud::crashed() const { return world_->crashed_; }
size_t SimCloud::instances_known() const { return world_->insts_.size(); }
int SimCloud::changes() const { return world_->changes_; }

void SimCloud::Revive() {
  world_->crashed_ = false;
  world_->crash_after_ = 0;
}

}  // namespace rotor::sim
