#include "fakes/fake_aws.h"

namespace rotor::testing {

FakeAws::FakeAws(const std::string& now, const std::string& region)
    : clock(*core::ParseIso8601(now)),
      creds(aws::Credentials{"AK", "S", "", {}, "test"}),
      rng(0.0),
      context{transport, creds, clock,   rng,    quota, aws::EndpointConfig{region, "", {}},
              "",        0,     nullptr, nullptr} {}

}  // namespace rotor::testing
