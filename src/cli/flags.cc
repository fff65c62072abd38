#include "cli/flags.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/strings.h"
#include "ops/user_data.h"

namespace rotor::cli {

core::Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::InvalidArgument(
        fmt::format("{}{}: cannot read the file", what.empty() ? "" : what + " ", path));
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

core::Result<std::pair<std::string, std::string>> KeyValue(const std::string& text,
                                                           const std::string& what,
                                                           const std::string& form) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return core::InvalidArgument(fmt::format("{} '{}' is not {}", what, text, form));
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

void AddTargetFlags(CLI::App* cmd, TargetFlags& f) {
  cmd->add_option("stack", f.positional, "STACK [VERSION] (the stack STACK-VERSION)");
  cmd->add_option("--asg", f.asg, "one Auto Scaling group by name");
  cmd->add_option("--limit", f.limit, "the one group whose name starts with PREFIX");
}

core::Result<ops::TargetSelector> SelectorFrom(const TargetFlags& f, const std::string& verb) {
  if (f.positional.size() > 2) {
    return core::InvalidArgument(verb + " takes at most STACK and VERSION");
  }
  ops::TargetSelector sel{f.positional.empty() ? "" : f.positional[0],
                          f.positional.size() > 1 ? f.positional[1] : "", f.asg, f.limit};
  RETURN_IF_ERROR(sel.Validate());
  return sel;
}

void AddPolicyFlags(CLI::App* cmd, PolicyFlags& f) {
  cmd->add_option("--strategy", f.strategy, "surge, replace or double")->capture_default_str();
  cmd->add_option("--max-surge", f.max_surge, "instances above desired at once (count or %)");
  cmd->add_option("--max-unavailable", f.max_unavailable, "ready instances below desired at once");
  cmd->add_option("--min-healthy", f.min_healthy, "never fewer ready instances (count or %)");
  cmd->add_option("--warmup", f.warmup, "continuous readiness before a new instance counts")
      ->capture_default_str();
  cmd->add_option("--bake", f.bake, "pause after the canary")->capture_default_str();
  cmd->add_option("--canary", f.canary, "replace N first, then bake")->capture_default_str();
  cmd->add_option("--health-timeout", f.health_timeout, "per new instance")->capture_default_str();
  cmd->add_option("--deadline", f.deadline, "for the whole rollout (0: none)")
      ->capture_default_str();
  cmd->add_option("--drain", f.drain, "auto (the load balancer's delay) or a duration")
      ->capture_default_str();
  cmd->add_option("--order", f.order, "oldest, az-balanced or id")->capture_default_str();
  cmd->add_option("--on-failure", f.on_failure, "rollback, pause or abort")->capture_default_str();
  cmd->add_option("--max-failed-launches", f.max_failed_launches, "before failing")
      ->capture_default_str();
  cmd->add_option("--max-size-cap", f.max_size_cap, "never raise MaxSize above this (0: no cap)");
  cmd->add_option("--parallel", f.parallel, "groups rolled at once")->capture_default_str();
  cmd->add_option("--probe", f.probes,
                  "also ready only when tcp:PORT connects / http://:PORT/PATH answers 2xx-3xx "
                  "(repeatable)");
  cmd->add_option("--probe-address", f.probe_address, "private or public")->capture_default_str();
  cmd->add_flag("--all", f.all, "replace every instance, not only the out-of-date ones");
}

core::Result<rollout::Policy> BuildPolicy(const PolicyFlags& a) {
  rollout::Policy p;
  ASSIGN_OR_RETURN(p.strategy, rollout::ParseStrategy(a.strategy));
  ASSIGN_OR_RETURN(p.order, rollout::ParseOrder(a.order));
  ASSIGN_OR_RETURN(p.on_failure, rollout::ParseOnFailure(a.on_failure));
  if (!a.max_surge.empty()) {
    ASSIGN_OR_RETURN(p.max_surge, rollout::Amount::Parse(a.max_surge, "--max-surge"));
  }
  if (!a.max_unavailable.empty()) {
    ASSIGN_OR_RETURN(p.max_unavailable,
                     rollout::Amount::Parse(a.max_unavailable, "--max-unavailable"));
  }
  if (!a.min_healthy.empty()) {
    ASSIGN_OR_RETURN(p.min_healthy, rollout::Amount::Parse(a.min_healthy, "--min-healthy"));
  }
  auto duration = [](const std::string& text,
                     const std::string& flag) -> core::Result<core::Duration> {
    auto d = core::ParseDuration(text);
    if (!d.ok()) return d.status().WithContext(flag);
    return d;
  };
  ASSIGN_OR_RETURN(p.warmup, duration(a.warmup, "--warmup"));
  ASSIGN_OR_RETURN(p.bake, duration(a.bake, "--bake"));
  ASSIGN_OR_RETURN(p.health_timeout, duration(a.health_timeout, "--health-timeout"));
  ASSIGN_OR_RETURN(p.deadline, duration(a.deadline, "--deadline"));
  if (a.drain != "auto") {
    ASSIGN_OR_RETURN(p.drain, duration(a.drain, "--drain"));
  }
  p.max_failed_launches = a.max_failed_launches;
  p.canary = a.canary;
  p.max_size_cap = a.max_size_cap;
  p.all = a.all;
  p.probes = a.probes;
  p.probe_address = a.probe_address;
  if (p.max_surge && p.strategy == rollout::Strategy::kReplace && p.max_surge->value > 0) {
    return core::InvalidArgument("--strategy replace never grows the group: drop --max-surge");
  }
  return p;
}

void AddPatchFlags(CLI::App* cmd, PatchFlags& f) {
  cmd->add_option("--image", f.image,
                  "latest (newest available by creation date in the current image's family), "
                  "an AMI id, or a name glob");
  cmd->add_option("--image-filter", f.image_filter, "the family for latest: a name glob");
  cmd->add_option("--owner", f.owner, "image owner account (default: the current image's)");
  cmd->add_option("--instance-type", f.instance_type, "a new instance type");
  cmd->add_option("--user-data", f.user_data_file, "replace user data with this file");
  cmd->add_option("--user-data-set", f.user_data_set,
                  "KEY=VALUE merged into YAML user data; dotted keys reach nested maps "
                  "(repeatable)");
}

core::Result<ops::PatchRequest> BuildPatchRequest(const PatchFlags& a, bool require_change) {
  ops::PatchRequest r;
  if (!a.image.empty() || !a.image_filter.empty() || !a.owner.empty()) {
    r.image = ops::ImageRequest{a.image.empty() ? "latest" : a.image, a.image_filter, a.owner};
  }
  r.instance_type = a.instance_type;
  if (!a.user_data_file.empty() && !a.user_data_set.empty()) {
    return core::InvalidArgument("give --user-data FILE or --user-data-set, not both");
  }
  if (!a.user_data_file.empty()) {
    ASSIGN_OR_RETURN(r.user_data, ReadFile(a.user_data_file, "--user-data"));
    if (r.user_data->size() > 16384) {
      return core::InvalidArgument(
          fmt::format("--user-data {}: {} bytes, but EC2 takes at most 16384 (gzip it)",
                      a.user_data_file, r.user_data->size()));
    }
  }
  for (const std::string& kv : a.user_data_set) {
    ASSIGN_OR_RETURN(auto setting, ops::ParseSetting(kv));
    r.user_data_set.push_back(setting);
  }
  if (require_change && !r.image && r.instance_type.empty() && !r.user_data &&
      r.user_data_set.empty()) {
    return core::InvalidArgument(
        "nothing to change: give --image, --instance-type, --user-data or --user-data-set");
  }
  return r;
}

}  // namespace rotor::cli
