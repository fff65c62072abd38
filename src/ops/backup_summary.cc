// backup: the runbook's layout, what a run did (from its journal and a fresh look), and
// `rotor backup list`.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ops/backup.h"
#include "runbook/progress.h"

namespace rotor::ops {

std::string BackupHostName(const BackupHost& h) {
  return h.name.empty() ? h.id : fmt::format("{} ({})", h.name, h.id);
}

std::vector<BackupStepRole> BackupLayout(const BackupPlan& plan) {
  using K = BackupStepRole::Kind;
  const int n = static_cast<int>(plan.hosts.size());
  std::vector<BackupStepRole> out;
  for (int h = 0; h < n; ++h) out.push_back({K::kSnapshot, h});
  if (plan.wait) out.push_back({K::kWait, -1});
  bool copying = !plan.copy_to.empty();
  if (copying) {
    for (int h = 0; h < n; ++h) out.push_back({K::kCopy, h});
    out.push_back({K::kWaitCopies, -1});
  }
  if (plan.retention.any()) {
    for (int h = 0; h < n; ++h) {
      out.push_back({K::kPrune, h});
      if (copying) out.push_back({K::kPruneCopies, h});
    }
  }
  return out;
}

core::Result<std::vector<BackupOutcome>> SummarizeBackup(
    cloud::Volumes& volumes, cloud::Volumes* copies, const std::vector<journal::Record>& records,
    const BackupPlan& plan) {
  using K = BackupStepRole::Kind;
  std::vector<BackupStepRole> layout = BackupLayout(plan);
  ASSIGN_OR_RETURN(runbook::Progress progress,
                   runbook::Replay(static_cast<int>(layout.size()), records));
  std::vector<BackupOutcome> out;
  for (const BackupHost& h : plan.hosts) out.push_back({BackupHostName(h), {}, {}, {}, 0, {}});
  std::vector<std::string> waits;
  for (size_t i = 0; i < layout.size(); ++i) {
    const runbook::StepProgress& sp = progress.steps[i];
    const BackupStepRole& role = layout[i];
    if (sp.state == runbook::StepState::kFailed) {
      bool own = role.kind == K::kSnapshot;
      if (role.host < 0) {
        waits.push_back(sp.error);  // names the snapshots it waited for
      } else if (own || out[role.host].failed.empty()) {
        // A copy or prune refused because the host's backup failed says nothing new.
        out[role.host].failed.push_back(sp.error);
      }
    }
    bool pruned = role.kind == K::kPrune || role.kind == K::kPruneCopies;
    if (pruned && sp.memo && sp.state == runbook::StepState::kDone) {
      nlohmann::json j = nlohmann::json::parse(*sp.memo, nullptr, false);
      if (j.is_array()) {
        for (const auto& id : j) out[role.host].deleted.push_back(id.get<std::string>());
      }
    }
  }
  // rotor's backups in each region, one paged listing each, counted against their instance.
  std::map<std::string, size_t> index;
  for (size_t h = 0; h < plan.hosts.size(); ++h) index[plan.hosts[h].id] = h;
  cloud::SnapshotQuery q;
  q.tag_key = kBackupCreated;
  for (bool in_copies : {false, true}) {
    cloud::Volumes* where = in_copies ? copies : &volumes;
    if (!where) continue;
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, where->DescribeSnapshots(q));
    for (const cloud::Snapshot& s : all) {
      auto of = s.tags.find(kBackupOf);
      auto h = of == s.tags.end() ? index.end() : index.find(of->second);
      if (h == index.end()) continue;
      BackupOutcome& o = out[h->second];
      ++o.kept;
      auto op = s.tags.find(kBackupOperation);
      if (op == s.tags.end() || op->second != plan.operation_id) continue;
      (in_copies ? o.copied : o.created).push_back(s);
    }
  }
  if (!waits.empty()) out.push_back({"waiting for the snapshots", {}, {}, {}, 0, waits});
  return out;
}

core::Result<std::vector<BackupListing>> ListBackups(cloud::Cloud& cloud,
                                                     const BackupTarget& target,
                                                     const std::string& region,
                                                     cloud::Volumes* copies,
                                                     const std::string& copy_region) {
  ASSIGN_OR_RETURN(std::vector<cloud::Host> hosts, BackupTargets(cloud, target));
  std::vector<BackupListing> out;
  for (const cloud::Host& h : hosts) {
    std::string who = BackupHostName({h.instance.id, h.name, true, {}});
    cloud::SnapshotQuery q;
    q.tag_key = kBackupOf;
    q.tag_value = h.instance.id;
    std::vector<BackupListing> mine;
    for (bool in_copies : {false, true}) {
      cloud::Volumes* where = in_copies ? copies : &cloud.volumes;
      if (!where) continue;
      ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, where->DescribeSnapshots(q));
      for (cloud::Snapshot& s : all) {
        if (!s.tags.count(kBackupCreated)) continue;
        mine.push_back({who, in_copies ? copy_region : region, std::move(s)});
      }
    }
    std::stable_sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
      return BackupTime(a.snapshot) > BackupTime(b.snapshot);
    });
    out.insert(out.end(), mine.begin(), mine.end());
  }
  return out;
}

}  // namespace rotor::ops
