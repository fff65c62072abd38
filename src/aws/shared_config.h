// ~/.aws/credentials and ~/.aws/config: INI files, read once, merged per profile.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/status.h"

namespace rotor::aws {

// The process environment, as far as AWS settings go. Built once by cli/; nothing below cli/
// calls getenv.
struct AwsEnv {
  std::map<std::string, std::string> vars;
  std::string Get(const std::string& name) const;
};

// Collects AWS_*, HOME and XDG_* variables from the real environment (for cli/ only).
AwsEnv AwsEnvFromProcess();

using Section = std::map<std::string, std::string>;

struct SharedConfig {
  std::string credentials_path;  // where we looked (even if absent)
  std::string config_path;
  std::map<std::string, Section> credentials;  // [name]
  std::map<std::string, Section> config;       // [default], [profile name], [sso-session x]

  bool HasProfile(const std::string& name) const;
  // Keys of the profile: the config file's section, overridden by the credentials file's.
  Section Profile(const std::string& name) const;
};

// Parses INI text; kInvalidArgument naming `path`, the line and what to fix.
core::Result<std::map<std::string, Section>> ParseIni(const std::string& text,
                                                      const std::string& path);

// Reads AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/credentials and
// ~/.aws/config. Missing files are empty; malformed ones are an error.
core::Result<SharedConfig> LoadSharedConfig(const AwsEnv& env);

// --profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
std::string SelectedProfile(const AwsEnv& env, const std::string& cli_profile);

}  // namespace rotor::aws
