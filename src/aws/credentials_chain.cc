#include "aws/credentials_chain.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/sts.h"
#include "core/strings.h"

namespace rotor::aws {
namespace {

constexpr auto kRefreshMargin = std::chrono::minutes(5);
constexpr int kMaxRoleDepth = 5;

std::string SessionName(const Section& s, core::Time now) {
  auto it = s.find("role_session_name");
  if (it != s.end() && !it->second.empty()) return it->second;
  return fmt::format(
      "rotor-{}", std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

std::string Key(const Section& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? "" : it->second;
}

}  // namespace

core::Result<Credentials> ParseProcessCredentials(const std::string& text,
                                                  const std::string& source) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("{} did not print a JSON object", source));
  }
  if (j.value("Version", 0) != 1) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("{} printed Version {}; only Version 1 is supported", source,
                                    j.contains("Version") ? j["Version"].dump() : "none"));
  }
  Credentials c;
  c.access_key_id = j.value("AccessKeyId", "");
  c.secret_access_key = j.value("SecretAccessKey", "");
  c.session_token = j.value("SessionToken", "");
  c.source = source;
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("{} printed no AccessKeyId or SecretAccessKey", source));
  }
  std::string exp = j.value("Expiration", "");
  if (!exp.empty()) {
    auto t = core::ParseIso8601(exp);
    if (!t.ok()) return t.status().WithContext(source + " Expiration");
    c.expiration = *t;
  }
  return c;
}

core::Result<Credentials> DefaultCredentialsChain::Get(core::Time now) {
  if (cached_ && (!cached_->expiration || *cached_->expiration - kRefreshMargin > now)) {
    return *cached_;
  }
  ASSIGN_OR_RETURN(std::optional<Credentials> found, Resolve(now));
  if (!found) {
    return core::Status(
        core::Code::kUnauthenticated,
        fmt::format("no AWS credentials found: looked in the environment (AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY), profile '{}' in {} and {}, the web identity token "
                    "file (AWS_WEB_IDENTITY_TOKEN_FILE) and the EC2 instance metadata service; "
                    "set AWS_PROFILE or pass --profile, or run 'aws configure'",
                    options_.profile, options_.config.credentials_path,
                    options_.config.config_path));
  }
  cached_ = std::move(found);
  return *cached_;
}

DefaultCredentialsChain::Found DefaultCredentialsChain::Resolve(core::Time now) {
  if (!options_.profile_explicit) {
    ASSIGN_OR_RETURN(auto env, FromEnvironment());
    if (env) return env;
  }
  if (options_.profile != "default" && !options_.config.HasProfile(options_.profile)) {
    return core::InvalidArgument(fmt::format(
        "profile '{}' is not in {} or {}; check --profile / AWS_PROFILE", options_.profile,
        options_.config.credentials_path, options_.config.config_path));
  }
  ASSIGN_OR_RETURN(auto profile, FromProfile(options_.profile, 0, now));
  if (profile) return profile;
  std::string token_file = options_.env.Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  std::string role = options_.env.Get("AWS_ROLE_ARN");
  if (!token_file.empty() && !role.empty()) {
    std::string session = options_.env.Get("AWS_ROLE_SESSION_NAME");
    return FromWebIdentity(role, token_file, session.empty() ? SessionName({}, now) : session);
  }
  return FromImds();
}

DefaultCredentialsChain::Found DefaultCredentialsChain::FromEnvironment() {
  const AwsEnv& env = options_.env;
  std::string id = env.Get("AWS_ACCESS_KEY_ID");
  std::string secret = env.Get("AWS_SECRET_ACCESS_KEY");
  if (id.empty() && secret.empty()) return std::optional<Credentials>();
  if (id.empty() || secret.empty()) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("{} is set but {} is not; set both or neither",
                                    id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
                                    id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
  }
  return std::optional<Credentials>(
      Credentials{id, secret, env.Get("AWS_SESSION_TOKEN"), std::nullopt, "the environment"});
}

DefaultCredentialsChain::Found DefaultCredentialsChain::FromProfile(const std::string& name,
                                                                    int depth, core::Time now) {
  Section s = options_.config.Profile(name);
  if (!Key(s, "role_arn").empty()) return FromRole(name, s, depth, now);
  std::string id = Key(s, "aws_access_key_id");
  std::string secret = Key(s, "aws_secret_access_key");
  if (!id.empty() || !secret.empty()) {
    if (id.empty() || secret.empty()) {
      return core::Status(core::Code::kUnauthenticated,
                          fmt::format("profile '{}' has only one of aws_access_key_id and "
                                      "aws_secret_access_key; add the other in {}",
                                      name, options_.config.credentials_path));
    }
    bool in_credentials = options_.config.credentials.count(name) > 0;
    return std::optional<Credentials>(
        Credentials{id, secret, Key(s, "aws_session_token"), std::nullopt,
                    fmt::format("profile '{}' ({})", name,
                                in_credentials ? options_.config.credentials_path
                                               : options_.config.config_path)});
  }
  std::string process = Key(s, "credential_process");
  if (!process.empty()) return FromProcess(name, process);
  return std::optional<Credentials>();
}

DefaultCredentialsChain::Found DefaultCredentialsChain::FromRole(const std::string& profile,
                                                                 const Section& s, int depth,
                                                                 core::Time now) {
  std::string role_arn = Key(s, "role_arn");
  if (!Key(s, "web_identity_token_file").empty()) {
    return FromWebIdentity(role_arn, Key(s, "web_identity_token_file"), SessionName(s, now));
  }
  if (depth >= kMaxRoleDepth) {
    return core::InvalidArgument(fmt::format(
        "profile '{}': source_profile chain is longer than {} (a loop?)", profile, kMaxRoleDepth));
  }
  ASSIGN_OR_RETURN(std::optional<Credentials> source, RoleSource(profile, s, depth, now));
  if (!source) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("profile '{}' assumes {} but its source ({}) has no "
                                    "credentials",
                                    profile, role_arn,
                                    Key(s, "source_profile").empty() ? Key(s, "credential_source")
                                                                     : Key(s, "source_profile")));
  }
  StaticProvider provider(*source);
  ClientContext ctx = StsContext(provider);
  ASSIGN_OR_RETURN(AwsClient sts_client, AwsClient::Create(kSts, ctx));
  sts::AssumeRoleRequest req{role_arn, SessionName(s, now), Key(s, "external_id"), 0};
  std::string duration = Key(s, "duration_seconds");
  if (!duration.empty()) req.duration_seconds = std::atoi(duration.c_str());
  auto creds = sts::AssumeRole(sts_client, req);
  if (!creds.ok()) {
    return creds.status().WithContext(fmt::format("profile '{}': assuming {}", profile, role_arn));
  }
  creds->source = fmt::format("profile '{}' (role {})", profile, role_arn);
  return std::optional<Credentials>(*creds);
}

// Where a role profile's own credentials come from: source_profile (possibly itself),
// or credential_source. nullopt when that source has none.
DefaultCredentialsChain::Found DefaultCredentialsChain::RoleSource(const std::string& profile,
                                                                   const Section& s, int depth,
                                                                   core::Time now) {
  std::string source_profile = Key(s, "source_profile");
  std::string credential_source = Key(s, "credential_source");
  if (!source_profile.empty()) {
    if (!options_.config.HasProfile(source_profile)) {
      return core::InvalidArgument(fmt::format(
          "profile '{}' names source_profile '{}', which does not exist in {} or {}", profile,
          source_profile, options_.config.credentials_path, options_.config.config_path));
    }
    if (source_profile != profile) return FromProfile(source_profile, depth + 1, now);
    // A profile may name itself: its own static keys are the source of its role.
    Credentials c{Key(s, "aws_access_key_id"), Key(s, "aws_secret_access_key"),
                  Key(s, "aws_session_token"), std::nullopt, fmt::format("profile '{}'", profile)};
    if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::optional<Credentials>();
    return std::optional<Credentials>(c);
  }
  if (credential_source == "Environment") return FromEnvironment();
  if (credential_source == "Ec2InstanceMetadata") return FromImds();
  return core::InvalidArgument(fmt::format(
      "profile '{}' has role_arn but no source_profile, credential_source (Environment or "
      "Ec2InstanceMetadata) or web_identity_token_file; add one in {}",
      profile, options_.config.config_path));
}

// STS is reached like every other service; without a region, through us-east-1.
ClientContext DefaultCredentialsChain::StsContext(CredentialsProvider& provider) const {
  ClientContext ctx{*options_.transport,
                    provider,
                    *options_.clock,
                    *options_.rng,
                    *options_.quota,
                    options_.endpoints,
                    "",
                    0,
                    options_.debug,
                    nullptr,
                    options_.pacer};
  if (ctx.endpoints.region.empty()) ctx.endpoints.region = "us-east-1";
  return ctx;
}

DefaultCredentialsChain::Found DefaultCredentialsChain::FromWebIdentity(
    const std::string& role_arn, const std::string& token_file, const std::string& session_name) {
  std::ifstream in(token_file);
  if (!in) {
    return core::Status(core::Code::kUnauthenticated,
                        fmt::format("cannot read the web identity token file {}", token_file));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  StaticProvider none(Credentials{});
  ClientContext ctx = StsContext(none);
  ASSIGN_OR_RETURN(AwsClient sts_client, AwsClient::Create(kSts, ctx, /*sign=*/false));
  auto creds =
      sts::AssumeRoleWithWebIdentity(sts_client, role_arn, session_name, core::Trim(ss.str()));
  if (!creds.ok()) {
    return creds.status().WithContext(fmt::format("web identity token {}", token_file));
  }
  return std::optional<Credentials>(*creds);
}

DefaultCredentialsChain::Found DefaultCredentialsChain::FromProcess(const std::string& profile,
                                                                    const std::string& command) {
  std::string source = fmt::format("credential_process of profile '{}'", profile);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    return core::Status(core::Code::kUnauthenticated, fmt::format("cannot run the {}", source));
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int rc = pclose(pipe);
  if (rc != 0) {
    return core::Status(core::Code::kUnauthenticated,
                        // Not the command itself: its arguments may hold a secret, and a
                        // message can reach the journal (I7).
                        fmt::format("the {} failed with status {}; run it by hand to see why",
                                    source, WIFEXITED(rc) ? WEXITSTATUS(rc) : rc));
  }
  ASSIGN_OR_RETURN(Credentials c, ParseProcessCredentials(out, source));
  return std::optional<Credentials>(c);
}

}  // namespace rotor::aws
