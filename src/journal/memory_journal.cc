#include "journal/memory_journal.h"

#include <fmt/format.h>

#include <algorithm>

namespace rotor::journal {

core::Status MemoryJournal::CreateRollout(const RolloutInfo& info) {
  for (const RolloutInfo& r : rollouts_) {
    if (r.id == info.id)
      return core::Status(core::Code::kFailedPrecondition,
                          "rollout " + info.id + " already exists");
  }
  rollouts_.push_back(info);
  return core::Status::Ok();
}

core::Result<RolloutInfo> MemoryJournal::GetRollout(const std::string& id) {
  for (const RolloutInfo& r : rollouts_) {
    if (r.id == id) return r;
  }
  return core::NotFound(fmt::format("no rollout {} in the journal", id));
}

core::Result<std::vector<RolloutInfo>> MemoryJournal::ListRollouts() {
  std::vector<RolloutInfo> out(rollouts_.rbegin(), rollouts_.rend());
  return out;
}

core::Status MemoryJournal::SetStatus(const std::string& id, const std::string& status,
                                      core::Time now) {
  for (RolloutInfo& r : rollouts_) {
    if (r.id != id) continue;
    r.status = status;
    r.updated = now;
    return core::Status::Ok();
  }
  return core::NotFound(fmt::format("no rollout {} in the journal", id));
}

core::Status MemoryJournal::RequestPause(const std::string& id, bool pause) {
  for (RolloutInfo& r : rollouts_) {
    if (r.id != id) continue;
    r.pause_requested = pause;
    return core::Status::Ok();
  }
  return core::NotFound(fmt::format("no rollout {} in the journal", id));
}

core::Status MemoryJournal::Append(Record& record) {
  int64_t& next = next_seq_[record.rollout];
  record.seq = ++next;
  records_.push_back(record);
  return core::Status::Ok();
}

void MemoryJournal::LoseUnsynced() {
  auto last_durable =
      std::find_if(records_.rbegin(), records_.rend(), [](const Record& r) { return r.durable; });
  records_.erase(last_durable.base(), records_.end());
  next_seq_.clear();
  for (const Record& r : records_) next_seq_[r.rollout] = r.seq;
}

core::Result<std::vector<Record>> MemoryJournal::Read(const std::string& rollout) {
  std::vector<Record> out;
  std::copy_if(records_.begin(), records_.end(), std::back_inserter(out),
               [&](const Record& r) { return r.rollout == rollout; });
  return out;
}

core::Result<Lease> MemoryJournal::TakeLease(const std::string& resource, const std::string& owner,
                                             const std::string& rollout, core::Duration ttl,
                                             core::Time now, bool force) {
  auto it = leases_.find(resource);
  if (it != leases_.end() && it->second.expires > now && !force) return HeldBy(it->second, now);
  Lease l{resource, owner, rollout, ++tokens_[resource], now + ttl};
  leases_[resource] = l;
  return l;
}

core::Result<Lease> MemoryJournal::RenewLease(const Lease& lease, core::Duration ttl,
                                              core::Time now) {
  auto it = leases_.find(lease.resource);
  if (it == leases_.end()) return Lost(lease.resource, std::nullopt, now);
  if (it->second.token != lease.token) return HeldBy(it->second, now);
  it->second.expires = now + ttl;
  return it->second;
}

core::Status MemoryJournal::ReleaseLease(const Lease& lease) {
  auto it = leases_.find(lease.resource);
  if (it != leases_.end() && it->second.token == lease.token) leases_.erase(it);
  return core::Status::Ok();
}

core::Result<std::optional<Lease>> MemoryJournal::GetLease(const std::string& resource) {
  auto it = leases_.find(resource);
  if (it == leases_.end()) return std::optional<Lease>();
  return std::optional<Lease>(it->second);
}

}  // namespace rotor::journal
