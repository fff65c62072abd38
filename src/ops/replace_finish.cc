// replace-instance's last act, later: the old host terminated by `rotor rollout finish ID`, or
// once --keep-old has passed, by the next rotor command on that host.
#include <fmt/format.h>

#include <algorithm>

#include "ops/replace_instance.h"

namespace rotor::ops {
namespace {

constexpr char kCompleted[] = "completed";

// The finish operations recorded for `of`, as their plans say.
core::Result<std::vector<journal::RolloutInfo>> FinishesOf(journal::Journal& journal,
                                                           const std::string& of) {
  ASSIGN_OR_RETURN(std::vector<journal::RolloutInfo> all, journal.ListRollouts());
  std::vector<journal::RolloutInfo> out;
  for (journal::RolloutInfo& info : all) {
    if (info.kind != journal::OperationKind::kReplaceInstance) continue;
    auto plan = ReplacePlanFromJson(info.policy);
    if (plan.ok() && plan->finish_of == of) out.push_back(std::move(info));
  }
  return out;
}

// Whether the old host may go: stopped (or stopping), and none of the moved volumes on it.
core::Status MayTerminate(const ReplacePlan& replaced, const cloud::Host& old) {
  const std::string& s = old.instance.ec2_state;
  if (s != "stopped" && s != "stopping") {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("{} is {}: someone put it back in service after {}; "
                                    "terminate it by hand if it is really not needed",
                                    old.instance.id, s, replaced.operation_id));
  }
  for (const cloud::BlockDevice& d : old.devices) {
    for (const MovedVolume& m : replaced.volumes) {
      if (d.volume_id != m.volume.id) continue;
      return core::Status(core::Code::kFailedPrecondition,
                          fmt::format("{} holds {} again (moved back by hand?): rotor never "
                                      "terminates a host with a data volume it moved",
                                      old.instance.id, m.volume.id));
    }
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<ReplacePlan> PlanFinish(cloud::Cloud& cloud, journal::Journal& journal,
                                     const std::string& of, const std::string& operation_id) {
  auto info = journal.GetRollout(of);
  if (!info.ok() && info.status().code() == core::Code::kNotFound) {
    return core::InvalidArgument(fmt::format("no operation {} in this journal", of));
  }
  if (!info.ok()) return info.status();
  if (info->kind != journal::OperationKind::kReplaceInstance) {
    return core::InvalidArgument(
        fmt::format("{} is a {} operation: `rollout finish` ends a replace-instance", of,
                    journal::OperationKindName(info->kind)));
  }
  ASSIGN_OR_RETURN(ReplacePlan replaced, ReplacePlanFromJson(info->policy));
  if (!replaced.finish_of.empty() || info->status != kCompleted) {
    return core::InvalidArgument(
        fmt::format("{} is {}: only a completed replacement has an old host to terminate", of,
                    replaced.finish_of.empty() ? info->status : "itself a finish"));
  }
  ASSIGN_OR_RETURN(std::vector<journal::RolloutInfo> finishes, FinishesOf(journal, of));
  for (const journal::RolloutInfo& f : finishes) {
    if (f.status == kCompleted) {
      return core::InvalidArgument(fmt::format("{} was finished already by {}", of, f.id));
    }
  }
  ASSIGN_OR_RETURN(cloud::Host old, cloud.instances.DescribeHost(replaced.old.instance.id));
  RETURN_IF_ERROR(MayTerminate(replaced, old));
  ReplacePlan plan;
  plan.operation_id = operation_id;
  plan.finish_of = of;
  plan.old = old;
  return plan;
}

core::Result<std::vector<std::string>> FinishesDue(journal::Journal& journal,
                                                   const cloud::Host& host, core::Time now) {
  ASSIGN_OR_RETURN(std::vector<journal::RolloutInfo> all, journal.ListRollouts());
  std::vector<std::string> due;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->kind != journal::OperationKind::kReplaceInstance || it->status != kCompleted) continue;
    auto plan = ReplacePlanFromJson(it->policy);
    if (!plan.ok() || !plan->finish_of.empty() || !plan->keep_old) continue;
    auto tag = host.instance.tags.find("rotor:operation");
    bool here = plan->old.instance.id == host.instance.id ||
                (tag != host.instance.tags.end() && tag->second == it->id);
    if (!here || now < it->updated + *plan->keep_old) continue;
    ASSIGN_OR_RETURN(std::vector<journal::RolloutInfo> finishes, FinishesOf(journal, it->id));
    bool finished = std::any_of(finishes.begin(), finishes.end(),
                                [](const auto& f) { return f.status == kCompleted; });
    if (!finished) due.push_back(it->id);
  }
  return due;
}

}  // namespace rotor::ops
