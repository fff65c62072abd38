// What a rollout knows that cannot be re-observed (DESIGN.md section 3), what one observation
// shows the planner, and the steps the planner returns.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "rollout/budget.h"

namespace rotor::rollout {

enum class Phase { kNew, kRolling, kRollingBack, kDone };
enum class Outcome { kNone, kCompleted, kRolledBack, kPaused, kAborted, kFailed };
const char* OutcomeName(Outcome o);

struct Originals {
  int min = 0, max = 0, desired = 0;
  std::vector<std::string> suspended;
  cloud::LaunchSpec old_spec;  // the spec most out-of-date members run: where a rollback returns
  bool operator==(const Originals&) const = default;
};

// The journaled state of one group's rollout. Updated only by the engine, from the steps it
// carried out; read by the pure planner.
struct RolloutState {
  std::string group;
  Phase phase = Phase::kNew;
  Outcome outcome = Outcome::kNone;  // once set, the rollout is winding up towards it
  std::string reason;                // why it failed, paused, aborted or rolled back
  std::string error;                 // an act that failed; the planner winds up on it
  bool interrupted = false;          // Ctrl-C: wind up as an abort (restore sizes, processes)
  bool rollback_requested = false;   // `rotor rollout rollback`: back to the old spec
  Originals original;
  Budget budget;
  core::Duration drain{0};
  int surge = 0;                               // extra desired capacity during the rollout
  std::vector<std::string> victims;            // the instances to replace, in order
  std::set<std::string> initial;               // the members at the start
  std::set<std::string> removed;               // victims taken out of the group
  std::set<std::string> chosen;                // every instance rotor ever chose to take out (I2)
  int decrements = 0;                          // victims removed with decrement
  std::map<std::string, core::Time> draining;  // out of the group or deregistered: until then
  std::set<std::string> deregistered;          // members deregistered (replace strategy)
  std::set<std::string> suspended_by_us;
  std::map<std::string, core::Time> seen;         // new members: when their launch was caused
  std::map<std::string, core::Time> ready_since;  // continuous readiness began
  std::vector<core::Time> expected_launches;      // launches caused, not yet seen
  std::vector<core::Duration> boot_samples;       // launch to ready, observed
  std::set<std::string> failed;                   // new members given up on
  int failed_launches = 0;
  int canary_left = 0;  // replacements still allowed before the bake
  std::optional<core::Time> bake_until;
  core::Time started{};
  std::optional<core::Time> deadline;
  core::Time rollback_started{};
};

// One member as the planner sees it.
struct Member {
  std::string id;
  std::string zone;
  core::Time launch_time{};
  bool ready = false;      // running, InService, healthy in every load balancer (probes pass)
  bool unhealthy = false;  // a load balancer says unhealthy, or EC2 stopped it
};

struct View {
  core::Time now{};
  int min = 0, max = 0, desired = 0;
  std::vector<std::string> suspended;
  std::vector<Member> members;
  bool fresh = true;  // observed since the last change (false: patched from rotor's own actions)
};

struct Step {
  enum class Kind {
    kSuspend,            // processes
    kSetSizes,           // sizes
    kDetach,             // ids, decrement
    kDeregister,         // ids (replace: drain before terminating)
    kTerminate,          // ids, decrement: Auto Scaling terminate (the group may replace)
    kTerminateDetached,  // ids: EC2 terminate of instances no longer in the group
    kMarkFailed,         // ids: new members rotor gives up on
    kForget,             // ids: victims that left the group by other hands
    kBake,               // until
    kWindUp,             // outcome, reason: stop rolling forward (rollback, pause, abort, done)
    kResume,             // processes: those rotor suspended
    kFinish,             // outcome: the rollout is over
    kWait,               // until; observe: whether to observe again on waking
  };
  Kind kind = Kind::kWait;
  std::vector<std::string> ids;
  bool decrement = false;
  cloud::Sizes sizes;
  std::vector<std::string> processes;
  core::Time until{};
  bool observe = true;
  Outcome outcome = Outcome::kNone;
  std::string reason;
};

// The step in words, for the journal and the display ("detach i-1,i-2 (decrement)").
std::string Describe(const Step& step);
// The same without the step's reason: what an error about the step names, so that a failure
// of a wind-up never carries the reason of the failure before it.
std::string Brief(const Step& step);

}  // namespace rotor::rollout
