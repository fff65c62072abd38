// rotor status STACK [VERSION] | --asg NAME | --limit PREFIX
#include "ops/status.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "core/strings.h"

namespace rotor::cli {
namespace {

struct StatusArgs {
  std::vector<std::string> positional;  // STACK [VERSION]
  std::string asg;
  std::string limit;
};

std::string HealthText(const cloud::Instance& i) {
  std::vector<std::string> parts;
  for (const cloud::LbHealth& h : i.health) {
    parts.push_back(ShortLoadBalancerName(h.load_balancer) + ":" + h.state);
  }
  return parts.empty() ? "-" : core::Join(parts, ",");
}

std::string SpecText(const cloud::LaunchSpec& spec) {
  if (spec.kind == cloud::LaunchSpec::Kind::kTemplate) {
    std::string v = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
    return "v" + (v.empty() ? std::string("?") : v);
  }
  return spec.kind == cloud::LaunchSpec::Kind::kConfiguration ? spec.configuration_name : "-";
}

nlohmann::json SpecJson(const cloud::LaunchSpec& s) {
  nlohmann::json j;
  switch (s.kind) {
    case cloud::LaunchSpec::Kind::kTemplate:
      j = {{"kind", "launch_template"},
           {"id", s.template_id},
           {"name", s.template_name},
           {"version", s.version},
           {"resolved_version", s.resolved_version}};
      break;
    case cloud::LaunchSpec::Kind::kConfiguration:
      j = {{"kind", "launch_configuration"}, {"name", s.configuration_name}};
      break;
    case cloud::LaunchSpec::Kind::kNone:
      j = {{"kind", "none"}};
  }
  if (!s.image_id.empty()) j["image_id"] = s.image_id;
  if (!s.instance_type.empty()) j["instance_type"] = s.instance_type;
  return j;
}

nlohmann::json ReportJson(const ops::StatusReport& r) {
  nlohmann::json groups = nlohmann::json::array();
  for (const ops::GroupStatus& gs : r.groups) {
    const cloud::Group& g = gs.group;
    nlohmann::json members = nlohmann::json::array();
    for (const ops::MemberStatus& m : gs.members) {
      const cloud::Instance& i = m.instance;
      nlohmann::json health = nlohmann::json::array();
      for (const cloud::LbHealth& h : i.health) {
        health.push_back({{"type", h.kind == cloud::LbKind::kClassic ? "elb" : "target_group"},
                          {"load_balancer", h.load_balancer},
                          {"state", h.state},
                          {"reason", h.reason}});
      }
      members.push_back({{"id", i.id},
                         {"zone", i.zone},
                         {"launch_time", core::FormatIso8601(i.launch_time)},
                         {"lifecycle_state", i.lifecycle_state},
                         {"health_status", i.health_status},
                         {"ec2_state", i.ec2_state},
                         {"image_id", i.image_id},
                         {"launch_spec", SpecJson(i.spec)},
                         {"health", health},
                         {"ready", m.in_service_everywhere},
                         {"out_of_date", m.out_of_date}});
    }
    groups.push_back({{"name", g.name},
                      {"stack", g.stack_name},
                      {"min", g.min_size},
                      {"max", g.max_size},
                      {"desired", g.desired},
                      {"launch_spec", SpecJson(g.spec)},
                      {"zones", g.zones},
                      {"suspended_processes", g.suspended_processes},
                      {"classic_elbs", g.classic_elbs},
                      {"target_groups", g.target_groups},
                      {"instances", members},
                      {"ready", gs.ready},
                      {"out_of_date", gs.out_of_date}});
  }
  return {{"stack", r.stack}, {"groups", groups}};
}

void PrintTable(const ops::StatusReport& r, std::ostream& out) {
  if (!r.stack.empty()) out << "stack " << r.stack << "\n";
  if (r.groups.empty()) out << "no auto scaling groups\n";
  for (const ops::GroupStatus& gs : r.groups) {
    const cloud::Group& g = gs.group;
    out << fmt::format("\ngroup {}  min {}  max {}  desired {}\n", g.name, g.min_size, g.max_size,
                       g.desired);
    out << fmt::format("  launch spec  {}{}\n", g.spec.Describe(),
                       g.spec.image_id.empty() ? "" : "  image " + g.spec.image_id);
    out << "  suspended    "
        << (g.suspended_processes.empty() ? "-" : core::Join(g.suspended_processes, ", ")) << "\n";
    std::vector<std::string> lbs;
    for (const auto& n : g.classic_elbs) lbs.push_back("elb " + n);
    for (const auto& n : g.target_groups) lbs.push_back("target group " + ShortLoadBalancerName(n));
    out << "  balancers    " << (lbs.empty() ? "-" : core::Join(lbs, ", ")) << "\n\n";
    Table t(
        {"INSTANCE", "ZONE", "LAUNCHED", "LIFECYCLE", "EC2", "IMAGE", "SPEC", "HEALTH", "DRIFT"});
    for (const ops::MemberStatus& m : gs.members) {
      const cloud::Instance& i = m.instance;
      t.AddRow({i.id, i.zone, core::FormatIso8601(i.launch_time), i.lifecycle_state,
                i.ec2_state.empty() ? "-" : i.ec2_state, i.image_id.empty() ? "-" : i.image_id,
                SpecText(i.spec), HealthText(i), m.out_of_date ? "out of date" : "current"});
    }
    if (t.size()) t.Print(out, "  ");
    out << fmt::format("  {} instances, {} ready, {} out of date\n", gs.members.size(), gs.ready,
                       gs.out_of_date);
  }
}

void PrintText(const ops::StatusReport& r, std::ostream& out) {
  for (const ops::GroupStatus& gs : r.groups) {
    for (const ops::MemberStatus& m : gs.members) {
      const cloud::Instance& i = m.instance;
      out << core::Join({gs.group.name, i.id, i.zone, core::FormatIso8601(i.launch_time),
                         i.lifecycle_state, i.ec2_state, i.image_id, SpecText(i.spec),
                         HealthText(i), m.out_of_date ? "out-of-date" : "current"},
                        "\t")
          << "\n";
    }
  }
}

int Run(const StatusArgs& args, Session& session) {
  if (args.positional.size() > 2) {
    return ReportError(core::InvalidArgument("status takes at most STACK and VERSION"),
                       session.err());
  }
  ops::TargetSelector sel{args.positional.empty() ? "" : args.positional[0],
                          args.positional.size() > 1 ? args.positional[1] : "", args.asg,
                          args.limit};
  auto build = [&](Runtime& rt) { return ops::BuildStatus(rt.cloud(), sel); };
  auto print = [](const ops::StatusReport& report, Format format, std::ostream& out) {
    switch (format) {
      case Format::kJson:
        out << ReportJson(report).dump(2) << "\n";
        break;
      case Format::kText:
        PrintText(report, out);
        break;
      case Format::kTable:
        PrintTable(report, out);
        break;
    }
  };
  return RunReport(session, build, print);
}

}  // namespace

void AddStatusCommand(CLI::App& app, CommandFn& chosen) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Groups, instances, load balancer health and drift of a stack or group");
  cmd->add_option("stack", args->positional, "STACK [VERSION] (the stack STACK-VERSION)");
  cmd->add_option("--asg", args->asg, "one Auto Scaling group by name");
  cmd->add_option("--limit", args->limit, "the one group whose name starts with PREFIX");
  cmd->callback(
      [args, &chosen] { chosen = [args](Session& session) { return Run(*args, session); }; });
}

}  // namespace rotor::cli
