// Credentials from the EC2 instance metadata service, IMDSv2 only (token first).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/credentials_chain.h"
#include "core/strings.h"

namespace rotor::aws {
namespace {

const char kImdsDefault[] = "http://169.254.169.254";
const char kTokenTtl[] = "21600";

}  // namespace

// One attempt, short timeouts (the transport's): off EC2 the service simply is not there, and
// that is "no credentials here", not an error.
DefaultCredentialsChain::Found DefaultCredentialsChain::FromImds() {
  if (core::ToLower(options_.env.Get("AWS_EC2_METADATA_DISABLED")) == "true" ||
      options_.imds_transport == nullptr) {
    return std::optional<Credentials>();
  }
  std::string base = options_.env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = kImdsDefault;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpTransport& t = *options_.imds_transport;

  HttpRequest token_req{
      "PUT", base + "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", kTokenTtl}}, ""};
  auto token = t.Send(token_req);
  if (!token.ok() || token->status != 200) return std::optional<Credentials>();
  Headers auth{{"X-aws-ec2-metadata-token", token->body}};

  std::string path = base + "/latest/meta-data/iam/security-credentials/";
  auto role = t.Send(HttpRequest{"GET", path, auth, ""});
  if (!role.ok() || role->status != 200 || core::Trim(role->body).empty()) {
    return std::optional<Credentials>();  // an instance without a role
  }
  std::string role_name = core::Trim(core::Split(core::Trim(role->body), '\n')[0]);
  auto creds = t.Send(HttpRequest{"GET", path + role_name, auth, ""});
  std::string source = fmt::format("instance role {} (EC2 instance metadata)", role_name);
  if (!creds.ok() || creds->status != 200) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("the EC2 instance metadata service did not return "
                                    "credentials for {}",
                                    source));
  }
  nlohmann::json j = nlohmann::json::parse(creds->body, nullptr, false);
  if (j.is_object()) j["Version"] = 1;  // same fields as credential_process output
  ASSIGN_OR_RETURN(Credentials c,
                   ParseProcessCredentials(j.is_object() ? j.dump() : creds->body, source));
  return std::optional<Credentials>(c);
}

}  // namespace rotor::aws
