// replace-instance: what its steps share (replace_steps.cc, replace_volumes.cc) — the plan, the
// hooks, and the ways to reach the two hosts. Internal to ops/.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "core/strings.h"
#include "ops/host_steps.h"
#include "ops/replace_instance.h"
#include "remote/disks.h"

namespace rotor::ops {

inline constexpr auto kCommandTimeout = std::chrono::minutes(30);  // one --stop/--start command

// The operation's shared state: the plan, the hooks, and how the two hosts are reached (over
// ssh by the address kind of the plan; the old host's address looked up afresh each time).
struct ReplaceCtx : HostMove {
  ReplaceCtx(cloud::Cloud& cloud, core::Clock& clock, remote::Runner& runner, ReplacePlan p,
             ReplaceHooks h)
      : HostMove(cloud, clock, runner, p.operation_id, p.old, h.keep_lease),
        plan(std::move(p)),
        hooks(std::move(h)) {}

  core::Result<remote::SshTarget> OldTarget() {
    ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(old_id()));
    return remote::SshTarget{old_id() + " (old host)", AddressOf(h, plan.address), false};
  }
  remote::SshTarget NewTarget(const cloud::Host& h) {
    return remote::SshTarget{h.instance.id + " (new host)", AddressOf(h, plan.address), true};
  }
  core::Result<std::string> Expand(const std::string& command, const cloud::Host* fresh) {
    return ExpandCommand(command, old, fresh, old.name, &hooks.env);
  }

  // Runs `commands` in order on `target`; the first that fails fails the step, with its output.
  core::Status RunAll(const remote::SshTarget& target, const std::vector<std::string>& commands,
                      const cloud::Host* fresh) {
    for (const std::string& c : commands) {
      ASSIGN_OR_RETURN(std::string command, Expand(c, fresh));
      ASSIGN_OR_RETURN(remote::CommandResult r, runner.Run(target, command, kCommandTimeout));
      if (r.exit_status != 0) {
        return StepFailed(
            fmt::format("on {}: `{}` exited {}: {}", target.name, c, r.exit_status, Tail(r)));
      }
    }
    return core::Status::Ok();
  }

  ReplacePlan plan;
  ReplaceHooks hooks;
};

// The disk, snapshot, volume and rename steps (replace_volumes.cc).
std::unique_ptr<runbook::Step> UnmountOldStep(std::shared_ptr<ReplaceCtx> c);
std::unique_ptr<runbook::Step> SnapshotStep(std::shared_ptr<ReplaceCtx> c);
std::unique_ptr<runbook::Step> MoveVolumeStep(std::shared_ptr<ReplaceCtx> c, size_t k);
std::unique_ptr<runbook::Step> MountNewStep(std::shared_ptr<ReplaceCtx> c, size_t k);
std::unique_ptr<runbook::Step> RenameStep(std::shared_ptr<ReplaceCtx> c);

}  // namespace rotor::ops
