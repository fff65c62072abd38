// The AWS SDK credentials chain: environment, shared profile (static keys, role_arn through
// STS AssumeRole, credential_process), web identity token file, then IMDSv2.
#pragma once

#include <optional>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/shared_config.h"

namespace rotor::aws {

struct ChainOptions {
  AwsEnv env;
  SharedConfig config;
  std::string profile;                      // the selected profile (SelectedProfile)
  bool profile_explicit = false;            // --profile given: the environment's keys are skipped
  EndpointConfig endpoints;                 // where STS is reached
  HttpTransport* transport = nullptr;       // for STS
  HttpTransport* imds_transport = nullptr;  // for the instance metadata service (1 s timeouts)
  core::Clock* clock = nullptr;
  core::Rng* rng = nullptr;
  RetryQuota* quota = nullptr;
  cloud::RequestPacer* pacer = nullptr;  // paces STS as every other service; optional
  DebugSink debug;
};

// Resolves once and caches; resolves again when the cached credentials expire within 5 minutes.
// Not thread-safe.
class DefaultCredentialsChain final : public CredentialsProvider {
 public:
  explicit DefaultCredentialsChain(ChainOptions options) : options_(std::move(options)) {}
  core::Result<Credentials> Get(core::Time now) override;

 private:
  using Found = core::Result<std::optional<Credentials>>;
  Found Resolve(core::Time now);
  Found FromEnvironment();
  Found FromProfile(const std::string& name, int depth, core::Time now);
  Found FromRole(const std::string& profile, const Section& section, int depth, core::Time now);
  Found RoleSource(const std::string& profile, const Section& section, int depth, core::Time now);
  ClientContext StsContext(CredentialsProvider& provider) const;
  Found FromWebIdentity(const std::string& role_arn, const std::string& token_file,
                        const std::string& session_name);
  Found FromProcess(const std::string& profile, const std::string& command);
  Found FromImds();

  ChainOptions options_;
  std::optional<Credentials> cached_;
};

// Parses credential_process output (JSON, Version 1). Exposed for tests.
core::Result<Credentials> ParseProcessCredentials(const std::string& json,
                                                  const std::string& source);

}  // namespace rotor::aws
