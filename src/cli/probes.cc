#include "cli/probes.h"

#include <fmt/format.h>

namespace rotor::cli {
namespace {

using namespace std::chrono_literals;

// In a simulation the application "answers" exactly when the simulator says it is up.
class SimProber final : public remote::Prober {
 public:
  explicit SimProber(const sim::SimCloud& sim) : sim_(sim) {}
  core::Status Probe(const remote::ProbeSpec& p, const std::string& address) override {
    if (sim_.AppAnswers(address)) return core::Status::Ok();
    return core::Status(core::Code::kUnavailable,
                        fmt::format("probe {} on {}: connection refused", p.text, address));
  }

 private:
  const sim::SimCloud& sim_;
};

}  // namespace

core::Result<std::unique_ptr<ProbeSet>> ProbeSet::Create(const std::vector<std::string>& texts,
                                                         const std::string& address,
                                                         sim::SimCloud* sim) {
  if (address != "private" && address != "public") {
    return core::InvalidArgument(
        fmt::format("--probe-address '{}' is not private or public", address));
  }
  std::vector<remote::ProbeSpec> specs;
  for (const std::string& t : texts) {
    ASSIGN_OR_RETURN(remote::ProbeSpec s, remote::ProbeSpec::Parse(t));
    specs.push_back(std::move(s));
  }
  std::unique_ptr<remote::Prober> prober;
  if (sim) {
    prober = std::make_unique<SimProber>(*sim);
  } else {
    prober = std::make_unique<remote::SocketProber>(2s);
  }
  return std::unique_ptr<ProbeSet>(
      new ProbeSet(std::move(specs), address == "public", std::move(prober)));
}

core::Status ProbeSet::Check(const cloud::Instance& i) {
  const std::string& preferred = public_ ? i.public_ip : i.private_ip;
  const std::string& address =
      preferred.empty() ? (public_ ? i.private_ip : i.public_ip) : preferred;
  for (const remote::ProbeSpec& s : specs_) RETURN_IF_ERROR(prober_->Probe(s, address));
  return core::Status::Ok();
}

}  // namespace rotor::cli
