// One step of a runbook (DESIGN.md section 3b): a single change with a way to tell from a fresh
// look whether it is already there, and the change that reverses it. Steps hold what they act on
// (the cloud capabilities, a remote runner, the rolling engine) from their constructors; the
// driver only asks, records and acts.
#pragma once

#include <string>

#include "core/status.h"

namespace rotor::runbook {

// What a fresh look says about a step's effect.
struct Check {
  enum class Kind {
    kDone,     // the effect is there: nothing to do (a resumed runbook never repeats it)
    kNotDone,  // Do it
    kBlocked,  // it cannot be done as planned (`reason`): the runbook's on-failure applies
  };
  Kind kind = Kind::kNotDone;
  std::string reason;

  static Check Done() { return {Kind::kDone, ""}; }
  static Check NotDone() { return {Kind::kNotDone, ""}; }
  static Check Blocked(std::string why) { return {Kind::kBlocked, std::move(why)}; }
};

// How a step is reversed; stated in the plan.
enum class Reversal {
  kReversible,     // Undo puts things back
  kNothingToUndo,  // it changes nothing that needs putting back (a wait, a check)
  kIrreversible,   // it cannot be undone: the runbook asks before passing it
};

class Step {
 public:
  virtual ~Step() = default;

  // One line for the plan and the journal: "point web-1-App at lt-0abc version 8".
  virtual std::string Describe() const = 0;
  virtual Reversal reversal() const { return Reversal::kReversible; }
  // True between "outage begins" and "outage ends": the driver reports how long these took.
  virtual bool in_outage() const { return false; }
  // True for a step whose failure concerns it alone (one host's backup among many): the failure
  // is journaled, the runbook goes on with the next step, and it ends failed, naming it. The
  // runbook's on-failure never applies to such a step.
  virtual bool independent() const { return false; }

  // Whether the step's effect is already there, from a fresh look (never from memory). Errors
  // are the cloud's (retried while it is unreachable).
  virtual core::Result<Check> Look() = 0;
  // What Undo will need that cannot be observed once Do has acted (the old value of what Do
  // changes), as text (JSON by convention). Journaled, durably, before Do runs.
  virtual core::Result<std::string> Remember() { return std::string(); }
  // Called before Do when an earlier attempt journaled its intent (a crash, a retry or a pause
  // came between): that attempt may have partly acted, and `memo` is what Remember returned
  // before it (a later Remember is not asked: the state before the first attempt is the one).
  virtual void Resumed(const std::string& memo) { (void)memo; }
  // The change. May be called again for the same step after a crash, but only when Look says
  // kNotDone. kPaused (a rolling rollout inside the step paused for a person) stops the runbook
  // there, resumable: the step is looked at again on resume.
  virtual core::Status Do() = 0;
  // Reverses Do using what Remember returned. REQUIRES: idempotent, and harmless when Do never
  // acted or only partly (a crash may come anywhere); never destroys data (DESIGN 3b: a
  // destroying step is never part of an automatic rollback).
  virtual core::Status Undo(const std::string& memo) = 0;
};

}  // namespace rotor::runbook
