// backup: the steps. Each finds what the operation made again by its tags (rotor:operation,
// rotor:backup-of), so a resumed run never snapshots, copies or deletes twice.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cloud/backoff.h"
#include "core/strings.h"
#include "ops/backup.h"
#include "ops/host_steps.h"

namespace rotor::ops {
namespace {

using runbook::Check;
using runbook::Reversal;

// Snapshots pending are looked at as SnapshotPoll says (host_steps.h).
constexpr auto kNoteEvery = std::chrono::seconds(30);
constexpr auto kPostAtLeast = std::chrono::minutes(5);

std::string Who(const BackupHost& h) { return BackupHostName(h); }

std::string Tail(const remote::CommandResult& r) {
  std::string text = core::Trim(r.err.empty() ? r.out : r.err);
  return text.size() > 200 ? "..." + text.substr(text.size() - 200) : text;
}

// What the steps of one backup share.
struct BackupCtx {
  cloud::Cloud& cloud;
  core::Clock& clock;
  remote::Runner& runner;
  BackupPlan plan;
  BackupHooks hooks;

  cloud::Volumes& In(bool copies) { return copies ? *hooks.copies : cloud.volumes; }
  const std::string& RegionOf(bool copies) const { return copies ? plan.copy_to : plan.region; }

  // The snapshots this operation made of `host` (copies: in the other region), oldest first.
  core::Result<std::vector<cloud::Snapshot>> Made(const std::string& host, bool copies) {
    cloud::SnapshotQuery q;
    q.tag_key = kBackupOf;
    q.tag_value = host;
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> snaps, In(copies).DescribeSnapshots(q));
    std::erase_if(snaps, [&](const cloud::Snapshot& s) {
      auto it = s.tags.find(kBackupOperation);
      return it == s.tags.end() || it->second != plan.operation_id ||
             s.tags.count(kBackupCopyOf) != (copies ? 1u : 0u);
    });
    return snaps;
  }

  void Note(const std::string& line) {
    if (hooks.note) hooks.note(line);
  }
  core::Status KeepLease() { return hooks.keep_lease ? hooks.keep_lease() : core::Status::Ok(); }
};

// Why a backup of a host does not stand (so nothing of it is copied or pruned), or "".
std::string NotStanding(const std::vector<cloud::Snapshot>& made, bool must_be_complete) {
  if (made.empty()) return "no snapshot was made";
  for (const cloud::Snapshot& s : made) {
    if (s.state == "error") return s.id + " failed";
    if (must_be_complete && s.state != "completed") return s.id + " has not completed";
  }
  return "";
}

// --pre, the snapshot set, --post: one host's consistent backup.
class SnapshotHostStep final : public runbook::Step {
 public:
  SnapshotHostStep(std::shared_ptr<BackupCtx> ctx, BackupHost host)
      : ctx_(std::move(ctx)), host_(std::move(host)) {}
  std::string Describe() const override {
    std::vector<std::string> vols;
    for (const cloud::BlockDevice& d : host_.volumes) vols.push_back(d.volume_id);
    return fmt::format("back up {}: {}snapshot set of {}{}", Who(host_),
                       Hooked() && !ctx_->plan.pre.empty() ? "--pre, " : "", core::Join(vols, ", "),
                       Hooked() && !ctx_->plan.post.empty() ? ", --post" : "");
  }
  Reversal reversal() const override { return Reversal::kNothingToUndo; }  // data is kept
  bool independent() const override { return true; }
  // Always not done: whether the post commands ran cannot be observed; Do finds a set made by an
  // earlier attempt itself, after running them.
  core::Result<Check> Look() override { return Check::NotDone(); }
  // The intent journaled with this memo is what says the post commands are pending.
  core::Result<std::string> Remember() override {
    return nlohmann::json{{"post_pending", Hooked() ? ctx_->plan.post : std::vector<std::string>{}}}
        .dump();
  }
  void Resumed(const std::string&) override { resumed_ = true; }
  core::Status Do() override;
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  bool Hooked() const { return host_.running; }
  core::Result<remote::SshTarget> Target();
  // Runs `commands` in order, each within `timeout`; the first failure, with its output (a
  // runner's error too: one host out of reach must not hold the others back).
  core::Status RunAll(const std::vector<std::string>& commands, core::Duration timeout,
                      const char* flag);
  core::Status Post() {
    return RunAll(ctx_->plan.post, std::max<core::Duration>(ctx_->plan.pre_timeout, kPostAtLeast),
                  "--post");
  }
  core::Status Snapshot();

  std::shared_ptr<BackupCtx> ctx_;
  BackupHost host_;
  bool resumed_ = false;
  std::optional<remote::SshTarget> target_;
};

core::Result<remote::SshTarget> SnapshotHostStep::Target() {
  if (target_) return *target_;
  // One DescribeInstances: running instances only, with their addresses.
  ASSIGN_OR_RETURN(std::vector<cloud::Instance> found,
                   ctx_->cloud.instances.ListInstances({host_.id}));
  cloud::Host h;
  if (!found.empty()) h.instance = found.front();
  std::string address = AddressOf(h, ctx_->plan.address);
  if (h.instance.ec2_state != "running" || address.empty()) {
    return StepFailed(fmt::format("{} is not running with a {} address: its commands cannot run",
                                  Who(host_), AddressKindName(ctx_->plan.address)));
  }
  target_ = remote::SshTarget{Who(host_), address, false};
  return *target_;
}

core::Status SnapshotHostStep::RunAll(const std::vector<std::string>& commands,
                                      core::Duration timeout, const char* flag) {
  if (!Hooked() || commands.empty()) return core::Status::Ok();
  ASSIGN_OR_RETURN(remote::SshTarget target, Target());
  auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  for (const std::string& c : commands) {
    auto r = ctx_->runner.Run(target, c, limit);
    if (!r.ok() && r.status().code() == core::Code::kAborted) return r.status();
    if (!r.ok())
      return StepFailed(
          fmt::format("{} `{}` on {}: {}", flag, c, target.name, r.status().message()));
    if (r->exit_status != 0) {
      std::string said = Tail(*r);
      return StepFailed(fmt::format("{} `{}` on {} exited {}{}", flag, c, target.name,
                                    r->exit_status, said.empty() ? "" : ": " + said));
    }
  }
  return core::Status::Ok();
}

core::Status SnapshotHostStep::Snapshot() {
  cloud::SnapshotSetRequest r;
  r.instance_id = host_.id;
  r.include_root = ctx_->plan.include_root;
  r.description = fmt::format("rotor backup of {} ({})", Who(host_), ctx_->plan.operation_id);
  r.tags = ctx_->plan.tags;
  r.tags[kBackupOf] = host_.id;
  r.tags[kBackupCreated] = ctx_->plan.created;
  r.tags[kBackupOperation] = ctx_->plan.operation_id;
  r.copy_volume_tags = true;
  auto made = ctx_->cloud.volumes.CreateSnapshotSet(r);
  if (!made.ok()) return made.status();
  std::vector<std::string> ids;
  for (const cloud::Snapshot& s : *made) ids.push_back(s.id);
  ctx_->Note(fmt::format("{}: snapshots {} started", Who(host_), core::Join(ids, ", ")));
  return core::Status::Ok();
}

core::Status SnapshotHostStep::Do() {
  if (resumed_) {
    // An earlier attempt may have left the host frozen: the post commands first, whatever the
    // rest of the step finds. Their failure here is likely "not frozen", so it is only noted.
    if (core::Status post = Post(); !post.ok()) {
      if (cloud::Unreachable(post) || post.code() == core::Code::kAborted) return post;
      ctx_->Note(fmt::format("resumed: {} (it may not have been needed)", post.message()));
    }
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> made, ctx_->Made(host_.id, false));
    if (!made.empty()) return core::Status::Ok();  // the set was made before the crash
  }
  if (core::Status pre = RunAll(ctx_->plan.pre, ctx_->plan.pre_timeout, "--pre"); !pre.ok()) {
    if (pre.code() == core::Code::kAborted) return pre;
    core::Status post = Post();
    return StepFailed(fmt::format("{}; not snapshotted{}", pre.message(),
                                  post.ok() ? "" : "; and " + post.message()));
  }
  core::Status snap = Snapshot();
  if (snap.code() == core::Code::kAborted) return snap;  // dying: the resume runs the post first
  core::Status post = Post();
  if (!snap.ok()) {
    if (cloud::Unreachable(snap) && post.ok()) return snap;  // waited out, then all again
    return StepFailed(fmt::format("snapshot set of {}: {}{}", Who(host_), snap.ToString(),
                                  post.ok() ? "" : "; and " + post.message()));
  }
  if (!post.ok()) {
    return StepFailed(
        fmt::format("{}: the snapshots were started, but the host may still be "
                    "frozen: look at it now",
                    post.message()));
  }
  return core::Status::Ok();
}

// Waits until every snapshot the operation made (or copied) in one region completed.
class WaitSnapshotsStep final : public runbook::Step {
 public:
  WaitSnapshotsStep(std::shared_ptr<BackupCtx> ctx, bool copies)
      : ctx_(std::move(ctx)), copies_(copies) {}
  std::string Describe() const override {
    return fmt::format("wait until the {} in {} completed", copies_ ? "copies" : "snapshots",
                       ctx_->RegionOf(copies_));
  }
  Reversal reversal() const override { return Reversal::kNothingToUndo; }
  bool independent() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, All());
    for (const cloud::Snapshot& s : all) {
      if (s.state != "completed") return Check::NotDone();
    }
    return Check::Done();
  }
  core::Status Do() override;
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  // Everything the operation made in the region: one paged call, whatever the fleet's size.
  core::Result<std::vector<cloud::Snapshot>> All() {
    cloud::SnapshotQuery q;
    q.tag_key = kBackupOperation;
    q.tag_value = ctx_->plan.operation_id;
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, ctx_->In(copies_).DescribeSnapshots(q));
    std::erase_if(all, [&](const cloud::Snapshot& s) {
      return s.tags.count(kBackupCopyOf) != (copies_ ? 1u : 0u);
    });
    return all;
  }

  std::shared_ptr<BackupCtx> ctx_;
  bool copies_;
};

core::Status WaitSnapshotsStep::Do() {
  const core::Time began = ctx_->clock.Now();
  const core::Time until = began + ctx_->plan.wait_timeout;
  core::Time next_note{};
  std::string last;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, All());
    int done = 0, progress = 0;
    std::vector<std::string> failed, pending;
    for (const cloud::Snapshot& s : all) {
      progress += s.state == "completed" ? 100 : s.progress_percent;
      if (s.state == "completed") ++done;
      if (s.state == "error") failed.push_back(fmt::format("{} (of {})", s.id, s.volume_id));
      if (s.state == "pending") pending.push_back(s.id);
    }
    std::string line =
        fmt::format("{}: {} of {} completed ({}%)", copies_ ? "copies" : "snapshots", done,
                    all.size(), all.empty() ? 100 : progress / (int)all.size());
    if (line != last && ctx_->clock.Now() >= next_note) {
      ctx_->Note(line);
      last = line;
      next_note = ctx_->clock.Now() + kNoteEvery;
    }
    if (pending.empty()) {
      if (failed.empty()) return core::Status::Ok();
      return StepFailed(fmt::format("{} failed: {}", failed.size(), core::Join(failed, ", ")));
    }
    if (ctx_->clock.Now() >= until) {
      return StepFailed(fmt::format(
          "{} still pending after {}s: {} (they go on; `rotor backup "
          "list` shows them)",
          pending.size(),
          std::chrono::duration_cast<std::chrono::seconds>(ctx_->plan.wait_timeout).count(),
          core::Join(pending, ", ")));
    }
    ctx_->clock.SleepUntil(ctx_->clock.Now() + SnapshotPoll(ctx_->clock.Now() - began));
    RETURN_IF_ERROR(ctx_->KeepLease());
  }
}

// Copies a host's completed snapshots into the --copy-to region, tags kept.
class CopyHostStep final : public runbook::Step {
 public:
  CopyHostStep(std::shared_ptr<BackupCtx> ctx, BackupHost host)
      : ctx_(std::move(ctx)), host_(std::move(host)) {}
  std::string Describe() const override {
    return fmt::format("copy the snapshots of {} to {}", Who(host_), ctx_->plan.copy_to);
  }
  Reversal reversal() const override { return Reversal::kNothingToUndo; }
  bool independent() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> made, ctx_->Made(host_.id, false));
    if (std::string why = NotStanding(made, true); !why.empty()) {
      return Check::Blocked(
          fmt::format("the backup of {} does not stand ({}): not copied", Who(host_), why));
    }
    ASSIGN_OR_RETURN(missing_, Missing(made));
    return missing_.empty() ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    for (const cloud::Snapshot& s : missing_) {
      std::map<std::string, std::string> tags;
      for (const auto& [k, v] : s.tags) {
        if (!k.starts_with("aws:")) tags[k] = v;
      }
      tags[kBackupCopyOf] = s.id;
      tags[kBackupVolume] = s.volume_id;
      auto copy = ctx_->hooks.copies->CopySnapshot(ctx_->plan.region, s.id, s.description, tags);
      if (!copy.ok())
        return copy.status().WithContext("copy " + s.id + " to " + ctx_->plan.copy_to);
      ctx_->Note(
          fmt::format("{}: {} copied to {} as {}", Who(host_), s.id, ctx_->plan.copy_to, *copy));
    }
    return core::Status::Ok();
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  // The snapshots of `made` with no copy yet in the other region.
  core::Result<std::vector<cloud::Snapshot>> Missing(const std::vector<cloud::Snapshot>& made) {
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> copies, ctx_->Made(host_.id, true));
    std::vector<cloud::Snapshot> out;
    for (const cloud::Snapshot& s : made) {
      bool copied = std::any_of(copies.begin(), copies.end(), [&](const cloud::Snapshot& c) {
        return c.tags.at(kBackupCopyOf) == s.id;
      });
      if (!copied) out.push_back(s);
    }
    return out;
  }

  std::shared_ptr<BackupCtx> ctx_;
  BackupHost host_;
  std::vector<cloud::Snapshot> missing_;
};

// Deletes what the retention rule says among rotor's backups of a host's volumes, in one region.
// What it deletes is chosen once and journaled before the first deletion.
class PruneHostStep final : public runbook::Step {
 public:
  PruneHostStep(std::shared_ptr<BackupCtx> ctx, BackupHost host, bool copies)
      : ctx_(std::move(ctx)), host_(std::move(host)), copies_(copies) {}
  std::string Describe() const override {
    return fmt::format("delete rotor's old backups of the volumes of {} in {}", Who(host_),
                       ctx_->RegionOf(copies_));
  }
  Reversal reversal() const override { return Reversal::kIrreversible; }
  bool independent() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(made_, ctx_->Made(host_.id, copies_));
    if (std::string why = NotStanding(made_, ctx_->plan.wait); !why.empty()) {
      return Check::Blocked(
          fmt::format("the backup of {} does not stand ({}): nothing deleted", Who(host_), why));
    }
    return Check::NotDone();
  }
  core::Result<std::string> Remember() override;
  void Resumed(const std::string& memo) override {
    nlohmann::json j = nlohmann::json::parse(memo, nullptr, false);
    if (j.is_array()) victims_ = j.get<std::vector<std::string>>();
  }
  core::Status Do() override;
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::shared_ptr<BackupCtx> ctx_;
  BackupHost host_;
  bool copies_;
  std::vector<cloud::Snapshot> made_;
  std::vector<std::string> victims_;
};

core::Result<std::string> PruneHostStep::Remember() {
  victims_.clear();
  std::vector<std::string> volumes;
  for (const cloud::Snapshot& s : made_) {
    std::string v = copies_ ? s.tags.at(kBackupVolume) : s.volume_id;
    if (std::find(volumes.begin(), volumes.end(), v) == volumes.end()) volumes.push_back(v);
  }
  core::Time now = ctx_->clock.Now();
  for (const std::string& v : volumes) {
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, RotorBackups(ctx_->In(copies_), v, copies_));
    std::vector<Kept> kept;
    for (const cloud::Snapshot& s : all) {
      if (s.tags.at(kBackupOperation) == ctx_->plan.operation_id) continue;  // never tonight's
      kept.push_back({s.id, BackupTime(s), s.state});
    }
    // Tonight's counts once it completed (Look made sure of it when the run waits): with
    // --no-wait it is still pending and may fail, so only completed ones older than it count.
    if (ctx_->plan.wait) {
      auto created = core::ParseIso8601(ctx_->plan.created);
      kept.push_back({"", created.ok() ? *created : now, "completed"});
    }
    for (std::string& id : ToPrune(kept, ctx_->plan.retention, now)) {
      if (!id.empty()) victims_.push_back(std::move(id));
    }
  }
  return nlohmann::json(victims_).dump();
}

core::Status PruneHostStep::Do() {
  std::vector<std::string> refused;
  for (const std::string& id : victims_) {
    core::Status gone = ctx_->In(copies_).DeleteSnapshot(id);
    if (gone.code() == core::Code::kNotFound) continue;  // deleted by an earlier attempt
    if (cloud::Unreachable(gone) || gone.code() == core::Code::kAborted ||
        gone.code() == core::Code::kBlocked) {
      return gone;  // waited out and tried again; or the process is dying
    }
    if (!gone.ok()) {
      refused.push_back(fmt::format("{}: {}", id, gone.message()));
      continue;
    }
    ctx_->Note(fmt::format("{}: deleted {} in {}", Who(host_), id, ctx_->RegionOf(copies_)));
  }
  if (refused.empty()) return core::Status::Ok();
  return StepFailed("could not delete " + core::Join(refused, "; "));
}

}  // namespace

std::vector<std::unique_ptr<runbook::Step>> BackupSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                        remote::Runner& runner,
                                                        const BackupPlan& plan, BackupHooks hooks) {
  using K = BackupStepRole::Kind;
  auto ctx = std::make_shared<BackupCtx>(BackupCtx{cloud, clock, runner, plan, std::move(hooks)});
  std::vector<std::unique_ptr<runbook::Step>> out;
  for (const BackupStepRole& role : BackupLayout(plan)) {
    const BackupHost* h = role.host >= 0 ? &plan.hosts[role.host] : nullptr;
    switch (role.kind) {
      case K::kSnapshot:
        out.push_back(std::make_unique<SnapshotHostStep>(ctx, *h));
        break;
      case K::kWait:
      case K::kWaitCopies:
        out.push_back(std::make_unique<WaitSnapshotsStep>(ctx, role.kind == K::kWaitCopies));
        break;
      case K::kCopy:
        out.push_back(std::make_unique<CopyHostStep>(ctx, *h));
        break;
      case K::kPrune:
      case K::kPruneCopies:
        out.push_back(std::make_unique<PruneHostStep>(ctx, *h, role.kind == K::kPruneCopies));
        break;
    }
  }
  return out;
}

}  // namespace rotor::ops
