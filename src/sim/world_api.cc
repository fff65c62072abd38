// The world's API gate: every call a simulated service makes (each verb costs the calls AwsCloud
// would make) takes its latency in virtual time, is counted, may be throttled or fail as
// configured, and is retried with the same decisions as the real wire (cloud/retry.h). And the
// world as the API describes it.
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {

core::Status World::Injected(const std::string& service, bool* throttled) {
  *throttled = false;
  auto b = buckets_.find(service);
  if (b != buckets_.end()) {
    Bucket& bucket = b->second;
    double elapsed = std::chrono::duration<double>(clock_.Now() - bucket.last).count();
    bucket.tokens =
        std::min<double>(bucket.capacity, bucket.tokens + elapsed * bucket.refill_per_s);
    bucket.last = clock_.Now();
    if (bucket.tokens < 1) {
      *throttled = true;
      bool ec2 = service == kEc2;
      return core::Status(core::Code::kThrottled, ec2 ? "Request limit exceeded." : "Rate exceeded")
          .set_aws_code(ec2 ? "RequestLimitExceeded" : "Throttling");
    }
    bucket.tokens -= 1;
  }
  for (const Fault& f : faults_) {
    if (f.kind != Fault::Kind::kApiError) continue;
    if ((f.service == "elb" ? kElb : f.service) != service) continue;
    if (world_rng_.Uniform01() < f.probability) {
      return core::Status(core::Code::kUnavailable, "injected " + f.code).set_aws_code(f.code);
    }
  }
  return core::Status::Ok();
}

bool World::Unreachable(const std::string& service, bool mutating) {
  bool any = false;
  for (size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.kind != Fault::Kind::kEndpointOutage) continue;
    if (f.service != "*" && (f.service == "elb" ? kElb : f.service) != service) continue;
    if (!outage_began_.count(i)) {
      bool due =
          f.after_steps > 0 ? mutating && changes_ == f.after_steps : clock_.Now() >= start_ + f.at;
      if (!due) continue;
      outage_began_[i] = f.after_steps > 0 ? clock_.Now() : start_ + f.at;
      Trace("endpoint_outage",
            fmt::format("{} unreachable for {}s", f.service,
                        std::chrono::duration_cast<std::chrono::seconds>(f.length).count()));
    }
    any |= clock_.Now() < outage_began_[i] + f.length;
  }
  return any;
}

core::Status World::Api(const std::string& service, const std::string& op, bool mutating) {
  std::string label = service + ":" + op;
  int last_tokens = 0;
  if (mutating) ++changes_;
  for (int attempt = 1;; ++attempt) {
    // rotor's own pacing (I9), as on the real wire: the request leaves when its turn comes.
    core::Time turn = pacer_.Reserve(service, clock_.Now());
    if (turn > clock_.Now()) clock_.SleepUntil(turn);
    calls_.emplace_back(service, clock_.Now());
    if (Unreachable(service, mutating)) {
      // A refused connection: no latency to speak of, nothing reaches the service.
      cloud::AttemptOutcome outcome{0, "", /*connection_error=*/true, false, {}};
      cloud::RetryDecision d =
          cloud::DecideRetry(retry_config_, quota_, retry_rng_, outcome, attempt);
      Trace("api_error", fmt::format("{} unreachable (attempt {})", label, attempt));
      if (!d.retry) {
        return core::Status(core::Code::kUnavailable,
                            fmt::format("cannot reach {}.{}.amazonaws.com: Could not connect to "
                                        "server ({}, {})",
                                        service, region_, label, d.why_not))
            .set_retryable(true);
      }
      last_tokens = d.tokens;
      clock_.SleepFor(d.delay);
      continue;
    }
    clock_.SleepFor(timing_.api_latency.Sample(world_rng_));
    ++api_calls_[label];
    if (crashed_) return core::Status(core::Code::kAborted, "rotor crashed (simulated)");
    if (mutating && crash_after_ > 0 && ++mutating_calls_ >= crash_after_) {
      crashed_ = true;
      Trace("crash", fmt::format("after {} steps, before {}", mutating_calls_, label));
      return core::Status(core::Code::kAborted,
                          fmt::format("rotor crashed (simulated, after {} steps)", crash_after_));
    }
    bool throttled = false;
    core::Status err = Injected(service, &throttled);
    if (err.ok()) {
      quota_.Release(last_tokens ? last_tokens : cloud::RetryQuota::kNoRetryIncrement);
      return err;
    }
    // AWS answers server-side failures with 5xx and everything else with 400.
    bool server =
        core::StartsWith(err.aws_code(), "Internal") || err.aws_code() == "ServiceUnavailable";
    cloud::AttemptOutcome outcome{server ? 500 : 400, err.aws_code(), false, false, {}};
    cloud::RetryDecision d =
        cloud::DecideRetry(retry_config_, quota_, retry_rng_, outcome, attempt);
    Trace("api_error", fmt::format("{} {} (attempt {})", label, err.aws_code(), attempt));
    if (!d.retry) {
      return core::Status(err.code(), fmt::format("{}: {} ({}, {})", label, err.message(),
                                                  err.aws_code(), d.why_not))
          .set_aws_code(err.aws_code())
          .set_retryable(d.retryable_error);
    }
    last_tokens = d.tokens;
    clock_.SleepFor(d.delay);
  }
}

// --- Lookups ---

core::Result<int> World::GroupIndex(const std::string& name) const {
  auto it = group_by_name_.find(name);
  if (it == group_by_name_.end()) {
    return core::NotFound(
        fmt::format("auto scaling group '{}' does not exist in region {}", name, region_));
  }
  return it->second;
}

int World::InstanceIndex(const std::string& id) const {
  auto given = inst_by_id_.find(id);
  if (given != inst_by_id_.end()) return given->second;
  if (!core::StartsWith(id, "i-") || id.size() != 19) return -1;
  size_t n = std::strtoull(id.c_str() + 2, nullptr, 16);
  if (n == 0 || n > insts_.size() || insts_[n - 1]->id != id) return -1;
  return static_cast<int>(n - 1);
}

// --- Model to values ---

cloud::LaunchSpec World::CurrentSpec(const Grp& g) const {
  cloud::LaunchSpec s;
  if (g.tmpl >= 0) {
    const Tmpl& t = *templates_[g.tmpl];
    s.kind = cloud::LaunchSpec::Kind::kTemplate;
    s.template_id = t.id;
    s.template_name = t.name;
    s.version = g.version;
    int v = g.version == "$Latest"    ? static_cast<int>(t.versions.size())
            : g.version == "$Default" ? t.default_version
                                      : std::stoi(g.version);
    s.resolved_version = std::to_string(v);
    s.image_id = t.versions[v - 1].image_id;
    s.instance_type = t.versions[v - 1].instance_type;
  } else {
    s.kind = cloud::LaunchSpec::Kind::kConfiguration;
    s.configuration_name = g.configuration;
    auto c = configurations_.find(g.configuration);
    if (c != configurations_.end()) {
      s.image_id = c->second.image_id;
      s.instance_type = c->second.instance_type;
    }
  }
  return s;
}

cloud::Instance World::DescribeInstance(int i, bool with_health, core::Time t) const {
  const Inst& in = *insts_[i];
  cloud::Instance out;
  out.id = in.id;
  out.zone = in.zone;
  out.launch_time = in.launched;
  out.ec2_state = StateName(in.state);
  out.lifecycle_state =
      in.group < 0 ? "" : (in.state == Ec2State::kPending ? "Pending" : "InService");
  out.health_status = "Healthy";
  out.image_id = in.image;
  out.instance_type = in.spec.instance_type.empty() ? kSimInstanceType : in.spec.instance_type;
  out.private_ip = in.private_ip;
  out.spec = in.spec;
  out.spec.image_id.clear();
  out.public_ip = PublicIp(in);
  out.ipv6_addresses = in.ipv6;
  out.tags = in.tags;
  if (!in.standalone) {
    out.tags["aws:autoscaling:groupName"] = in.group_tag;
    out.tags["aws:cloudformation:stack-name"] = in.stack_tag;
  }
  if (with_health && in.group >= 0) {
    for (int lb : groups_[in.group]->lbs) {
      const Lb& l = *lbs_[lb];
      bool classic = l.spec.type == LoadBalancerSpec::Type::kElb;
      out.health.push_back(
          cloud::LbHealth{classic ? cloud::LbKind::kClassic : cloud::LbKind::kTargetGroup, l.id,
                          TargetState(l, i, t), ""});
    }
  }
  return out;
}

cloud::Group World::Describe(int g, bool with_details, core::Time t) const {
  const Grp& grp = *groups_[g];
  cloud::Group out;
  out.name = grp.spec.name;
  out.min_size = grp.min;
  out.max_size = grp.max;
  out.desired = grp.desired;
  out.spec = CurrentSpec(grp);
  if (!with_details) out.spec.image_id.clear();
  out.zones = grp.spec.zones;
  out.suspended_processes = {grp.suspended.begin(), grp.suspended.end()};
  for (int lb : grp.lbs) {
    if (lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb)
      out.classic_elbs.push_back(lbs_[lb]->id);
    else
      out.target_groups.push_back(lbs_[lb]->id);
  }
  out.health_check_type = grp.spec.health_check_type;
  out.health_check_grace = grp.spec.health_check_grace;
  out.stack_name = grp.stack;
  for (int i : grp.members) {
    cloud::Instance inst = DescribeInstance(i, with_details, t);
    if (!with_details) {
      inst.ec2_state.clear();
      inst.image_id.clear();
      inst.tags.clear();
    }
    out.instances.push_back(std::move(inst));
  }
  return out;
}

}  // namespace rotor::sim
