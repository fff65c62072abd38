#include "sim/scenario.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/strings.h"
#include "sim/scenario_reader.h"

namespace rotor::sim {

core::Result<Distribution> Reader::Dist(const YAML::Node& map, const std::string& key,
                                        const std::string& where, Distribution fallback) const {
  YAML::Node n = map[key];
  std::string name = where + "." + key;
  if (!n) return fallback;
  if (n.IsScalar()) {
    ASSIGN_OR_RETURN(core::Duration d, DurValue(n, name));
    return Distribution::Fixed(d);
  }
  RETURN_IF_ERROR(CheckKeys(n, name, {"uniform", "lognormal"}));
  if (YAML::Node u = n["uniform"]) {
    if (!u.IsSequence() || u.size() != 2)
      return Error(u, name + ".uniform", "expected [low, high]");
    ASSIGN_OR_RETURN(core::Duration lo, DurValue(u[0], name + ".uniform"));
    ASSIGN_OR_RETURN(core::Duration hi, DurValue(u[1], name + ".uniform"));
    if (hi < lo) return Error(u, name + ".uniform", "high is below low");
    return Distribution{Distribution::Kind::kUniform, lo, hi};
  }
  YAML::Node l = n["lognormal"];
  RETURN_IF_ERROR(CheckKeys(l, name + ".lognormal", {"median", "p99"}));
  ASSIGN_OR_RETURN(core::Duration median, Dur(l, "median", name + ".lognormal"));
  ASSIGN_OR_RETURN(core::Duration p99, Dur(l, "p99", name + ".lognormal"));
  if (p99 < median) return Error(l, name + ".lognormal", "p99 is below the median");
  return Distribution{Distribution::Kind::kLogNormal, median, p99};
}

namespace {

class ScenarioParser {
 public:
  explicit ScenarioParser(const std::string& path) : r_(path) { out_.path = path; }

  core::Result<Scenario> Parse(const YAML::Node& root) {
    RETURN_IF_ERROR(r_.CheckKeys(root, "scenario",
                                 {"seed", "region", "start", "images", "stacks", "timing", "faults",
                                  "account", "hosts", "addresses", "dns", "commands"}));
    if (YAML::Node account = root["account"]) {
      RETURN_IF_ERROR(r_.CheckKeys(account, "account", {"on_demand_vcpus"}));
      ASSIGN_OR_RETURN(out_.on_demand_vcpus, r_.Int(account, "on_demand_vcpus", "account"));
    }
    ASSIGN_OR_RETURN(int seed, r_.Int(root, "seed", "scenario", 1));
    out_.seed = static_cast<uint64_t>(seed);
    ASSIGN_OR_RETURN(out_.region, r_.String(root, "region", "scenario", false));
    if (out_.region.empty()) out_.region = "eu-west-1";
    out_.start = *core::ParseIso8601("2026-01-01T00:00:00Z");
    if (root["start"]) {
      ASSIGN_OR_RETURN(out_.start, r_.TimeValue(root, "start", "scenario"));
    }
    RETURN_IF_ERROR(Images(root["images"]));
    RETURN_IF_ERROR(Stacks(root["stacks"]));
    RETURN_IF_ERROR(Timings(root["timing"]));
    RETURN_IF_ERROR(ParseHostKeys(r_, root, image_ids_, out_));
    RETURN_IF_ERROR(Faults(root["faults"]));
    return out_;
  }

 private:
  core::Status Images(const YAML::Node& list) {
    if (!list) return core::Status::Ok();
    if (!list.IsSequence()) return r_.Error(list, "images", "expected a list");
    for (const auto& n : list) {
      RETURN_IF_ERROR(r_.CheckKeys(
          n, "images[]", {"id", "name", "created", "architecture", "owner", "state", "root_size"}));
      ImageSpec img;
      ASSIGN_OR_RETURN(img.id, r_.String(n, "id", "images[]"));
      ASSIGN_OR_RETURN(img.name, r_.String(n, "name", "images[]", false));
      ASSIGN_OR_RETURN(img.created, r_.TimeValue(n, "created", "images[" + img.id + "]"));
      for (auto [key, field] : {std::pair{"architecture", &img.architecture},
                                std::pair{"owner", &img.owner}, std::pair{"state", &img.state}}) {
        if (!n[key]) continue;
        ASSIGN_OR_RETURN(*field, r_.String(n, key, "images[" + img.id + "]"));
      }
      if (n["root_size"]) {
        ASSIGN_OR_RETURN(img.root_size_gib, r_.Int(n, "root_size", "images[" + img.id + "]"));
      }
      if (!image_ids_.insert(img.id).second)
        return r_.Error(n, "images[]", "duplicate id " + img.id);
      out_.images.push_back(img);
    }
    return core::Status::Ok();
  }

  core::Status KnownImage(const YAML::Node& at, const std::string& key, const std::string& id) {
    if (image_ids_.count(id)) return core::Status::Ok();
    return r_.Error(at, key, fmt::format("image '{}' is not declared under images:", id));
  }

  core::Status Stacks(const YAML::Node& list) {
    if (!list) return core::Status::Ok();
    if (!list.IsSequence()) return r_.Error(list, "stacks", "expected a list");
    std::set<std::string> names;
    for (const auto& n : list) {
      RETURN_IF_ERROR(
          r_.CheckKeys(n, "stacks[]", {"name", "groups", "parameters", "no_echo", "update_time"}));
      StackSpec stack;
      ASSIGN_OR_RETURN(stack.name, r_.String(n, "name", "stacks[]"));
      if (!names.insert(stack.name).second)
        return r_.Error(n, "stacks[]", "duplicate stack " + stack.name);
      RETURN_IF_ERROR(Parameters(n, "stacks[" + stack.name + "]", stack));
      params_ = stack.parameters;
      YAML::Node groups = n["groups"];
      if (groups && !groups.IsSequence()) return r_.Error(groups, "groups", "expected a list");
      for (const auto& g : groups) {
        ASSIGN_OR_RETURN(GroupSpec spec, Group(g, "stacks[" + stack.name + "].groups[]"));
        if (!group_names_.insert(spec.name).second) {
          return r_.Error(g, "groups[]", "duplicate group " + spec.name);
        }
        stack.groups.push_back(std::move(spec));
      }
      stack_names_.insert(stack.name);
      out_.stacks.push_back(std::move(stack));
    }
    return core::Status::Ok();
  }

  // A stack's `parameters` (a map, in order), `no_echo` (keys) and `update_time`.
  core::Status Parameters(const YAML::Node& n, const std::string& at, StackSpec& stack) {
    if (YAML::Node ps = n["parameters"]) {
      if (!ps.IsMap()) return r_.Error(ps, at + ".parameters", "expected a mapping of keys");
      for (const auto& kv : ps) {
        if (!kv.second.IsScalar()) {
          return r_.Error(kv.second, at + ".parameters." + kv.first.Scalar(),
                          "expected a single value");
        }
        stack.parameters.emplace_back(kv.first.Scalar(), kv.second.Scalar());
      }
    }
    ASSIGN_OR_RETURN(stack.no_echo, r_.Strings(n, "no_echo", at));
    for (size_t i = 0; i < stack.no_echo.size(); ++i) {
      if (!Param(stack.parameters, stack.no_echo[i])) {
        return r_.Error(n["no_echo"][i], at + ".no_echo",
                        fmt::format("'{}' is not under parameters:", stack.no_echo[i]));
      }
    }
    ASSIGN_OR_RETURN(stack.update_time, r_.Dur(n, "update_time", at, stack.update_time));
    return core::Status::Ok();
  }

  static const std::string* Param(const std::vector<std::pair<std::string, std::string>>& ps,
                                  const std::string& key) {
    for (const auto& [k, v] : ps) {
      if (k == key) return &v;
    }
    return nullptr;
  }

  // An image given as an id or as `{param: KEY}`, a parameter of the enclosing stack.
  core::Status ImageRef(const YAML::Node& n, const std::string& key, std::string& image,
                        std::string& param) {
    if (n && n.IsMap()) {
      RETURN_IF_ERROR(r_.CheckKeys(n, key, {"param"}));
      ASSIGN_OR_RETURN(param, r_.String(n, "param", key));
      const std::string* value = Param(params_, param);
      if (!value) {
        return r_.Error(n["param"], key + ".param",
                        fmt::format("'{}' is not a parameter of the stack", param));
      }
      image = *value;
      return KnownImage(n, key, image);
    }
    if (!n || !n.IsScalar()) return r_.Error(n, key, "expected an image id or {param: KEY}");
    image = n.Scalar();
    param.clear();
    return KnownImage(n, key, image);
  }

  core::Result<GroupSpec> Group(const YAML::Node& n, const std::string& where);
  core::Status LaunchSpecOf(const YAML::Node& n, const std::string& where, GroupSpec& g);
  core::Status Instances(const YAML::Node& n, const std::string& where, GroupSpec& g);
  core::Result<LoadBalancerSpec> LoadBalancer(const YAML::Node& n, const std::string& where,
                                              const std::string& group);
  core::Status Timings(const YAML::Node& n);
  core::Result<cloud::LifecycleHook> Hook(const YAML::Node& n, const std::string& at);
  core::Status Faults(const YAML::Node& list);
  core::Result<Fault> OneFault(const YAML::Node& n);

  Reader r_;
  Scenario out_;
  std::set<std::string> image_ids_;
  std::set<std::string> group_names_;
  std::set<std::string> stack_names_;
  std::vector<std::pair<std::string, std::string>> params_;  // of the stack being read
};

core::Result<GroupSpec> ScenarioParser::Group(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) return r_.Error(n, where, "expected a mapping of keys");
  GroupSpec g;
  ASSIGN_OR_RETURN(g.name, r_.String(n, "name", where));
  std::string at = where.substr(0, where.size() - 2) + "[" + g.name + "]";
  RETURN_IF_ERROR(r_.CheckKeys(
      n, at,
      {"name", "launch_template", "launch_configuration", "zones", "min", "max", "desired",
       "instances", "load_balancers", "health_check_grace", "health_check_type", "suspended",
       "lifecycle_hooks", "instance_refresh", "update_policy", "tags"}));
  ASSIGN_OR_RETURN(g.tags, r_.StringMap(n, "tags", at));
  RETURN_IF_ERROR(LaunchSpecOf(n, at, g));
  ASSIGN_OR_RETURN(std::string policy, r_.String(n, "update_policy", at, false));
  if (!policy.empty() && policy != "rolling" && policy != "none") {
    return r_.Error(n["update_policy"], at + ".update_policy", "expected rolling or none");
  }
  g.cfn_rolls = policy == "rolling";
  ASSIGN_OR_RETURN(g.zones, r_.Strings(n, "zones", at));
  if (g.zones.empty()) return r_.Error(n, at + ".zones", "give at least one zone");
  ASSIGN_OR_RETURN(g.min, r_.Int(n, "min", at));
  ASSIGN_OR_RETURN(g.max, r_.Int(n, "max", at));
  ASSIGN_OR_RETURN(g.desired, r_.Int(n, "desired", at));
  if (g.min > g.desired || g.desired > g.max) {
    return r_.Error(n, at,
                    fmt::format("sizes must satisfy min <= desired <= max (got {} / {} / {})",
                                g.min, g.desired, g.max));
  }
  RETURN_IF_ERROR(Instances(n["instances"], at, g));
  if (YAML::Node lbs = n["load_balancers"]) {
    if (!lbs.IsSequence()) return r_.Error(lbs, at + ".load_balancers", "expected a list");
    for (const auto& lb : lbs) {
      ASSIGN_OR_RETURN(LoadBalancerSpec spec, LoadBalancer(lb, at + ".load_balancers[]", g.name));
      g.load_balancers.push_back(spec);
    }
  }
  ASSIGN_OR_RETURN(g.health_check_grace, r_.Dur(n, "health_check_grace", at, core::Duration(0)));
  ASSIGN_OR_RETURN(g.health_check_type, r_.String(n, "health_check_type", at, false));
  if (g.health_check_type.empty()) g.health_check_type = "EC2";
  if (g.health_check_type != "EC2" && g.health_check_type != "ELB") {
    return r_.Error(n["health_check_type"], at + ".health_check_type", "expected EC2 or ELB");
  }
  ASSIGN_OR_RETURN(g.suspended, r_.Strings(n, "suspended", at));
  ASSIGN_OR_RETURN(g.instance_refresh, r_.String(n, "instance_refresh", at, false));
  if (YAML::Node hooks = n["lifecycle_hooks"]) {
    if (!hooks.IsSequence()) return r_.Error(hooks, at + ".lifecycle_hooks", "expected a list");
    for (const auto& h : hooks) {
      ASSIGN_OR_RETURN(cloud::LifecycleHook hook, Hook(h, at + ".lifecycle_hooks[]"));
      g.lifecycle_hooks.push_back(hook);
    }
  }
  for (LoadBalancerSpec& lb : g.load_balancers) {
    if (lb.zones.empty()) lb.zones = g.zones;
  }
  return g;
}

core::Result<cloud::LifecycleHook> ScenarioParser::Hook(const YAML::Node& n,
                                                        const std::string& at) {
  RETURN_IF_ERROR(r_.CheckKeys(
      n, at, {"name", "transition", "heartbeat", "default_result", "notification_target"}));
  cloud::LifecycleHook h;
  ASSIGN_OR_RETURN(h.name, r_.String(n, "name", at));
  ASSIGN_OR_RETURN(std::string transition, r_.String(n, "transition", at));
  if (transition != "launching" && transition != "terminating") {
    return r_.Error(n["transition"], at + ".transition", "expected launching or terminating");
  }
  h.transition = transition == "launching" ? "autoscaling:EC2_INSTANCE_LAUNCHING"
                                           : "autoscaling:EC2_INSTANCE_TERMINATING";
  ASSIGN_OR_RETURN(h.heartbeat_timeout, r_.Dur(n, "heartbeat", at, std::chrono::seconds(3600)));
  ASSIGN_OR_RETURN(h.default_result, r_.String(n, "default_result", at, false));
  if (h.default_result.empty()) h.default_result = "ABANDON";
  if (h.default_result != "ABANDON" && h.default_result != "CONTINUE") {
    return r_.Error(n["default_result"], at + ".default_result", "expected ABANDON or CONTINUE");
  }
  ASSIGN_OR_RETURN(h.notification_target, r_.String(n, "notification_target", at, false));
  return h;
}

core::Status ScenarioParser::LaunchSpecOf(const YAML::Node& n, const std::string& at,
                                          GroupSpec& g) {
  YAML::Node lt = n["launch_template"], lc = n["launch_configuration"];
  if (bool(lt) == bool(lc)) {
    return r_.Error(n, at, "give exactly one of launch_template and launch_configuration");
  }
  if (lc) {
    RETURN_IF_ERROR(r_.CheckKeys(lc, at + ".launch_configuration", {"name", "image"}));
    ASSIGN_OR_RETURN(g.configuration_name, r_.String(lc, "name", at + ".launch_configuration"));
    return ImageRef(lc["image"], at + ".launch_configuration.image", g.configuration_image,
                    g.configuration_param);
  }
  std::string key = at + ".launch_template";
  RETURN_IF_ERROR(r_.CheckKeys(lt, key, {"name", "versions", "group_uses"}));
  ASSIGN_OR_RETURN(g.template_name, r_.String(lt, "name", key));
  YAML::Node versions = lt["versions"];
  if (!versions || !versions.IsSequence() || versions.size() == 0)
    return r_.Error(lt, key + ".versions", "give at least one version");
  for (const auto& v : versions) {
    std::string image, param;
    RETURN_IF_ERROR(ImageRef(v, key + ".versions", image, param));
    g.template_versions.push_back(image);
    g.template_params.push_back(param);
  }
  ASSIGN_OR_RETURN(g.group_uses, r_.String(lt, "group_uses", key, false));
  if (g.group_uses.empty()) g.group_uses = "$Default";
  if (g.group_uses != "$Latest" && g.group_uses != "$Default") {
    int v = 0;
    try {
      v = lt["group_uses"].as<int>();
    } catch (const YAML::Exception&) {
    }
    if (v < 1 || v > static_cast<int>(g.template_versions.size())) {
      return r_.Error(lt["group_uses"], key + ".group_uses",
                      fmt::format("version '{}' does not exist (the template has versions 1 to {}, "
                                  "or use $Latest / $Default)",
                                  g.group_uses, g.template_versions.size()));
    }
  }
  return core::Status::Ok();
}

core::Status ScenarioParser::Instances(const YAML::Node& n, const std::string& at, GroupSpec& g) {
  if (!n) {
    g.instance_count = g.desired;
    g.instance_image = g.uses_template() ? g.template_versions.front() : g.configuration_image;
    return core::Status::Ok();
  }
  std::string key = at + ".instances";
  RETURN_IF_ERROR(r_.CheckKeys(n, key, {"count", "image", "age"}));
  ASSIGN_OR_RETURN(g.instance_count, r_.Int(n, "count", key));
  ASSIGN_OR_RETURN(g.instance_image, r_.String(n, "image", key));
  RETURN_IF_ERROR(KnownImage(n["image"], key + ".image", g.instance_image));
  ASSIGN_OR_RETURN(g.instance_age, r_.Dur(n, "age", key, std::chrono::hours(24 * 30)));
  if (g.uses_template() && std::find(g.template_versions.begin(), g.template_versions.end(),
                                     g.instance_image) == g.template_versions.end()) {
    return r_.Error(n["image"], key + ".image",
                    fmt::format("image '{}' is no version of launch template '{}'",
                                g.instance_image, g.template_name));
  }
  if (g.instance_count > g.max) {
    return r_.Error(n, key + ".count", fmt::format("{} is above max {}", g.instance_count, g.max));
  }
  return core::Status::Ok();
}

core::Result<LoadBalancerSpec> ScenarioParser::LoadBalancer(const YAML::Node& n,
                                                            const std::string& at,
                                                            const std::string& group) {
  RETURN_IF_ERROR(r_.CheckKeys(n, at,
                               {"type", "name", "interval", "healthy_threshold",
                                "unhealthy_threshold", "deregistration_delay", "zones"}));
  LoadBalancerSpec lb;
  ASSIGN_OR_RETURN(std::string type, r_.String(n, "type", at));
  if (type == "elb") {
    // Classic ELB defaults (DESIGN.md section 9): every 30 s, healthy 10, unhealthy 2.
    lb.type = LoadBalancerSpec::Type::kElb;
    lb.healthy_threshold = 10;
  } else if (type != "alb") {
    return r_.Error(n["type"], at + ".type", fmt::format("'{}' is not alb or elb", type));
  }
  ASSIGN_OR_RETURN(lb.name, r_.String(n, "name", at, false));
  if (lb.name.empty()) lb.name = group + "-" + type;
  ASSIGN_OR_RETURN(lb.interval, r_.Dur(n, "interval", at, lb.interval));
  if (lb.interval.count() <= 0)
    return r_.Error(n["interval"], at + ".interval", "must be positive");
  ASSIGN_OR_RETURN(lb.healthy_threshold, r_.Int(n, "healthy_threshold", at, lb.healthy_threshold));
  ASSIGN_OR_RETURN(lb.unhealthy_threshold,
                   r_.Int(n, "unhealthy_threshold", at, lb.unhealthy_threshold));
  if (lb.healthy_threshold < 1 || lb.unhealthy_threshold < 1) {
    return r_.Error(n, at, "thresholds must be at least 1");
  }
  ASSIGN_OR_RETURN(lb.deregistration_delay,
                   r_.Dur(n, "deregistration_delay", at, lb.deregistration_delay));
  ASSIGN_OR_RETURN(lb.zones, r_.Strings(n, "zones", at));
  return lb;
}

core::Status ScenarioParser::Timings(const YAML::Node& n) {
  if (!n) return core::Status::Ok();
  RETURN_IF_ERROR(r_.CheckKeys(n, "timing",
                               {"api_latency", "launch_to_running", "boot_to_healthy", "shutdown",
                                "command", "ssh_ready", "dns_sync", "attach", "detach", "snapshot",
                                "create_volume", "modify_volume", "optimize_volume"}));
  Timing& t = out_.timing;
  ASSIGN_OR_RETURN(t.api_latency, r_.Dist(n, "api_latency", "timing", t.api_latency));
  ASSIGN_OR_RETURN(t.launch_to_running,
                   r_.Dist(n, "launch_to_running", "timing", t.launch_to_running));
  ASSIGN_OR_RETURN(t.boot_to_healthy, r_.Dist(n, "boot_to_healthy", "timing", t.boot_to_healthy));
  ASSIGN_OR_RETURN(t.shutdown, r_.Dist(n, "shutdown", "timing", t.shutdown));
  ASSIGN_OR_RETURN(t.command, r_.Dur(n, "command", "timing", t.command));
  ASSIGN_OR_RETURN(t.ssh_ready, r_.Dur(n, "ssh_ready", "timing", t.ssh_ready));
  ASSIGN_OR_RETURN(t.dns_sync, r_.Dur(n, "dns_sync", "timing", t.dns_sync));
  ASSIGN_OR_RETURN(t.attach, r_.Dur(n, "attach", "timing", t.attach));
  ASSIGN_OR_RETURN(t.detach, r_.Dur(n, "detach", "timing", t.detach));
  ASSIGN_OR_RETURN(t.snapshot, r_.Dur(n, "snapshot", "timing", t.snapshot));
  ASSIGN_OR_RETURN(t.create_volume, r_.Dur(n, "create_volume", "timing", t.create_volume));
  ASSIGN_OR_RETURN(t.modify_volume, r_.Dur(n, "modify_volume", "timing", t.modify_volume));
  ASSIGN_OR_RETURN(t.optimize_volume, r_.Dur(n, "optimize_volume", "timing", t.optimize_volume));
  return core::Status::Ok();
}

core::Status ScenarioParser::Faults(const YAML::Node& list) {
  if (!list) return core::Status::Ok();
  if (!list.IsSequence()) return r_.Error(list, "faults", "expected a list");
  for (const auto& n : list) {
    ASSIGN_OR_RETURN(Fault f, OneFault(n));
    out_.faults.push_back(f);
  }
  return core::Status::Ok();
}

core::Result<Fault> ScenarioParser::OneFault(const YAML::Node& n) {
  const std::string at = "faults[]";
  ASSIGN_OR_RETURN(std::string kind, r_.String(n, "kind", at));
  Fault f;
  std::string k = "faults[" + kind + "]";
  auto probability = [&]() -> core::Status {
    ASSIGN_OR_RETURN(f.probability, r_.Double(n, "probability", k, 1.0));
    if (f.probability < 0 || f.probability > 1) {
      return r_.Error(n["probability"], k + ".probability", "must be between 0 and 1");
    }
    return core::Status::Ok();
  };
  auto image = [&]() -> core::Status {
    ASSIGN_OR_RETURN(f.image, r_.String(n, "image", k, false));
    return f.image.empty() ? core::Status::Ok() : KnownImage(n["image"], k + ".image", f.image);
  };
  if (kind == "boot_failure") {
    f.kind = Fault::Kind::kBootFailure;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "image", "probability"}));
    RETURN_IF_ERROR(image());
    RETURN_IF_ERROR(probability());
  } else if (kind == "unhealthy_after") {
    f.kind = Fault::Kind::kUnhealthyAfter;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "image", "after", "probability"}));
    RETURN_IF_ERROR(image());
    RETURN_IF_ERROR(probability());
    ASSIGN_OR_RETURN(f.after, r_.Dur(n, "after", k));
  } else if (kind == "terminate") {
    f.kind = Fault::Kind::kTerminate;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "group", "at"}));
    ASSIGN_OR_RETURN(f.group, r_.String(n, "group", k));
    if (!group_names_.count(f.group)) {
      return r_.Error(n["group"], k + ".group", fmt::format("group '{}' is not declared", f.group));
    }
    ASSIGN_OR_RETURN(f.at, r_.Dur(n, "at", k));
  } else if (kind == "zone_outage") {
    f.kind = Fault::Kind::kZoneOutage;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "zone", "at", "for"}));
    ASSIGN_OR_RETURN(f.zone, r_.String(n, "zone", k));
    ASSIGN_OR_RETURN(f.at, r_.Dur(n, "at", k));
    ASSIGN_OR_RETURN(f.length, r_.Dur(n, "for", k));
  } else if (kind == "throttle") {
    f.kind = Fault::Kind::kThrottle;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "service", "refill_per_s", "bucket"}));
    ASSIGN_OR_RETURN(f.service, r_.String(n, "service", k));
    ASSIGN_OR_RETURN(f.refill_per_s, r_.Double(n, "refill_per_s", k, 0));
    ASSIGN_OR_RETURN(f.bucket, r_.Int(n, "bucket", k));
    if (f.bucket < 1) return r_.Error(n["bucket"], k + ".bucket", "must be at least 1");
  } else if (kind == "api_error") {
    f.kind = Fault::Kind::kApiError;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "service", "probability", "code"}));
    ASSIGN_OR_RETURN(f.service, r_.String(n, "service", k));
    ASSIGN_OR_RETURN(f.code, r_.String(n, "code", k));
    RETURN_IF_ERROR(probability());
  } else if (kind == "endpoint_outage") {
    // The endpoint cannot be reached (connections refused) from `at`, or from the act that
    // makes the `at_step`-th change, for `for`.
    f.kind = Fault::Kind::kEndpointOutage;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "service", "at", "at_step", "for"}));
    ASSIGN_OR_RETURN(f.service, r_.String(n, "service", k));
    if (n["at_step"] && n["at"]) {
      return r_.Error(n["at_step"], k + ".at_step", "give either at or at_step, not both");
    }
    if (n["at_step"]) {
      ASSIGN_OR_RETURN(f.after_steps, r_.Int(n, "at_step", k));
      if (f.after_steps < 1) return r_.Error(n["at_step"], k + ".at_step", "must be at least 1");
    } else {
      ASSIGN_OR_RETURN(f.at, r_.Dur(n, "at", k));
    }
    ASSIGN_OR_RETURN(f.length, r_.Dur(n, "for", k));
  } else if (kind == "stack_update_failure") {
    // The next update of `stack` fails at its first group (and its rollback too, if asked).
    f.kind = Fault::Kind::kStackUpdateFailure;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "stack", "probability", "rollback_fails"}));
    ASSIGN_OR_RETURN(f.stack, r_.String(n, "stack", k));
    if (!stack_names_.count(f.stack)) {
      return r_.Error(n["stack"], k + ".stack", fmt::format("stack '{}' is not declared", f.stack));
    }
    RETURN_IF_ERROR(probability());
    ASSIGN_OR_RETURN(std::string fails, r_.String(n, "rollback_fails", k, false));
    if (!fails.empty() && fails != "true" && fails != "false") {
      return r_.Error(n["rollback_fails"], k + ".rollback_fails", "expected true or false");
    }
    f.rollback_fails = fails == "true";
  } else if (kind == "command_failure" || kind == "port_closed") {
    RETURN_IF_ERROR(RemoteFault(r_, n, k, f));
  } else if (kind == "volume_stuck" || kind == "snapshot_slow") {
    RETURN_IF_ERROR(VolumeFault(r_, n, k, out_, f));
  } else if (kind == "crash") {
    f.kind = Fault::Kind::kCrash;
    RETURN_IF_ERROR(r_.CheckKeys(n, k, {"kind", "after_steps"}));
    ASSIGN_OR_RETURN(f.after_steps, r_.Int(n, "after_steps", k));
  } else {
    return r_.Error(
        n["kind"], at + ".kind",
        fmt::format("'{}' is not a fault (boot_failure, unhealthy_after, terminate, "
                    "zone_outage, throttle, api_error, endpoint_outage, stack_update_failure, "
                    "command_failure, port_closed, volume_stuck, snapshot_slow, crash)",
                    kind));
  }
  if (!f.service.empty() && !(f.service == "*" && f.kind == Fault::Kind::kEndpointOutage)) {
    static const std::set<std::string> kServices = {"ec2", "autoscaling", "elb", "cloudformation"};
    if (!kServices.count(f.service)) {
      return r_.Error(
          n["service"], k + ".service",
          fmt::format("'{}' is not ec2, autoscaling, elb or cloudformation", f.service));
    }
  }
  return f;
}

}  // namespace

core::Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    return core::InvalidArgument(
        fmt::format("{}:{}: not valid YAML: {}", path, e.mark.line + 1, e.msg));
  }
  try {
    return ScenarioParser(path).Parse(root);
  } catch (const YAML::Exception& e) {
    return core::InvalidArgument(fmt::format("{}:{}: {}", path, e.mark.line + 1, e.msg));
  }
}

core::Result<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::InvalidArgument(fmt::format("cannot read scenario file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseScenario(ss.str(), path);
}

cloud::Image ImageSpec::ToImage() const {
  return cloud::Image{id,           name,  owner,        state,       created,
                      architecture, "hvm", std::nullopt, "/dev/xvda", root_size_gib};
}

}  // namespace rotor::sim
