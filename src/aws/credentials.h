// AWS credentials, where they came from, and the provider interface the chain implements.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never printed, logged or journaled
  std::string session_token;      // never printed, logged or journaled
  std::optional<core::Time> expiration;
  std::string source;  // for messages: "environment", "profile 'dev' (~/.aws/credentials)", ...
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Returns credentials valid at `now`, refreshing them if they expire soon.
  // kUnauthenticated when none can be found, with the places looked at in the message.
  virtual core::Result<Credentials> Get(core::Time now) = 0;
};

// Always returns the same credentials; for tests and for static keys.
class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : creds_(std::move(c)) {}
  core::Result<Credentials> Get(core::Time) override { return creds_; }

 private:
  Credentials creds_;
};

}  // namespace rotor::aws
