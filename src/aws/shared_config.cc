#include "aws/shared_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/strings.h"

extern char** environ;

namespace rotor::aws {

std::string AwsEnv::Get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? "" : it->second;
}

AwsEnv AwsEnvFromProcess() {
  AwsEnv env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(kv.substr(0, eq));
    if (core::StartsWith(key, "AWS_") || key == "HOME" || core::StartsWith(key, "XDG_") ||
        key == "USER") {
      env.vars[key] = std::string(kv.substr(eq + 1));
    }
  }
  return env;
}

bool SharedConfig::HasProfile(const std::string& name) const {
  std::string config_name = name == "default" ? "default" : "profile " + name;
  return credentials.count(name) || config.count(config_name) ||
         (name == "default" && config.count("profile default"));
}

Section SharedConfig::Profile(const std::string& name) const {
  Section out;
  auto merge = [&out](const std::map<std::string, Section>& from, const std::string& key) {
    auto it = from.find(key);
    if (it == from.end()) return;
    for (const auto& [k, v] : it->second) out[k] = v;
  };
  if (name == "default") merge(config, "profile default");
  merge(config, name == "default" ? "default" : "profile " + name);
  merge(credentials, name);
  return out;
}

core::Result<std::map<std::string, Section>> ParseIni(const std::string& text,
                                                      const std::string& path) {
  std::map<std::string, Section> out;
  std::string section;
  std::string last_key;
  int line_no = 0;
  for (const std::string& raw : core::Split(text, '\n')) {
    ++line_no;
    std::string line = core::Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    if (line.front() == '[') {
      if (line.back() != ']') {
        return core::InvalidArgument(fmt::format(
            "{}:{}: section header '{}' has no closing ']'; fix the file", path, line_no, line));
      }
      section = core::Trim(line.substr(1, line.size() - 2));
      out[section];
      last_key.clear();
      continue;
    }
    if (indented && !last_key.empty()) continue;  // nested settings (s3 = ...) rotor ignores
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return core::InvalidArgument(fmt::format(
          "{}:{}: expected 'key = value', found '{}'; fix the file", path, line_no, line));
    }
    if (section.empty()) {
      return core::InvalidArgument(fmt::format(
          "{}:{}: '{}' comes before any [section]; put it under [default] or [profile NAME]", path,
          line_no, core::Trim(line.substr(0, eq))));
    }
    last_key = core::Trim(line.substr(0, eq));
    out[section][last_key] = core::Trim(line.substr(eq + 1));
  }
  return out;
}

namespace {

core::Result<std::map<std::string, Section>> LoadIni(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::map<std::string, Section>{};
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseIni(ss.str(), path);
}

std::string ExpandHome(const std::string& path, const AwsEnv& env) {
  if (core::StartsWith(path, "~/")) return env.Get("HOME") + path.substr(1);
  return path;
}

}  // namespace

core::Result<SharedConfig> LoadSharedConfig(const AwsEnv& env) {
  SharedConfig out;
  std::string home = env.Get("HOME");
  out.credentials_path = env.Get("AWS_SHARED_CREDENTIALS_FILE");
  if (out.credentials_path.empty()) out.credentials_path = home + "/.aws/credentials";
  out.config_path = env.Get("AWS_CONFIG_FILE");
  if (out.config_path.empty()) out.config_path = home + "/.aws/config";
  out.credentials_path = ExpandHome(out.credentials_path, env);
  out.config_path = ExpandHome(out.config_path, env);
  ASSIGN_OR_RETURN(out.credentials, LoadIni(out.credentials_path));
  ASSIGN_OR_RETURN(out.config, LoadIni(out.config_path));
  return out;
}

std::string SelectedProfile(const AwsEnv& env, const std::string& cli_profile) {
  if (!cli_profile.empty()) return cli_profile;
  if (!env.Get("AWS_PROFILE").empty()) return env.Get("AWS_PROFILE");
  if (!env.Get("AWS_DEFAULT_PROFILE").empty()) return env.Get("AWS_DEFAULT_PROFILE");
  return "default";
}

}  // namespace rotor::aws
