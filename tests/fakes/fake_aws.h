// What an AWS client needs on a fake transport, for tests of the wire layer: a manual clock,
// static credentials, a fixed rng and a retry quota, for one region. Not copyable (the context
// refers to the members).
#pragma once

#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "core/clock.h"
#include "core/rng.h"
#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::testing {

struct FakeAws {
  // `now` as ISO 8601 ("2026-11-30T03:00:00Z").
  FakeAws(const std::string& now, const std::string& region);
  FakeAws(const FakeAws&) = delete;
  FakeAws& operator=(const FakeAws&) = delete;

  FakeTransport transport;
  core::ManualClock clock;
  aws::StaticProvider creds;
  core::FixedRng rng;
  aws::RetryQuota quota;
  aws::ClientContext context;
};

}  // namespace rotor::testing
