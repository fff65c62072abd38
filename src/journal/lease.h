// Holding the leases of an operation's resources: take them all or none, renew them as it
// goes (a heartbeat driven by the engine's own steps, at least every 30 s), give them back.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "journal/journal.h"

namespace rotor::journal {

// Whether a lease's owner ("user@host:pid") is known to be gone: it ran on this host and its
// process no longer exists. False whenever that cannot be told (another host, a pid in use).
using OwnerGone = std::function<bool(const std::string& owner)>;

class LeaseKeeper {
 public:
  // REQUIRES: `journal` and `clock` outlive the keeper. `owner_gone` may be empty (then every
  // held lease waits out its TTL).
  LeaseKeeper(Journal& journal, core::Clock& clock, std::string owner, std::string rollout,
              core::Duration ttl, OwnerGone owner_gone = {})
      : journal_(journal),
        clock_(clock),
        owner_(owner.empty() ? "unnamed" : std::move(owner)),  // empty marks a released lease
        rollout_(std::move(rollout)),
        ttl_(ttl),
        owner_gone_(std::move(owner_gone)) {}

  // Takes every resource's lease, or none: kBlocked naming the holder of the first one held. A
  // lease whose holder ran on this host and whose process is gone is taken over at once (a
  // `kill -9`, a crash): no need to wait out its TTL. Its fencing token still grows, so a
  // holder wrongly thought gone stops before its next act.
  core::Status TakeAll(const std::vector<std::string>& resources, bool force);
  // Called before every act: checks that every lease is still held with its token, and renews
  // those a third of whose TTL has passed. kBlocked when one was taken over (by expiry or by
  // force) or cannot be checked or renewed: the caller must stop acting at once.
  core::Status Keep();
  // Gives back every lease still held (best effort: an expired one simply lapses).
  void ReleaseAll();

  const std::vector<Lease>& leases() const { return leases_; }

 private:
  Journal& journal_;
  core::Clock& clock_;
  std::string owner_;
  std::string rollout_;
  core::Duration ttl_;
  OwnerGone owner_gone_;
  std::vector<Lease> leases_;
};

}  // namespace rotor::journal
