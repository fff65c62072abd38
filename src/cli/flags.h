// Flags shared by several commands: the rolling policy (respawn, upgrade, update-asgs) and the
// launch spec changes (patch, upgrade).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "ops/patch.h"
#include "ops/targets.h"
#include "rollout/policy.h"

namespace rotor::cli {

// A file a flag or argument names, whole and as bytes. kInvalidArgument "WHAT PATH: cannot read
// the file" (`what` the flag, or "" for a positional argument).
core::Result<std::string> ReadFile(const std::string& path, const std::string& what);

// TEXT as KEY=VALUE (the first '=' splits; the value may be empty). kInvalidArgument "WHAT
// 'TEXT' is not FORM".
core::Result<std::pair<std::string, std::string>> KeyValue(const std::string& text,
                                                           const std::string& what,
                                                           const std::string& form = "KEY=VALUE");

// STACK [VERSION] | --asg NAME | --limit PREFIX, as every command that acts on groups takes them.
struct TargetFlags {
  std::vector<std::string> positional;
  std::string asg, limit;
};
void AddTargetFlags(CLI::App* cmd, TargetFlags& f);
// kInvalidArgument (naming `verb`) unless exactly one way of naming the groups is used.
core::Result<ops::TargetSelector> SelectorFrom(const TargetFlags& f, const std::string& verb);

struct PolicyFlags {
  std::string strategy = "surge", order = "oldest", on_failure = "rollback";
  std::string max_surge, max_unavailable, min_healthy;
  std::string warmup = "0s", bake = "0s", health_timeout = "10m", deadline = "0s", drain = "auto";
  int max_failed_launches = 3, canary = 0, max_size_cap = 0, parallel = 1;
  bool all = false;
  std::vector<std::string> probes;
  std::string probe_address = "private";
};
void AddPolicyFlags(CLI::App* cmd, PolicyFlags& f);
// kInvalidArgument naming the flag for a value that does not parse or a policy that cannot work.
core::Result<rollout::Policy> BuildPolicy(const PolicyFlags& a);

struct PatchFlags {
  std::string image, image_filter, owner, instance_type, user_data_file;
  std::vector<std::string> user_data_set;
};
void AddPatchFlags(CLI::App* cmd, PatchFlags& f);
// kInvalidArgument for a file that cannot be read, a setting without '=', both user data flags,
// or (when `require_change`) no change at all.
core::Result<ops::PatchRequest> BuildPatchRequest(const PatchFlags& a, bool require_change);

}  // namespace rotor::cli
