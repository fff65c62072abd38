#include "cli/probes.h"

#include <fmt/format.h>

#include "remote/host_keys.h"

namespace rotor::cli {
namespace {

using namespace std::chrono_literals;

// In a simulation a tcp or http probe passes exactly when the simulator says its port answers
// (port 22: sshd is up; any other: the application is); ssh probes run through the SimRunner.
class SimProber final : public remote::Prober {
 public:
  explicit SimProber(const sim::SimCloud& sim) : sim_(sim) {}
  core::Status Probe(const remote::ProbeSpec& p, const std::string& address) override {
    core::Status s = sim_.PortAnswers(address, p.port);
    if (s.ok()) return s;
    return core::Status(core::Code::kUnavailable,
                        fmt::format("probe {} on {}: {}", p.text, address, s.message()));
  }

 private:
  const sim::SimCloud& sim_;
};

}  // namespace

core::Result<std::unique_ptr<ProbeSet>> ProbeSet::Create(const std::vector<std::string>& texts,
                                                         const std::string& address, Runtime& rt) {
  if (address != "private" && address != "public") {
    return core::InvalidArgument(
        fmt::format("--probe-address '{}' is not private or public", address));
  }
  std::unique_ptr<ProbeSet> set(new ProbeSet());
  bool ssh = false;
  for (const std::string& t : texts) {
    ASSIGN_OR_RETURN(remote::ProbeSpec s, remote::ProbeSpec::Parse(t));
    ssh |= s.kind == remote::ProbeSpec::Kind::kSsh;
    set->specs_.push_back(std::move(s));
  }
  set->public_ = address == "public";
  set->ssh_public_ = rt.ssh_public_address();
  if (ssh) RETURN_IF_ERROR(rt.SshFlags().status());
  if (rt.sim()) {
    set->sockets_ = std::make_unique<SimProber>(*rt.sim());
  } else {
    set->sockets_ = std::make_unique<remote::SocketProber>(2s);
  }
  set->ssh_ipv6_ = rt.ssh_address() == "ipv6";
  if (ssh) {
    ASSIGN_OR_RETURN(remote::Runner * runner, rt.Remote());
    set->prober_ = std::make_unique<remote::HostProber>(*set->sockets_, *runner, 30s);
    set->runner_ptr_ = runner;
    set->instances_ = &rt.cloud().instances;
  }
  return set;
}

// Before the first ssh probe of an instance: its host keys from the EC2 console, pinned under
// the address probed, so the first connection is already checked. A console that shows none
// (yet), or cannot be read, leaves the key to be pinned at first sight.
void ProbeSet::PinKeys(const cloud::Instance& i, const std::string& address) {
  if (!runner_ptr_ || !instances_ || !keyed_.insert(i.id).second) return;
  auto console = instances_->ConsoleOutput(i.id);
  if (!console.ok()) return;
  (void)runner_ptr_->TrustHostKeys({address}, remote::HostKeysFromConsole(*console));
}

core::Status ProbeSet::Check(const cloud::Instance& i) {
  for (const remote::ProbeSpec& s : specs_) {
    bool use_public = s.kind == remote::ProbeSpec::Kind::kSsh ? ssh_public_ : public_;
    const std::string& preferred = use_public ? i.public_ip : i.private_ip;
    const std::string& address =
        preferred.empty() ? (use_public ? i.private_ip : i.public_ip) : preferred;
    remote::Prober& prober = prober_ ? *prober_ : *sockets_;
    if (s.kind == remote::ProbeSpec::Kind::kSsh && ssh_ipv6_) {
      if (i.ipv6_addresses.empty()) {
        return core::Status(core::Code::kUnavailable,
                            fmt::format("{} has no IPv6 address (--ssh-address ipv6)", i.id));
      }
      PinKeys(i, i.ipv6_addresses[0]);
      RETURN_IF_ERROR(prober.Probe(s, i.ipv6_addresses[0]));
      continue;
    }
    if (s.kind == remote::ProbeSpec::Kind::kSsh) PinKeys(i, address);
    RETURN_IF_ERROR(prober.Probe(s, address));
  }
  return core::Status::Ok();
}

}  // namespace rotor::cli
