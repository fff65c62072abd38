// The simulator's one shared world (DESIGN.md section 2): the event queue on a virtual clock,
// the seeded rngs, the instances, groups, load balancers, launch specs and stacks, the faults,
// and the API gate every simulated call passes (latency, accounting, throttling, injected
// errors, retries, pacing, the crash fault). Everything that happens by itself over time —
// launches, boots, terminations, a group's own reconciliation, health, stack updates — happens
// here; the simulated services (sim_groups.h, ...) answer calls through the gate and act on the
// world. Internal to sim/: its state is open to the services and SimCloud, which owns it.
// Not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cloud/pacer.h"
#include "cloud/retry.h"
#include "cloud/volumes.h"
#include "core/rng.h"
#include "sim/event_queue.h"
#include "sim/scenario.h"
#include "sim/sim_state.h"
#include "sim/trace.h"

namespace rotor::sim {

struct RemoteAnswer;

class World {
 public:
  // REQUIRES: `scenario` came from LoadScenario / ParseScenario (validated).
  explicit World(const Scenario& scenario);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // The API gate (world_api.cc): one call of `op` on `service` as the real wire would make it,
  // with latency in virtual time, counted, throttled or failed as configured, and retried with
  // the same decisions as cloud/retry.h. `mutating`: the call is a change.
  core::Status Api(const std::string& service, const std::string& op, bool mutating);
  void Trace(const std::string& kind, const std::string& detail);

  // Lookups and the model as the API describes it (world_api.cc).
  core::Result<int> GroupIndex(const std::string& name) const;
  int InstanceIndex(const std::string& id) const;  // -1 if unknown
  cloud::Group Describe(int group, bool with_details, core::Time t) const;
  cloud::Instance DescribeInstance(int inst, bool with_health, core::Time t) const;
  cloud::LaunchSpec CurrentSpec(const Grp& g) const;

  // How the world moves (world.cc).
  void Launch(int group);
  void StartTermination(int inst, const std::string& why);
  void RemoveFromGroup(int inst);
  void Drain(int inst, core::Time t);
  // What an Auto Scaling group does by itself: launch, scale in, rebalance zones.
  void Reconcile(int group);

  // Hosts, elastic IPs and DNS (world_hosts.cc).
  int LaunchHost(const cloud::LaunchLike& launch);  // pending; running after launch_to_running
  int InstanceByName(const std::string& id_or_name) const;  // -1 if none (not terminated)
  int InstanceByAddress(const std::string& address) const;  // private, public, EIP or IPv6
  std::string PublicIp(const Inst& in) const;               // its elastic IP, else its own
  cloud::Host HostOf(int inst, core::Time t) const;
  void Associate(size_t eip, int inst);  // inst -1: disassociate
  void Stop(int inst);
  void Start(int inst);

  // EBS volumes and snapshots (world_volumes.cc). A volume is attached, or available; an
  // instance's block devices are its attached volumes. Changes are traced.
  int VolumeIndex(const std::string& id) const;  // -1 if unknown or deleted
  cloud::Volume DescribeVolume(int vol, core::Time t) const;
  cloud::Snapshot DescribeSnapshot(const Snap& s, core::Time t) const;
  // Attaching now, attached after `timing.attach` (a volume_stuck fault may hold it).
  // REQUIRES: the volume available, the instance known.
  void BeginAttach(int vol, int inst, const std::string& device);
  // Detaching now, available after `timing.detach` (a volume_stuck fault may hold it); a volume
  // still mounted on a running instance is a violation. REQUIRES: the volume attached.
  void BeginDetach(int vol);
  // A pending snapshot of the volume's data now, completed after `timing.snapshot` (later under
  // snapshot_slow). Returns its id.
  std::string StartSnapshot(int vol, const std::string& description,
                            const std::map<std::string, std::string>& tags);
  // A pending copy of a snapshot (in the same region: the world has one), completing as a new
  // snapshot of its volume would. Returns its id.
  std::string StartCopy(const Snap& source, const std::string& description,
                        const std::map<std::string, std::string>& tags);
  // A volume `creating` now, available after `timing.create_volume`; its token remembered.
  // REQUIRES: checked as EC2 checks (SimVolumes::CreateVolume).
  std::string CreateVolume(const cloud::NewVolume& spec, int size_gib, bool encrypted);
  // Starts a change of the volume: modifying now, optimizing after `timing.modify_volume` (the
  // size, type and IOPS applied then), completed `timing.optimize_volume` later. REQUIRES:
  // checked as EBS checks (SimVolumes::ModifyVolume).
  void BeginChange(int vol, const cloud::VolumeChange& change);
  cloud::VolumeModification DescribeChange(const Vol& v, core::Time t) const;
  // What the instance's OS does to its file systems: at shutdown none stays mounted; at boot
  // its fstab entries whose volumes are attached are mounted.
  void UnmountAll(int inst);
  void MountFstab(int inst);
  void AddViolation(std::string what);  // recorded for the report, and traced

  // Remote work (sim_remote.cc): whether a host matches a glob (Name or id; "new": launched
  // during the run), and whether `port` accepts a connection now (kUnavailable with why).
  bool HostMatches(const std::string& glob, int inst) const;
  // Fills `answer`'s duration, exit status and output from the first `commands:` entry and the
  // first command_failure fault for `command` whose host glob `here` accepts.
  void Script(const std::string& command, const std::function<bool(const std::string&)>& here,
              RemoteAnswer& answer);
  bool PortClosed(int inst, int port, core::Time t) const;
  core::Status Reachable(int inst, int port, core::Time t) const;

  // Health in closed form (world_health.cc): no event per health check.
  std::string TargetState(const Lb& lb, int inst, core::Time t) const;
  bool Ready(int inst, core::Time t) const;
  bool ZoneDown(const std::string& zone, core::Time t) const;

  // CloudFormation's own progress (world_stacks.cc).
  SimStack* FindStack(const std::string& name);
  core::Result<SimStack*> ExistingStack(const std::string& name);
  void StackEvent(SimStack& s, const std::string& logical, const std::string& type,
                  const std::string& status, const std::string& reason = "");
  void FinishUpdate(SimStack& s, int generation);
  void FinishRollback(SimStack& s, int generation, bool fails);

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
  std::vector<CommandSpec> commands_;
  core::SeededRng remote_rng_;  // command_failure draws, apart so that the world is not shifted
  std::unordered_map<std::string, int> inst_by_id_;  // hosts with ids given in the scenario
  std::map<std::string, int> tokens_;                // RunInstance client tokens
  std::vector<Eip> eips_;
  std::vector<SimZone> zones_;
  std::map<std::string, core::Time> dns_changes_;                        // change id -> INSYNC from
  int public_ips_ = 0, volumes_ = 0, associations_ = 0, snapshots_ = 0;  // numbering
  std::vector<std::unique_ptr<Vol>> vols_;
  std::unordered_map<std::string, int> vol_by_id_;    // volumes not deleted
  std::vector<Snap> snaps_;                           // in creation order
  std::map<std::string, std::string> volume_tokens_;  // CreateVolume's ClientToken -> volume
  std::vector<std::string> violations_;               // invariant violations seen

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
  int min_ready_observed_ = -1;  // ready members in the fewest seen by one observation

  // Registers an instance with a load balancer from time t (its group's, at launch or attach).
  void Register(int inst, int lb, core::Time t);

 private:
  std::string AddSnapshot(const std::string& volume_id, int size_gib, bool encrypted,
                          const std::string& description,
                          const std::map<std::string, std::string>& tags, const std::string& event,
                          const std::string& of);
  // Building the world from the scenario (world.cc, world_stacks.cc).
  void Build(const Scenario& s);
  void BuildStacks(const Scenario& s);
  void PlaceInitialInstances(int group);
  int NewInstance(int group, const std::string& zone, const std::string& image,
                  const cloud::LaunchSpec& spec, core::Time launched);
  void ScheduleFaults(const Scenario& s);
  void BuildHosts(const Scenario& s);
  void BuildZones(const Scenario& s);
  std::string ResolveValue(const std::string& value) const;
  int NewHost(const std::string& image, const std::string& type, const std::string& zone,
              core::Time launched);
  std::string NewPublicIp();
  std::string Ipv6(int inst, int k) const;
  // A volume attached to `inst` at `device` since its launch; `spec.id` "" : a generated id.
  int AddVolume(int inst, const VolumeSpec& spec, bool root);
  int NextNvme(const Inst& in) const;
  void FinishDetach(int vol);
  void ReleaseVolumes(int inst);  // terminated: deleted on termination, or available
  // How long an attach or detach (`state`) of the volume takes: `usual`, or a volume_stuck
  // fault's time (kForever: it never settles).
  core::Duration Transition(const Vol& v, int inst, const std::string& state,
                            core::Duration usual) const;
  void ScheduleRunning(int inst);

  void BecomeRunning(int inst);
  std::map<std::string, int> ZoneCounts(const Grp& g) const;
  std::string PickZone(const Grp& g) const;
  int PickVictim(const Grp& g, const std::string& zone) const;
  void Rebalance(int group);
  void WatchHealth(int inst);

  core::Status Injected(const std::string& service, bool* throttled);
  // Whether an endpoint_outage fault cuts `service` off now; `mutating`: the call is a change
  // (an outage `at_step` begins at its change).
  bool Unreachable(const std::string& service, bool mutating);

  bool UpdateFails(const SimStack& s);
  void PointGroupsAtParameters(SimStack& s, const std::vector<cloud::StackParameter>& before);
};

}  // namespace rotor::sim
