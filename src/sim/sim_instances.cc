// SimInstances: EC2's instances in the world, the account's room, and EC2 termination.
#include "sim/sim_instances.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sim/world.h"

namespace rotor::sim {

core::Result<std::vector<cloud::Instance>> SimInstances::ListInstances(
    const std::vector<std::string>& ids) {
  std::vector<cloud::Instance> out;
  core::Time now = world_.clock_.Now();
  std::set<std::string> wanted(ids.begin(), ids.end());
  for (size_t i = 0; i < world_.insts_.size(); ++i) {
    const Inst& in = *world_.insts_[i];
    bool alive = in.state == Ec2State::kPending || in.state == Ec2State::kRunning;
    if (alive && (wanted.empty() || wanted.count(in.id))) {
      out.push_back(world_.DescribeInstance(static_cast<int>(i), /*with_health=*/false, now));
    }
  }
  for (int p = Pages(out.size(), 1000); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstances", false));
  return out;
}

core::Result<cloud::LaunchRoom> SimInstances::RoomFor(const std::string& instance_type) {
  constexpr int kVcpusPerInstance = 2;  // every simulated instance is a t3.micro
  cloud::LaunchRoom room;
  if (world_.on_demand_vcpus_ <= 0) {
    room.why_unknown = "the scenario sets no account.on_demand_vcpus";
    return room;
  }
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstances", false));
  int used = 0;
  for (const auto& in : world_.insts_) {
    if (in->state == Ec2State::kPending || in->state == Ec2State::kRunning) {
      used += kVcpusPerInstance;
    }
  }
  room.instances = std::max(0, (world_.on_demand_vcpus_ - used) / kVcpusPerInstance);
  room.detail = fmt::format("quota {} vCPUs, {} in use, {} per {}", world_.on_demand_vcpus_, used,
                            kVcpusPerInstance, instance_type);
  return room;
}

core::Status SimInstances::TerminateInstances(const std::vector<std::string>& ids) {
  RETURN_IF_ERROR(world_.Api(kEc2, "TerminateInstances", true));
  for (const std::string& id : ids) {
    int i = world_.InstanceIndex(id);
    if (i < 0) {
      return core::Status(core::Code::kNotFound, "The instance ID '" + id + "' does not exist")
          .set_aws_code("InvalidInstanceID.NotFound");
    }
    if (world_.insts_[i]->protection) {  // EC2 refuses the whole call
      return core::Status(core::Code::kFailedPrecondition,
                          fmt::format("OperationNotPermitted: The instance '{}' may not be "
                                      "terminated. Modify its 'disableApiTermination' instance "
                                      "attribute and try again.",
                                      id))
          .set_aws_code("OperationNotPermitted");
    }
  }
  for (const std::string& id : ids) {
    int i = world_.InstanceIndex(id);
    int g = world_.insts_[i]->group;
    world_.StartTermination(i, "by rotor (EC2)");
    if (g >= 0) world_.Reconcile(g);
  }
  return core::Status::Ok();
}

}  // namespace rotor::sim
