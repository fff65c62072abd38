// STS: the calls the credentials chain and `rotor` need.
#pragma once

#include <string>

#include "aws/client.h"
#include "aws/credentials.h"

namespace rotor::aws::sts {

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;
  std::string external_id;   // optional
  int duration_seconds = 0;  // 0: the role's default
};

core::Result<Credentials> AssumeRole(AwsClient& client, const AssumeRoleRequest& request);
// REQUIRES: `client` created unsigned.
core::Result<Credentials> AssumeRoleWithWebIdentity(AwsClient& client, const std::string& role_arn,
                                                    const std::string& session_name,
                                                    const std::string& token);

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};
core::Result<CallerIdentity> GetCallerIdentity(AwsClient& client);

}  // namespace rotor::aws::sts
