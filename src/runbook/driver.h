// The runbook driver (DESIGN.md section 3b): for each step in order, look, journal the intent
// (with what the undo will need), act, journal the outcome; on a failure roll back (undo the
// steps that acted, newest first), pause or abort as the runbook says; resume from the journal
// alone. AWS out of reach is waited out with the shared back-off (cloud/backoff.h), never taken
// for a failure. The same code runs against AWS and the simulator.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/backoff.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "runbook/progress.h"
#include "runbook/step.h"

namespace rotor::runbook {

// What the driver asks of the command that runs it.
class Control {
 public:
  virtual ~Control() = default;
  // Before every act, and at least every `heartbeat` while waiting: renews the leases. An error
  // (a lease taken over) stops the driver before it acts.
  virtual core::Status KeepLease() = 0;
  // Polled at every step boundary: `rotor rollout pause` or Ctrl-C asked to stop.
  virtual bool PauseRequested() = 0;
  // Before an irreversible step acts: whether to go on (a person's answer, or --yes).
  virtual bool ConfirmIrreversible(const Step& step) = 0;
  // One line per step begun, done, undone, failed or retried; for progress output.
  virtual void Note(const std::string& line) = 0;
};

struct DriverOptions {
  std::string operation_id;
  OnFailure on_failure = OnFailure::kRollback;
  cloud::BackoffPolicy backoff;
  std::optional<core::Time> deadline;
  core::Duration heartbeat = std::chrono::seconds(20);  // a third of the lease TTL
};

struct Report {
  Outcome outcome = Outcome::kNone;
  std::string reason;  // why it did not complete
  int done = 0;        // steps done at the end
  std::optional<core::Duration> outage;
};

class Driver {
 public:
  // REQUIRES: every pointer in `steps` and the references outlive the driver.
  Driver(std::vector<Step*> steps, journal::Journal& journal, core::Clock& clock, Control& control,
         DriverOptions options);

  // A new run: journals the plan (one line per step), then runs. Errors: the journal's, and a
  // step's kAborted (the process is dying) or kBlocked (a lease was lost), which stop the run
  // at once with nothing more journaled; every other failure is an outcome in the Report.
  core::Result<Report> Start();
  // Goes on from the journal: the first step without an outcome is looked at again, never
  // repeated blindly. `rollback` undoes what was done instead (`rotor rollout rollback`).
  core::Result<Report> Resume(bool rollback);

 private:
  core::Result<Report> Run();
  core::Status Record(journal::RecordKind kind, const std::string& text, const std::string& data,
                      bool durable = false, size_t max_text = 400);  // a reason: 400 B (I8)
  // Each returns false when the run stops here (the report says why).
  core::Result<bool> DoStep(int i);
  core::Result<bool> UndoStep(int i);
  core::Result<bool> Failed(int i, const std::string& error);
  core::Result<bool> Retry(int i, bool undo, const core::Status& error);
  core::Result<Report> Stop(Outcome outcome, const std::string& reason);
  std::vector<Reversal> Reversals() const;

  std::vector<Step*> steps_;
  journal::Journal& journal_;
  core::Clock& clock_;
  Control& control_;
  DriverOptions options_;
  cloud::Backoff backoff_;
  Progress progress_;
  std::string stop_reason_;  // set by DoStep & co when they return false
  Outcome stop_outcome_ = Outcome::kNone;
};

}  // namespace rotor::runbook
