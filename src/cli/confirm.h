// The plan a mutating command shows is the plan it runs (DESIGN.md section 7): it is made,
// printed and confirmed; after the confirmation, and before anything changes, the fleet is
// looked at again, and when it changed meanwhile rotor says what changed, plans again, prints
// the new plan and asks again.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::cli {

// How a command's plan is made, shown and checked. `make` and `render` are required.
template <class Plan>
struct PlanSteps {
  std::function<core::Result<Plan>()> make;
  std::function<std::string(const Plan&)> render;  // the plan as printed, a line each
  // What changed in the fleet since `plan` was made, a line each (empty: nothing). Default:
  // the plan made again, compared line by line with the one shown.
  std::function<core::Result<std::vector<std::string>>(const Plan&)> changed;
  // Cleans up what making `plan` left behind (a change set), when it is not run. May be empty.
  std::function<void(const Plan&)> discard;
  // Whether `plan` has nothing to do (it says so itself): then nothing is asked or run. May be
  // empty.
  std::function<bool(const Plan&)> idle;
};

struct ConfirmIo {
  std::ostream& out;
  std::ostream& err;
  bool show = true;      // print plans (not with --output json)
  bool dry_run = false;  // stop after the first plan
  // Asks the person at the terminal; empty when nobody is asked (--yes, no terminal, the
  // simulator). The fleet is looked at again only after a question: without one, the plan and
  // the start are moments apart and the engine observes afresh at every step anyway.
  std::function<bool()> ask;
  int max_plans = 3;  // a fleet that changed under this many plans is left alone (kBlocked)
};

// The lines of `before` missing from `after` ("- line") then those new in `after` ("+ line"),
// each counted as often as it occurs, in their own order.
std::vector<std::string> DiffLines(const std::string& before, const std::string& after);

// kBlocked: the fleet changed under `plans` plans in a row.
core::Status KeptChanging(int plans);

// The plan to run: the one confirmed (or, after a change, the new one confirmed); nullopt when
// nothing is to run (--dry-run, a plan with nothing to do, or the person declined: "rotor:
// nothing changed" said).
// Errors from making or checking a plan come back as they are; a plan not run is discarded.
template <class Plan>
core::Result<std::optional<Plan>> PlanAndConfirm(const PlanSteps<Plan>& steps,
                                                 const ConfirmIo& io) {
  auto drop = [&](const Plan& p) {
    if (steps.discard) steps.discard(p);
  };
  // What changed since `p` was made; `fresh` gets the plan made again to find out, if it differs.
  auto look_again = [&](const Plan& p,
                        std::optional<Plan>& fresh) -> core::Result<std::vector<std::string>> {
    if (steps.changed) return steps.changed(p);
    ASSIGN_OR_RETURN(Plan again, steps.make());
    std::vector<std::string> diff = DiffLines(steps.render(p), steps.render(again));
    if (diff.empty()) {
      drop(again);
    } else {
      fresh = std::move(again);
    }
    return diff;
  };
  ASSIGN_OR_RETURN(Plan plan, steps.make());
  for (int made = 1;; ++made) {
    if (io.show) io.out << steps.render(plan);
    if (io.dry_run || (steps.idle && steps.idle(plan))) {
      drop(plan);
      return std::optional<Plan>();
    }
    if (!io.ask) return std::optional<Plan>(std::move(plan));
    if (!io.ask()) {
      drop(plan);
      io.err << "rotor: nothing changed\n";
      return std::optional<Plan>();
    }
    std::optional<Plan> fresh;
    auto changes = look_again(plan, fresh);
    if (!changes.ok()) {
      drop(plan);
      return changes.status();
    }
    if (changes->empty()) return std::optional<Plan>(std::move(plan));
    io.err << "rotor: the fleet changed since this plan was made:\n";
    for (const std::string& c : *changes) io.err << "  " << c << "\n";
    drop(plan);
    if (made >= io.max_plans) {
      if (fresh) drop(*fresh);
      return KeptChanging(made);
    }
    io.err << "rotor: planning again\n";
    if (fresh) {
      plan = std::move(*fresh);
    } else {
      ASSIGN_OR_RETURN(plan, steps.make());
    }
  }
}

}  // namespace rotor::cli
