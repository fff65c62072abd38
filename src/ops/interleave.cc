#include "ops/interleave.h"

#include <algorithm>
#include <memory>

namespace rotor::ops {
namespace {

GroupOutcome OutcomeOf(const std::string& group, const rollout::Result& r) {
  return {group, r.outcome, r.reason, static_cast<int>(r.state.removed.size()),
          static_cast<int>(r.state.victims.size())};
}

class Interleaver {
 public:
  Interleaver(cloud::Cloud& cloud, core::Clock& clock, journal::Journal& journal,
              const rollout::Policy& policy, const std::vector<GroupTask>& tasks,
              const RunOptions& options)
      : cloud_(cloud),
        clock_(clock),
        journal_(journal),
        policy_(policy),
        tasks_(tasks),
        options_(options),
        outcomes_(tasks.size()) {}

  core::Result<RespawnReport> Run() {
    size_t parallel = static_cast<size_t>(std::max(1, options_.parallel));
    while (next_ < tasks_.size() || !active_.empty()) {
      while (!stop_starting_ && active_.size() < parallel && next_ < tasks_.size()) {
        RETURN_IF_ERROR(StartNext());
      }
      if (active_.empty()) break;
      auto soonest = std::min_element(active_.begin(), active_.end(), [](auto& a, auto& b) {
        return a.wake < b.wake || (a.wake == b.wake && a.index < b.index);
      });
      clock_.SleepUntil(soonest->wake);
      ASSIGN_OR_RETURN(std::optional<core::Time> wake, soonest->engine->Advance());
      if (wake) {
        soonest->wake = *wake;
        continue;
      }
      Finished(soonest->index, OutcomeOf(tasks_[soonest->index].group, soonest->engine->result()));
      active_.erase(soonest);
    }
    RespawnReport report;
    for (auto& o : outcomes_) {
      if (o) report.groups.push_back(*o);
    }
    report.outcome = worst_;
    return report;
  }

 private:
  struct Active {
    size_t index;
    std::unique_ptr<rollout::Engine> engine;
    core::Time wake;
  };

  // A group that cannot start while others roll is reported as failed, and no further group
  // starts; alone, its error is the command's.
  core::Status StartNext() {
    size_t i = next_++;
    const GroupTask& task = tasks_[i];
    const rollout::EngineOptions& eo = options_;
    auto engine = std::make_unique<rollout::Engine>(cloud_, clock_, journal_, policy_, eo);
    core::Status started =
        task.state ? engine->Resume(*task.state, task.unresolved) : engine->Start(task.group);
    if (!started.ok()) {
      if (active_.empty() || started.code() == core::Code::kAborted ||
          started.code() == core::Code::kBlocked) {
        return started;
      }
      Finished(i, {task.group, rollout::Outcome::kFailed, started.message(), 0, 0});
      return core::Status::Ok();
    }
    active_.push_back({i, std::move(engine), clock_.Now()});
    return core::Status::Ok();
  }

  // The groups not started yet are left as they are once one does not complete.
  void Finished(size_t index, GroupOutcome outcome) {
    if (outcome.outcome != rollout::Outcome::kCompleted) {
      stop_starting_ = true;
      if (worst_ == rollout::Outcome::kCompleted) worst_ = outcome.outcome;
    }
    outcomes_[index] = std::move(outcome);
  }

  cloud::Cloud& cloud_;
  core::Clock& clock_;
  journal::Journal& journal_;
  const rollout::Policy& policy_;
  const std::vector<GroupTask>& tasks_;
  const RunOptions& options_;
  std::vector<std::optional<GroupOutcome>> outcomes_;
  std::vector<Active> active_;
  size_t next_ = 0;
  bool stop_starting_ = false;
  rollout::Outcome worst_ = rollout::Outcome::kCompleted;
};

}  // namespace

core::Result<RespawnReport> RunGroups(cloud::Cloud& cloud, core::Clock& clock,
                                      journal::Journal& journal, const rollout::Policy& policy,
                                      const std::vector<GroupTask>& tasks,
                                      const RunOptions& options) {
  return Interleaver(cloud, clock, journal, policy, tasks, options).Run();
}

std::string StatusFor(rollout::Outcome outcome) {
  return outcome == rollout::Outcome::kNone ? journal::kRunning : rollout::OutcomeName(outcome);
}

}  // namespace rotor::ops
