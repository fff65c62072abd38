// SimCloud: a deterministic discrete-event simulation of EC2, Auto Scaling, load balancers and
// their health checks, and CloudFormation stacks, behind the same cloud::Cloud interface as
// AwsCloud (DESIGN.md section 6). Time is virtual: rotor sleeps on clock(), which runs events.
// Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "cloud/cloud.h"
#include "cloud/pacer.h"
#include "cloud/retry.h"
#include "core/rng.h"
#include "sim/event_queue.h"
#include "sim/scenario.h"

namespace rotor::sim {

struct TraceEvent {
  core::Time t;
  std::string kind;    // launch, running, terminate, terminated, detach, deregister, ...
  std::string detail;  // instance, group, API operation
};

class SimCloud final : public cloud::Provider {
 public:
  // REQUIRES: `scenario` came from LoadScenario / ParseScenario (validated).
  explicit SimCloud(const Scenario& scenario);
  ~SimCloud() override;

  // The virtual clock every caller must sleep on.
  core::Clock& clock() { return clock_; }
  core::Time start() const { return start_; }

  // cloud::Groups, GroupChanges, Instances, Images, Stacks
  core::Result<std::vector<cloud::Group>> ObserveGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> PollGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> ListGroups(
      const std::vector<std::string>& names) override;
  core::Result<cloud::Stack> DescribeStack(const std::string& name) override;
  core::Result<std::vector<cloud::Instance>> ListInstances(
      const std::vector<std::string>& ids) override;
  core::Result<std::vector<cloud::Image>> DescribeImages(
      const std::vector<std::string>& ids) override;
  core::Result<std::vector<cloud::Image>> FindImages(const cloud::ImageQuery& query) override;
  core::Result<core::Duration> DrainTime(const std::string& group) override;
  core::Result<cloud::Surroundings> DescribeSurroundings(const std::string& group) override;
  core::Result<cloud::LaunchRoom> RoomFor(const std::string& instance_type) override;
  core::Status SetSizes(const std::string& group, const cloud::Sizes& sizes) override;
  core::Status SetLaunchSpec(const std::string& group, const cloud::LaunchSpec& spec) override;
  core::Status SuspendProcesses(const std::string& group,
                                const std::vector<std::string>& p) override;
  core::Status ResumeProcesses(const std::string& group,
                               const std::vector<std::string>& p) override;
  core::Status TerminateInstance(const std::string& instance_id, bool decrement) override;
  core::Status DetachInstances(const std::string& group, const std::vector<std::string>& ids,
                               bool decrement) override;
  core::Status Deregister(const std::string& group, const std::vector<std::string>& ids) override;
  core::Status TerminateInstances(const std::vector<std::string>& ids) override;

  // cloud::LaunchSpecs (sim_launch_specs.cc)
  core::Result<cloud::LaunchData> ReadLaunchData(const cloud::LaunchSpec& spec) override;
  core::Result<std::string> DefaultVersion(const std::string& template_id) override;
  core::Result<std::optional<std::string>> FindVersion(const std::string& template_id,
                                                       const std::string& description) override;
  core::Result<std::string> CreateVersion(const std::string& template_id,
                                          const cloud::LaunchData& data,
                                          const std::string& description) override;
  core::Status SetDefaultVersion(const std::string& template_id,
                                 const std::string& version) override;
  core::Status CreateConfiguration(const std::string& name, const cloud::LaunchData& data) override;

  // cloud::Stacks (sim_stacks.cc)
  core::Result<cloud::StackSettings> ReadSettings(const std::string& name) override;
  core::Result<cloud::TemplateSummary> Summarize(const std::string& template_body) override;
  core::Result<cloud::ChangeSet> PrepareChange(const cloud::StackChange& change) override;
  core::Result<cloud::ChangeSet> ReadChange(const std::string& stack,
                                            const std::string& id) override;
  core::Status ApplyChange(const std::string& stack, const std::string& id) override;
  core::Status DropChange(const std::string& stack, const std::string& id) override;
  core::Result<std::string> CreateStack(const cloud::StackChange& change) override;
  core::Result<std::vector<cloud::StackEvent>> Events(const std::string& stack,
                                                      const std::string& after_id) override;
  core::Status CancelUpdate(const std::string& stack) override;

  // Every group as it is now, without API calls or latency: for invariant checks and tests.
  std::vector<cloud::Group> Peek() const;
  // Whether the application on the instance with this private address answers now (running,
  // booted, not failed, its zone up): what a custom probe from rotor's machine would see.
  bool AppAnswers(const std::string& address) const;
  // An instance's EC2 state now ("" if unknown), without API calls.
  std::string PeekState(const std::string& instance_id) const;
  // Invariant violations found by whoever watches the simulation (reported by simulate).
  void AddViolation(std::string v) { violations_.push_back(std::move(v)); }
  const std::vector<std::string>& violations() const { return violations_; }

  // The run's ceiling on requests per second per service (--max-rps): every call, and every
  // retry of one, waits its turn as AwsClient does on the real wire (I9). Default 10; <= 0:
  // none.
  void SetRequestCeiling(double ceiling) {
    ceiling_ = ceiling;
    pacer_ = cloud::RequestPacer(ceiling);
  }
  double request_ceiling() const { return ceiling_; }

  // Accounting and results.
  const std::map<std::string, int>& api_calls() const { return api_calls_; }
  // Every request sent (retries included), with its service and when it left, in time order.
  const std::vector<cloud::TimedCall>& calls() const { return calls_; }
  int api_calls_total() const;
  const std::vector<TraceEvent>& trace() const { return trace_; }
  std::string TraceText() const;   // one line per event
  uint64_t TraceHash() const;      // FNV-1a of TraceText()
  double InstanceSeconds() const;  // every instance's running time since the start, so far
  int min_ready_observed() const { return min_ready_observed_; }  // -1 before any observation
  uint64_t events_executed() const { return queue_.executed(); }
  bool crashed() const { return crashed_; }
  size_t instances_known() const { return insts_.size(); }  // initial and launched, all told
  int changes() const { return changes_; }                  // mutating calls so far
  // The next rotor process after a crash: calls go through again (the crash fault fires once).
  void Revive() {
    crashed_ = false;
    crash_after_ = 0;
  }

 private:
  struct Inst;
  struct Grp;
  struct Lb;
  struct Target;
  struct Tmpl;
  struct SimStack;

  // Stacks (sim_stacks.cc).
  void BuildStacks(const Scenario& s);
  SimStack* FindStack(const std::string& name);
  core::Result<SimStack*> ExistingStack(const std::string& name);
  void StackEvent(SimStack& s, const std::string& logical, const std::string& type,
                  const std::string& status, const std::string& reason = "");
  void FinishUpdate(SimStack& s, int generation);
  void FinishRollback(SimStack& s, int generation, bool fails);
  void PointGroupsAtParameters(SimStack& s, const std::vector<cloud::StackParameter>& before);
  bool UpdateFails(const SimStack& s);

  // World.
  void Build(const Scenario& s);
  void PlaceInitialInstances(int group);
  int NewInstance(int group, const std::string& zone, const std::string& image,
                  const cloud::LaunchSpec& spec, core::Time launched);
  void Launch(int group);
  void BecomeRunning(int inst);
  void StartTermination(int inst, const std::string& why);
  void RemoveFromGroup(int inst);
  void Register(int inst, int lb, core::Time t);
  void Drain(int inst, core::Time t);
  void Reconcile(int group);
  std::map<std::string, int> ZoneCounts(const Grp& g) const;
  std::string PickZone(const Grp& g) const;
  int PickVictim(const Grp& g, const std::string& zone) const;
  void Rebalance(int group);
  void ScheduleFaults(const Scenario& s);
  void WatchHealth(int inst);
  void Trace(const std::string& kind, const std::string& detail);

  // Health (closed form: no event per health check).
  std::string TargetState(const Lb& lb, int inst, core::Time t) const;
  bool Ready(int inst, core::Time t) const;
  bool ZoneDown(const std::string& zone, core::Time t) const;

  // The API surface: latency, accounting, throttling, injected errors, retries.
  core::Status Api(const std::string& service, const std::string& op, bool mutating);
  core::Status Injected(const std::string& service, bool* throttled);
  // Whether an endpoint_outage fault cuts `service` off now; `mutating`: the call is a change
  // (an outage `at_step` begins at its change).
  bool Unreachable(const std::string& service, bool mutating);

  // Model helpers.
  core::Result<int> GroupIndex(const std::string& name) const;
  int InstanceIndex(const std::string& id) const;  // -1 if unknown
  cloud::Group Describe(int group, bool with_details, core::Time t) const;
  cloud::Instance DescribeInstance(int inst, bool with_health, core::Time t) const;
  cloud::LaunchSpec CurrentSpec(const Grp& g) const;
  core::Result<Tmpl*> TemplateById(const std::string& id);
  std::string ImageOf(const cloud::LaunchSpec& spec, const Grp& g) const;

  EventQueue queue_;
  SimClock clock_;
  core::Time start_;
  Timing timing_;
  std::string region_;
  int on_demand_vcpus_ = 0;
  core::SeededRng world_rng_;  // boot times, faults, victims
  core::SeededRng retry_rng_;  // retry jitter, apart so that retries do not shift the world
  cloud::RetryQuota quota_;
  cloud::RetryConfig retry_config_;

  std::vector<ImageSpec> images_;
  std::vector<std::unique_ptr<Inst>> insts_;
  std::vector<std::unique_ptr<Grp>> groups_;
  std::vector<std::unique_ptr<Lb>> lbs_;
  std::vector<std::unique_ptr<Tmpl>> templates_;
  std::map<std::string, cloud::LaunchData> configurations_;  // by name
  std::vector<std::unique_ptr<SimStack>> stacks_;
  std::unordered_map<std::string, int> group_by_name_;
  std::vector<Fault> faults_;

  struct Bucket {
    double tokens = 0;
    double refill_per_s = 0;
    int capacity = 0;
    core::Time last{};
  };
  std::map<std::string, Bucket> buckets_;  // by service
  int mutating_calls_ = 0;
  int changes_ = 0;                            // mutating calls made, for endpoint_outage at_step
  std::map<size_t, core::Time> outage_began_;  // endpoint_outage faults by index, once begun
  double ceiling_ = cloud::kDefaultRequestCeiling;
  cloud::RequestPacer pacer_{cloud::kDefaultRequestCeiling};
  std::vector<cloud::TimedCall> calls_;
  int crash_after_ = 0;  // 0: never
  bool crashed_ = false;

  std::map<std::string, int> api_calls_;
  std::vector<TraceEvent> trace_;
  int min_ready_observed_ = -1;
  std::vector<std::string> violations_;
};

}  // namespace rotor::sim
