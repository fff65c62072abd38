#include "cloud/template.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace rotor::cloud {
namespace {

core::Status FormatError(const std::string& why) {
  return core::InvalidArgument("Template format error: " + why).set_aws_code("ValidationError");
}

// IAM resources need CAPABILITY_IAM; those given a name of their own CAPABILITY_NAMED_IAM (the
// names CloudFormation's documentation lists), macros CAPABILITY_AUTO_EXPAND.
void AddCapability(std::vector<std::string>& caps, const std::string& cap) {
  if (std::find(caps.begin(), caps.end(), cap) == caps.end()) caps.push_back(cap);
}

bool NamesItself(const YAML::Node& properties) {
  static const char* kNames[] = {"RoleName", "UserName", "GroupName", "ManagedPolicyName",
                                 "InstanceProfileName"};
  if (!properties || !properties.IsMap()) return false;
  for (const char* n : kNames) {
    if (properties[n]) return true;
  }
  return false;
}

core::Status ReadParameters(const YAML::Node& ps, TemplateSummary& out) {
  if (!ps) return core::Status::Ok();
  if (!ps.IsMap()) return FormatError("Parameters must be a map");
  for (const auto& kv : ps) {
    const YAML::Node& p = kv.second;
    if (!p.IsMap() || !p["Type"] || !p["Type"].IsScalar()) {
      return FormatError(fmt::format("Every Parameters object must contain a Type member ({})",
                                     kv.first.Scalar()));
    }
    DeclaredParameter d{kv.first.Scalar(), p["Type"].Scalar(), std::nullopt, false};
    d.no_echo = p["NoEcho"] && p["NoEcho"].IsScalar() &&
                (p["NoEcho"].Scalar() == "true" || p["NoEcho"].Scalar() == "True");
    if (p["Default"] && p["Default"].IsScalar() && !d.no_echo)
      d.default_value = p["Default"].Scalar();
    if (p["Default"] && d.no_echo) d.default_value = kMasked;
    out.parameters.push_back(std::move(d));
  }
  return core::Status::Ok();
}

core::Status ReadResources(const YAML::Node& rs, TemplateFacts& out) {
  if (!rs || !rs.IsMap() || rs.size() == 0) {
    return FormatError("At least one Resources member must be defined.");
  }
  for (const auto& kv : rs) {
    const YAML::Node& r = kv.second;
    if (!r.IsMap() || !r["Type"] || !r["Type"].IsScalar()) {
      return FormatError(
          fmt::format("[/Resources/{}] Every Resources object must contain a Type "
                      "member.",
                      kv.first.Scalar()));
    }
    std::string type = r["Type"].Scalar();
    if (type.rfind("AWS::IAM::", 0) == 0) {
      AddCapability(out.summary.capabilities,
                    NamesItself(r["Properties"]) ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM");
    }
    const YAML::Node& policy = r["UpdatePolicy"];
    if (type == "AWS::AutoScaling::AutoScalingGroup" && policy && policy.IsMap() &&
        (policy["AutoScalingRollingUpdate"] || policy["AutoScalingReplacingUpdate"])) {
      out.self_rolling.push_back(kv.first.Scalar());
    }
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<TemplateFacts> ReadTemplate(const std::string& body) {
  YAML::Node root;
  try {
    root = YAML::Load(body);
  } catch (const YAML::Exception& e) {
    return FormatError(fmt::format("not JSON or YAML (line {}: {})", e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) return FormatError("the template is not a map of sections");
  TemplateFacts out;
  try {
    RETURN_IF_ERROR(ReadParameters(root["Parameters"], out.summary));
    RETURN_IF_ERROR(ReadResources(root["Resources"], out));
  } catch (const YAML::Exception& e) {
    return FormatError(e.msg);
  }
  if (root["Transform"]) AddCapability(out.summary.capabilities, "CAPABILITY_AUTO_EXPAND");
  if (!out.summary.capabilities.empty()) {
    out.summary.capabilities_reason = "The template contains IAM resources or macros.";
  }
  return out;
}

}  // namespace rotor::cloud
