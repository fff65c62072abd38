#include "journal/journal.h"

#include <fmt/format.h>

namespace rotor::journal {

core::Status HeldBy(const Lease& held, core::Time now) {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(held.expires - now).count();
  return core::Status(
      core::Code::kBlocked,
      fmt::format("{} is held by {} for rollout {} (lease for {} s more, token {}): wait for "
                  "it, or if that rotor is gone, `rotor rollout resume {}` once the lease has "
                  "expired (or with --force-unlock)",
                  ResourceLabel(held.resource), held.owner, held.rollout,
                  std::max<int64_t>(0, left), held.token, held.rollout));
}

core::Status Lost(const std::string& resource, const std::optional<Lease>& held, core::Time now) {
  if (held) return HeldBy(*held, now);
  return core::Status(
      core::Code::kBlocked,
      fmt::format("the lease on {} was released by someone else", ResourceLabel(resource)));
}

}  // namespace rotor::journal
