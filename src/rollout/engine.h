// The driver: observe, decide (NextStep), record the intent, act through cloud::Cloud, record
// the outcome, sleep on the Clock until the next interesting moment (DESIGN.md section 3).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cloud/backoff.h"
#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "rollout/codec.h"
#include "rollout/plan.h"

namespace rotor::rollout {

// Progress events for the display and --events: one per step taken.
struct Event {
  core::Time t{};
  std::string group;
  std::string what;   // the step, described
  int replaced = 0;   // victims taken out so far
  int total = 0;      // victims in all
  int ready = 0;      // members counted ready
  std::string phase;  // "rolling", "rolling back", "winding up", "waiting for AWS"
};

struct EngineOptions {
  std::string rollout_id;
  std::function<void(const Event&)> on_event;  // may be empty
  // Called right before and after every act with the state; invariant checks hook in here.
  std::function<void(const RolloutState&, const Step&, const View&)> before_step;
  std::function<void(const RolloutState&, const Step&)> after_step;
  // Polled before every decision: true once the user asked to stop (Ctrl-C). Then
  // `on_interrupt` says how to go on: kPaused (stop here, resumable), kRolledBack or kAborted
  // (wind up that way); empty: kAborted.
  std::function<bool()> interrupted;
  std::function<Outcome()> on_interrupt;
  // Custom probes (may be empty): called for every new member its load balancers count ready,
  // with its addresses filled in; a failure keeps it not ready. The members rotor found at the
  // start are checked once, by pre-flight.
  std::function<core::Status(const cloud::Instance&)> probe;
  // Called before every act: renews the group's lease when due; an error (kBlocked: the lease
  // was taken over) stops the engine before it acts. May be empty.
  std::function<core::Status()> keep_lease;
  // Polled before every decision: true once `rotor rollout pause` asked (the engine stops, the
  // outcome kPaused, everything left as it is). May be empty.
  std::function<bool()> pause_requested;
  // While AWS cannot be reached or an act keeps failing: how long to wait between attempts
  // and when to give up (--unreachable-timeout; --deadline bounds it too). Giving up pauses.
  cloud::BackoffPolicy backoff;
  // The longest the engine sleeps without calling keep_lease (a third of the lease's TTL), so
  // that no wait lets the lease lapse. Zero: no limit.
  core::Duration heartbeat{0};
};

struct Result {
  Outcome outcome = Outcome::kNone;
  std::string reason;
  RolloutState state;
};

class Engine {
 public:
  Engine(cloud::Cloud& cloud, core::Clock& clock, journal::Journal& journal, Policy policy,
         EngineOptions options)
      : cloud_(cloud),
        clock_(clock),
        journal_(journal),
        policy_(std::move(policy)),
        options_(std::move(options)) {}

  // Rolls one group to the end: completed, rolled back, paused or aborted. Errors: the group
  // cannot be observed at the start, the policy is invalid (kInvalidArgument) or pre-flight
  // refuses (kBlocked); a crash (kAborted) stops at once and leaves the journal to resume from.
  // Start, then Advance and sleep on the Clock until it is over.
  core::Result<Result> Run(const std::string& group);

  // The same in pieces, so that one thread can interleave several groups: Start observes and
  // plans (errors as Run); Advance takes every step that is due and returns when to call it
  // again, or nullopt once the rollout is over and result() holds the outcome.
  // REQUIRES: Start succeeded before Advance; Advance not called again after nullopt.
  core::Status Start(const std::string& group);
  // Continues a rollout from its journaled state after a crash, a pause or on another machine.
  // `unresolved`: the last intent, when no outcome follows it — whether it happened is decided
  // by looking at the group, never by repeating it blindly.
  core::Status Resume(RolloutState state, const std::optional<Step>& unresolved);
  core::Result<std::optional<core::Time>> Advance();
  const Result& result() const { return result_; }

 private:
  core::Result<View> Observe(const std::string& group, RolloutState& state);
  void Probe(const RolloutState& state, View& view);
  core::Status Act(const Step& step, RolloutState& state);
  core::Status TerminateDetached(const std::vector<std::string>& ids);
  void Apply(const Step& step, RolloutState& state, View& view);
  core::Status Record(journal::RecordKind kind, const std::string& text,
                      const std::string& data = "", bool durable = false);
  void Armed();
  core::Status Reconcile(const Step& unresolved);
  // One progress event: `what` happened (a step described, or a retry line) in `phase`.
  void Emit(const RolloutState& state, const View& view, const std::string& what,
            const char* phase);
  // The next wake-up: `until`, or sooner for the lease's heartbeat.
  std::optional<core::Time> WakeAt(core::Time until);
  // Whether a person asked to stop (Ctrl-C, `rotor rollout pause`).
  bool Asked();
  // After a failed act or observation: journals one small record, says when the next attempt
  // comes, and sleeps until then; past the bound, pauses.
  core::Result<std::optional<core::Time>> Retry(const std::string& what, const core::Status& error);
  // Stops here, everything as it is, resumable: `text` for the journal, `why` for the user.
  core::Result<std::optional<core::Time>> Pause(const std::string& text, const std::string& why);

  cloud::Cloud& cloud_;
  core::Clock& clock_;
  journal::Journal& journal_;
  Policy policy_;
  EngineOptions options_;

  // Between Advance calls.
  RolloutState s_;
  View v_;
  Result result_;
  std::string last_failed_;  // the last act that failed, described
  int repeated_ = 0;         // how many times in a row
  core::Duration stall_{0};  // no step for this long: a world the planner does not follow
  core::Time last_progress_{};
  bool waking_ = false;          // the last Advance returned from a wait
  bool observe_on_wake_ = true;  // and the wait asked to observe again
  bool interrupt_handled_ = false;
  std::optional<Step> unresolved_;  // an act AWS did not answer: settled by looking, first
  core::Time wake_at_{};            // when the planner asked to be woken (heartbeats wake sooner)
  cloud::Backoff backoff_{options_.backoff};
  std::map<std::string, cloud::Instance> addressed_;  // new members with their addresses
  StateWriter writer_;  // the state as journaled: in full now and then, else what changed
};

// Readiness as DESIGN.md defines it, from one observation: EC2 running (when known),
// InService, InService in every classic ELB and healthy in every target group.
bool IsReady(const cloud::Instance& instance);
// A load balancer or EC2 says it is broken (not merely still booting).
bool IsUnhealthy(const cloud::Instance& instance);

}  // namespace rotor::rollout
