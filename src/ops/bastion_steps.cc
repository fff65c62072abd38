// redeploy-bastion: the steps. The shared ones (launch, port waits, addresses, records, the old
// instance) are in host_steps.cc; here is what a bastion that is a group's only member needs:
// the new instance found as the group's other member, a surge of one, and leaving the group.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "ops/bastion.h"

namespace rotor::ops {
namespace {

using runbook::Check;

// The operation's shared state, with the plan: a group member's successor is the group's.
struct Ctx : HostMove {
  Ctx(cloud::Cloud& cloud, core::Clock& clock, remote::Runner& runner, BastionPlan p,
      std::function<core::Status()> keep_lease)
      : HostMove(cloud, clock, runner, p.operation_id, p.old, std::move(keep_lease)),
        plan(std::move(p)) {}

  // Launched by this operation (its tag), or the group's member other than the old one.
  core::Result<std::optional<cloud::Host>> NewHost() override {
    if (plan.group.empty()) return HostMove::NewHost();
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, cloud.groups.ListGroups({plan.group}));
    for (const cloud::Instance& i : g.empty() ? std::vector<cloud::Instance>{} : g[0].instances) {
      if (i.id == old_id() || i.lifecycle_state.rfind("Terminating", 0) == 0) continue;
      ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(i.id));
      return std::optional<cloud::Host>(std::move(h));
    }
    return std::optional<cloud::Host>();
  }

  BastionPlan plan;
};

class Surge : public runbook::Step {
 public:
  explicit Surge(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("raise group {} to {} for a new instance", c_->plan.group,
                       c_->plan.group_desired + 1);
  }
  // Asked already when desired is above what the plan found (a crash after the call).
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, c_->cloud.groups.ListGroups({c_->plan.group}));
    if (g.empty()) return Check::Blocked("group " + c_->plan.group + " no longer exists");
    return g[0].desired > c_->plan.group_desired ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    int want = c_->plan.group_desired + 1;
    return c_->cloud.group_changes.SetSizes(
        c_->plan.group, {std::nullopt, std::max(c_->plan.group_max, want), want});
  }
  // The new member goes with decrement; desired and max as the plan found them.
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto h, c_->NewHost());
    if (h) RETURN_IF_ERROR(c_->cloud.group_changes.TerminateInstance(h->instance.id, true));
    return c_->cloud.group_changes.SetSizes(
        c_->plan.group, {std::nullopt, c_->plan.group_max, c_->plan.group_desired});
  }

 private:
  std::shared_ptr<Ctx> c_;
};

// --- Leaving the group ---

class LeaveGroup : public runbook::Step {
 public:
  explicit LeaveGroup(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("take {} out of group {} with decrement; max size back to {}", c_->old_id(),
                       c_->plan.group, c_->plan.group_max);
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Group g, Group());
    bool done = !Member(g) && g.max_size == c_->plan.group_max;
    return done ? Check::Done() : Check::NotDone();
  }
  // Each half only when needed: a crash may fall between them.
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Group g, Group());
    if (Member(g)) {
      RETURN_IF_ERROR(
          c_->cloud.group_changes.DetachInstances(c_->plan.group, {c_->old_id()}, true));
    }
    return c_->cloud.group_changes.SetSizes(c_->plan.group,
                                            {std::nullopt, c_->plan.group_max, std::nullopt});
  }
  // Back into the group, with room for it (it must be running: the stop is undone first).
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Group g, Group());
    if (Member(g)) return core::Status::Ok();
    if (g.max_size < g.desired + 1) {
      RETURN_IF_ERROR(c_->cloud.group_changes.SetSizes(
          c_->plan.group, {std::nullopt, g.desired + 1, std::nullopt}));
    }
    RETURN_IF_ERROR(c_->WaitState(c_->old_id(), {"running"}).status());
    return c_->cloud.group_changes.AttachInstances(c_->plan.group, {c_->old_id()});
  }

 private:
  // From the group's own member list: the group tag an instance carries stays after
  // a detach.
  bool Member(const cloud::Group& g) const {
    return std::any_of(g.instances.begin(), g.instances.end(),
                       [&](const cloud::Instance& i) { return i.id == c_->old_id(); });
  }
  core::Result<cloud::Group> Group() {
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, c_->cloud.groups.ListGroups({c_->plan.group}));
    if (g.empty()) return StepFailed("group " + c_->plan.group + " no longer exists");
    return g[0];
  }

  std::shared_ptr<Ctx> c_;
};

}  // namespace

std::vector<std::unique_ptr<runbook::Step>> BastionSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const BastionPlan& plan,
                                                         std::function<core::Status()> keep_lease) {
  auto c = std::make_shared<Ctx>(cloud, clock, runner, plan, std::move(keep_lease));
  std::vector<std::string> eips;
  for (const cloud::ElasticIp& e : plan.addresses) eips.push_back(e.public_ip);
  std::vector<std::unique_ptr<runbook::Step>> steps;
  if (plan.group.empty()) {
    steps.push_back(LaunchLikeStep(c, plan.launch, LaunchUndo::kTerminate));
  } else {
    steps.push_back(std::make_unique<Surge>(c));
  }
  steps.push_back(WaitPortStep(c, {plan.port, plan.address, "", eips, plan.health_timeout}));
  for (const cloud::ElasticIp& e : plan.addresses) {
    steps.push_back(MoveAddressStep(c, e));
    steps.push_back(
        WaitPortStep(c, {plan.port, plan.address, e.public_ip, {}, plan.health_timeout}));
  }
  if (!plan.records.empty()) steps.push_back(UpdateRecordsStep(c, plan.records, eips));
  if (!plan.group.empty()) steps.push_back(std::make_unique<LeaveGroup>(c));
  if (plan.terminate_old) {
    steps.push_back(TerminateOldStep(c));
  } else {
    steps.push_back(StopOldStep(c, plan.old.name.empty() ? "" : plan.old.name + "-old"));
  }
  return steps;
}

}  // namespace rotor::ops
