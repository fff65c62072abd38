#include "aws/sts.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rotor::aws::sts {
namespace {

core::Result<Credentials> CredentialsFrom(const XmlDoc& doc, const std::string& source) {
  pugi::xml_node c = Find(*doc, "Credentials");
  Credentials out;
  out.access_key_id = Text(c, "AccessKeyId");
  out.secret_access_key = Text(c, "SecretAccessKey");
  out.session_token = Text(c, "SessionToken");
  out.source = source;
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return core::Malformed(fmt::format("STS answered without credentials for {}", source));
  }
  std::string expiration = Text(c, "Expiration");
  if (!expiration.empty()) {
    ASSIGN_OR_RETURN(out.expiration, core::ParseIso8601(expiration));
  }
  return out;
}

}  // namespace

core::Result<Credentials> AssumeRole(AwsClient& client, const AssumeRoleRequest& request) {
  Params p;
  p.Add("RoleArn", request.role_arn).Add("RoleSessionName", request.session_name);
  if (!request.external_id.empty()) p.Add("ExternalId", request.external_id);
  if (request.duration_seconds > 0)
    p.Add("DurationSeconds", std::to_string(request.duration_seconds));
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("AssumeRole", p));
  return CredentialsFrom(doc, fmt::format("role {}", request.role_arn));
}

core::Result<Credentials> AssumeRoleWithWebIdentity(AwsClient& client, const std::string& role_arn,
                                                    const std::string& session_name,
                                                    const std::string& token) {
  Params p;
  p.Add("RoleArn", role_arn).Add("RoleSessionName", session_name).Add("WebIdentityToken", token);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("AssumeRoleWithWebIdentity", p));
  return CredentialsFrom(doc, fmt::format("web identity role {}", role_arn));
}

core::Result<CallerIdentity> GetCallerIdentity(AwsClient& client) {
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("GetCallerIdentity", Params()));
  pugi::xml_node r = Find(*doc, "GetCallerIdentityResult");
  return CallerIdentity{Text(r, "Account"), Text(r, "Arn"), Text(r, "UserId")};
}

}  // namespace rotor::aws::sts
