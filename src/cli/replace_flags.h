// replace-instance's flags, and the request they make alone or over a --plan file (DESIGN.md
// section 7b): the plan's role is read first, then every flag the command line gave replaces
// the plan's value (a list flag the plan's whole list); a value neither gives keeps the flag's
// default. Nothing here reaches the cloud.
#pragma once

#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "ops/replace_instance.h"

namespace rotor::cli {

struct ReplaceFlags {
  std::string instance, image, image_filter, owner, instance_type;
  int root_size = 0;
  std::vector<std::string> volumes, addresses, dns, stop, start, copy, prepare, after, probes;
  std::string unmount = "auto", probe_address = "private", keep_old;
  std::string health_timeout = "15m", on_failure = "rollback";
  std::string plan, role;       // --plan FILE, --role NAME
  std::set<std::string> given;  // the flags the command line holds ("--stop"): NoteGivenFlags
};

// Registers INSTANCE and every flag of replace-instance on `cmd`. REQUIRES: `f` outlives `cmd`.
void AddReplaceFlags(CLI::App* cmd, ReplaceFlags& f);

// Records in `f.given` which of `cmd`'s options the parsed command line gave (CLI11's counts),
// so a flag given with its default value still overrides the plan. Call after parsing.
void NoteGivenFlags(const CLI::App& cmd, ReplaceFlags& f);

// The request: the --plan file's --role with the given flags over it, or the flags alone.
// `address` (--ssh-address, a global flag) is left at its default for the caller to set.
// kInvalidArgument for a flag value that does not parse, --role without --plan, and each
// refusal of ops::LoadReplacePlan ("FILE:LINE: KEY: ...", an unknown role, several roles and
// no --role).
core::Result<ops::ReplaceRequest> BuildReplaceRequest(const ReplaceFlags& f);

}  // namespace rotor::cli
