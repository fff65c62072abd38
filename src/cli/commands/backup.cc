// rotor backup INSTANCE | --tag K=V | --stack S [--include-root] [--pre CMD]... [--post CMD]...
//   [--pre-timeout D] [--no-wait] [--wait-timeout D] [--keep N] [--retention D]
//   [--copy-to REGION] [--tag-snapshot K=V]...
// rotor backup list INSTANCE | --tag K=V | --stack S [--copy-to REGION]
#include "ops/backup.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "core/strings.h"

namespace rotor::cli {
namespace {

struct BackupArgs {
  std::string instance, tag, stack;
  bool include_root = false;
  std::vector<std::string> pre, post, tag_snapshot;
  std::string pre_timeout = "60s", wait_timeout = "6h", retention, copy_to;
  bool no_wait = false;
  int keep = 0;  // 0: not given
};

core::Result<std::pair<std::string, std::string>> KeyValue(const std::string& flag,
                                                           const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return core::InvalidArgument(
        fmt::format("{} '{}' is not K=V (e.g. {} backup=nightly)", flag, text, flag));
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

core::Result<ops::BackupTarget> Target(const BackupArgs& a) {
  int given = !a.instance.empty() + !a.tag.empty() + !a.stack.empty();
  if (given != 1) {
    return core::InvalidArgument(
        "name what to back up: an INSTANCE (id or Name), --tag K=V or --stack NAME (one of them)");
  }
  ops::BackupTarget t;
  t.instance = a.instance;
  t.stack = a.stack;
  if (!a.tag.empty()) {
    ASSIGN_OR_RETURN(std::tie(t.tag_key, t.tag_value), KeyValue("--tag", a.tag));
  }
  return t;
}

core::Status CheckRegion(const std::string& region) {
  static const std::regex kRegion("[a-z]{2}(-[a-z]+)+-[0-9]+");
  if (region.empty() || std::regex_match(region, kRegion)) return core::Status::Ok();
  return core::InvalidArgument(
      fmt::format("--copy-to '{}' is not an AWS region (e.g. eu-central-1)", region));
}

core::Result<core::Duration> Positive(const std::string& flag, const std::string& text) {
  auto d = core::ParseDuration(text);
  if (!d.ok() || d->count() <= 0) {
    return core::InvalidArgument(fmt::format("{} '{}' is not a duration such as 7d", flag, text));
  }
  return *d;
}

core::Result<ops::BackupRequest> BuildRequest(const BackupArgs& a, Runtime& rt) {
  ops::BackupRequest r;
  ASSIGN_OR_RETURN(r.target, Target(a));
  r.include_root = a.include_root;
  r.pre = a.pre;
  r.post = a.post;
  ASSIGN_OR_RETURN(r.pre_timeout, Positive("--pre-timeout", a.pre_timeout));
  ASSIGN_OR_RETURN(r.wait_timeout, Positive("--wait-timeout", a.wait_timeout));
  r.wait = !a.no_wait;
  if (a.keep != 0) r.retention.keep = a.keep;
  if (!a.retention.empty()) {
    ASSIGN_OR_RETURN(core::Duration age, Positive("--retention", a.retention));
    r.retention.max_age = age;
  }
  RETURN_IF_ERROR(CheckRegion(a.copy_to));
  r.copy_to = a.copy_to;
  r.region = rt.region();
  for (const std::string& kv : a.tag_snapshot) {
    ASSIGN_OR_RETURN(auto tag, KeyValue("--tag-snapshot", kv));
    if (tag.first.starts_with("rotor:") || tag.first.starts_with("aws:")) {
      return core::InvalidArgument(fmt::format(
          "--tag-snapshot {}: keys starting rotor: or aws: are not yours to set", tag.first));
    }
    r.tags[tag.first] = tag.second;
  }
  ASSIGN_OR_RETURN(r.address, ops::ParseAddressKind(rt.ssh_address()));
  return r;
}

std::string Render(const ops::BackupPlan& p) {
  std::string text = fmt::format(
      "backup of {} instance{} ({}) — a failure on one instance leaves the others alone\n",
      p.hosts.size(), p.hosts.size() == 1 ? "" : "s", p.operation_id);
  for (const std::string& line : ops::DescribeBackup(p)) text += "  " + line + "\n";
  return text;
}

std::vector<std::string> Ids(const std::vector<cloud::Snapshot>& snaps) {
  std::vector<std::string> out;
  for (const cloud::Snapshot& s : snaps) out.push_back(s.id);
  return out;
}

// Per instance: created, copied, deleted, kept, and why what failed failed.
void PrintSummary(const std::vector<ops::BackupOutcome>& outcomes, Format format,
                  std::ostream& out) {
  if (format == Format::kJson) {
    nlohmann::json rows = nlohmann::json::array();
    for (const ops::BackupOutcome& o : outcomes) {
      rows.push_back({{"instance", o.host},
                      {"created", Ids(o.created)},
                      {"copied", Ids(o.copied)},
                      {"deleted", o.deleted},
                      {"kept", o.kept},
                      {"failed", o.failed}});
    }
    out << nlohmann::json{{"backup", rows}}.dump() << "\n";
    return;
  }
  for (const ops::BackupOutcome& o : outcomes) {
    std::string line = fmt::format("{}: {} created", o.host, o.created.size());
    if (!o.created.empty()) line += " (" + core::Join(Ids(o.created), ", ") + ")";
    if (!o.copied.empty()) line += fmt::format(", {} copied", o.copied.size());
    line += fmt::format(", {} deleted, {} kept", o.deleted.size(), o.kept);
    out << line << "\n";
    for (const std::string& f : o.failed) out << "  FAILED: " << f << "\n";
  }
}

int Run(const BackupArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto request = BuildRequest(args, rt);
  if (!request.ok()) return ReportError(request.status(), err);
  if (!request->copy_to.empty()) {  // the other region's settings, checked before the plan
    auto there = rt.VolumesIn(request->copy_to);
    if (!there.ok()) return ReportError(there.status(), err);
  }
  auto runner = rt.Remote();
  if (!runner.ok()) return ReportError(runner.status(), err);
  core::Time now = rt.clock().Now();
  RunbookPlan<ops::BackupPlan> how;
  how.make = [&](const std::string& id) { return ops::PlanBackup(rt.cloud(), *request, id, now); };
  how.render = Render;
  how.resources = ops::BackupResources;
  how.to_json = ops::BackupPlanToJson;
  ops::RunbookOptions options;
  options.remote = *runner;
  options.volumes_in = [&rt](const std::string& region) { return rt.VolumesIn(region); };
  std::optional<ops::BackupPlan> ran;
  int code =
      PlanAndStart(session, rt, *format, journal::OperationKind::kBackup, how, options, &ran);
  if (ran) PrintBackupSummary(session, rt, *format, ran->operation_id, ops::BackupPlanToJson(*ran));
  return code;
}

// The volume a backup is of: a copy's own volume id means nothing (EC2 shows vol-ffffffff), so
// its rotor:volume tag says.
std::string SourceVolume(const cloud::Snapshot& s) {
  auto source = s.tags.find(ops::kBackupVolume);
  return source != s.tags.end() ? source->second : s.volume_id;
}

std::string Age(core::Duration d) {
  auto h = std::chrono::duration_cast<std::chrono::hours>(d).count();
  if (h >= 48) return fmt::format("{}d", h / 24);
  if (h >= 1) return fmt::format("{}h", h);
  return fmt::format("{}m", std::chrono::duration_cast<std::chrono::minutes>(d).count());
}

int List(const BackupArgs& args, Session& session) {
  cloud::Volumes* copies = nullptr;
  core::Time now{};
  return RunReport(
      session,
      [&](Runtime& rt) -> core::Result<std::vector<ops::BackupListing>> {
        ASSIGN_OR_RETURN(ops::BackupTarget target, Target(args));
        RETURN_IF_ERROR(CheckRegion(args.copy_to));
        if (!args.copy_to.empty()) {
          ASSIGN_OR_RETURN(copies, rt.VolumesIn(args.copy_to));
        }
        now = rt.clock().Now();
        return ops::ListBackups(rt.cloud(), target, rt.region(), copies, args.copy_to);
      },
      [&](const std::vector<ops::BackupListing>& rows, Format format, std::ostream& out) {
        if (format == Format::kJson) {
          nlohmann::json j = nlohmann::json::array();
          for (const ops::BackupListing& r : rows) {
            j.push_back({{"snapshot", r.snapshot.id},
                         {"instance", r.instance},
                         {"volume", SourceVolume(r.snapshot)},
                         {"created", core::FormatIso8601(ops::BackupTime(r.snapshot))},
                         {"size_gib", r.snapshot.size_gib},
                         {"state", r.snapshot.state},
                         {"progress", r.snapshot.progress_percent},
                         {"region", r.region}});
          }
          out << j.dump() << "\n";
          return;
        }
        Table t({"SNAPSHOT", "INSTANCE", "VOLUME", "CREATED", "AGE", "SIZE", "STATE", "REGION"});
        for (const ops::BackupListing& r : rows) {
          const cloud::Snapshot& s = r.snapshot;
          std::string state =
              s.state == "pending" ? fmt::format("pending {}%", s.progress_percent) : s.state;
          t.AddRow({s.id, r.instance, SourceVolume(s), core::FormatIso8601(ops::BackupTime(s)),
                    Age(now - ops::BackupTime(s)), fmt::format("{} GiB", s.size_gib), state,
                    r.region});
        }
        if (format == Format::kTable && rows.empty()) {
          out << "no backups made by rotor\n";
          return;
        }
        t.Print(out);
      });
}

void AddTargetFlags(CLI::App* cmd, BackupArgs& a) {
  cmd->add_option("instance", a.instance, "the instance id, or the value of its Name tag");
  cmd->add_option("--tag", a.tag, "the instances carrying this tag, K=V");
  cmd->add_option("--stack", a.stack, "the instances of this CloudFormation stack");
}

}  // namespace

void PrintBackupSummary(Session& session, Runtime& rt, Format format, const std::string& id,
                        const std::string& plan_json) {
  auto plan = ops::BackupPlanFromJson(plan_json);
  auto journal = rt.journal();
  if (!plan.ok() || !journal.ok()) return;
  auto records = (*journal)->Read(id);
  // A run that died on the way has no summary: `rollout resume` gives it.
  if (!records.ok() || records->empty() ||
      (records->back().kind != journal::RecordKind::kFinish &&
       records->back().kind != journal::RecordKind::kPaused)) {
    return;
  }
  cloud::Volumes* copies = nullptr;
  if (!plan->copy_to.empty()) {
    auto there = rt.VolumesIn(plan->copy_to);
    if (there.ok()) copies = *there;
  }
  auto outcomes = ops::SummarizeBackup(rt.cloud().volumes, copies, *records, *plan);
  if (!outcomes.ok()) {
    session.err() << "rotor: the backup's summary could not be made: "
                  << outcomes.status().message() << "\n";
    return;
  }
  PrintSummary(*outcomes, format, session.out());
}

void AddBackupCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<BackupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Snapshot the data volumes of instances, one crash-consistent set each, between --pre "
      "and --post commands, then delete rotor's own old backups (--keep, --retention)");
  AddTargetFlags(cmd, *a);
  cmd->add_flag("--include-root", a->include_root, "snapshot the root volume too");
  cmd->add_option("--pre", a->pre,
                  "run on the host before its snapshot (e.g. 'fsfreeze -f /data'); repeatable");
  cmd->add_option("--post", a->post,
                  "run on the host after its snapshot, whatever happened, and on resume after "
                  "a crash (e.g. 'fsfreeze -u /data'); repeatable");
  cmd->add_option("--pre-timeout", a->pre_timeout, "how long each --pre command may take")
      ->capture_default_str();
  cmd->add_flag("--no-wait", a->no_wait, "return once the snapshots started");
  cmd->add_option("--wait-timeout", a->wait_timeout,
                  "how long to wait for the snapshots to complete")
      ->capture_default_str();
  cmd->add_option("--keep", a->keep, "keep the newest N completed backups of each volume");
  cmd->add_option("--retention", a->retention,
                  "delete backups older than this (e.g. 7d); with --keep, only beyond the N");
  cmd->add_option("--copy-to", a->copy_to,
                  "copy each snapshot to this region (tags kept), with the same retention");
  cmd->add_option("--tag-snapshot", a->tag_snapshot, "one more tag on every snapshot, K=V");
  cmd->callback([a, cmd, &chosen] {
    if (cmd->got_subcommand("list")) return;
    chosen = [a](Session& session) { return Run(*a, session); };
  });

  auto l = std::make_shared<BackupArgs>();
  CLI::App* list = cmd->add_subcommand(
      "list", "rotor's backups of instances: age, size, state and region of each snapshot");
  AddTargetFlags(list, *l);
  list->add_option("--copy-to", l->copy_to, "also list the copies in this region");
  list->callback([l, &chosen] { chosen = [l](Session& session) { return List(*l, session); }; });
}

}  // namespace rotor::cli
