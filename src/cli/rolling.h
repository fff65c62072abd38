// What every rolling command (respawn, rollout resume|abort|rollback) shares: live progress on a
// terminal or one line per step, --events JSON lines, invariant checks in a simulation, Ctrl-C
// winding the rollout up, and the final report with its exit code.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "cli/commands/commands.h"
#include "cli/confirm.h"
#include "ops/respawn.h"

namespace rotor::cli {

using RollingFn =
    std::function<core::Result<ops::RespawnReport>(ops::RespawnOptions&, core::Clock&)>;

// Fills the callbacks of `options`, calls `run` with them and the clock to sleep on, prints
// the report ("VERB completed in 6m30s") and returns the exit code.
int RunRolling(Session& session, Runtime& rt, Format format, const std::string& verb,
               ops::RespawnOptions options, const RollingFn& run);

// "y" on the terminal; false otherwise.
bool Confirm(std::ostream& out, const std::string& question = "Proceed?");

// How a mutating command's plan is shown and confirmed: printed unless --output json, stopped
// by --dry-run, asked on a terminal unless --yes (never in the simulator).
ConfirmIo PlanIo(Session& session, Runtime& rt, Format format);

// A new rollout id: r-YYYYMMDD-HHMMSS-xxxx (UTC, then 4 random hex digits).
std::string NewRolloutId(core::Time now);

}  // namespace rotor::cli
