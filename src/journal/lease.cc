#include "journal/lease.h"

#include <fmt/format.h>

namespace rotor::journal {

core::Status LeaseKeeper::TakeAll(const std::vector<std::string>& resources, bool force) {
  for (const std::string& g : resources) {
    auto l = journal_.TakeLease(g, owner_, rollout_, ttl_, clock_.Now(), force);
    if (!l.ok() && l.status().code() == core::Code::kBlocked && !force && owner_gone_) {
      auto held = journal_.GetLease(g);
      if (held.ok() && *held && owner_gone_((*held)->owner)) {
        l = journal_.TakeLease(g, owner_, rollout_, ttl_, clock_.Now(), /*force=*/true);
      }
    }
    if (!l.ok()) {
      ReleaseAll();
      return l.status();
    }
    leases_.push_back(*l);
  }
  return core::Status::Ok();
}

core::Status LeaseKeeper::Keep() {
  core::Time now = clock_.Now();
  for (Lease& l : leases_) {
    if (l.expires - now > ttl_ * 2 / 3) {
      // Renewed less than a third of a TTL ago, but someone may have forced it away since (a
      // rotor stopped and woken up, a --force-unlock): look before every act.
      auto held = journal_.GetLease(l.resource);
      if (!held.ok()) {
        return core::Status(core::Code::kBlocked,
                            fmt::format("cannot check the lease on {} ({}): stopping "
                                        "rather than act without it",
                                        ResourceLabel(l.resource), held.status().message()));
      }
      if (*held && (*held)->token == l.token) continue;
      return Lost(l.resource, *held, now);
    }
    auto renewed = journal_.RenewLease(l, ttl_, now);
    if (!renewed.ok()) {
      if (renewed.status().code() == core::Code::kBlocked) return renewed.status();
      return core::Status(core::Code::kBlocked,
                          fmt::format("cannot renew the lease on {} ({}): stopping before "
                                      "another rotor may take it over",
                                      ResourceLabel(l.resource), renewed.status().message()));
    }
    l = *renewed;
  }
  return core::Status::Ok();
}

void LeaseKeeper::ReleaseAll() {
  for (const Lease& l : leases_) journal_.ReleaseLease(l).IgnoreError();
  leases_.clear();
}

}  // namespace rotor::journal
