// What a CloudFormation template declares, read without the service: its parameters, the
// capabilities its resources need, and the Auto Scaling groups whose UpdatePolicy makes
// CloudFormation replace their members itself. The simulator answers GetTemplateSummary with it;
// update-stack uses it to leave self-rolling groups to CloudFormation. Templates in JSON or YAML
// (with or without the short forms `!Ref`, `!GetAtt`, ...).
#pragma once

#include <string>
#include <vector>

#include "cloud/stacks.h"
#include "core/status.h"

namespace rotor::cloud {

struct TemplateFacts {
  TemplateSummary summary;
  std::vector<std::string> self_rolling;  // logical ids of groups with a rolling UpdatePolicy
};

// kInvalidArgument ("Template format error: ...") for text that is no template: not JSON or YAML,
// not a map, no Resources, a parameter or resource without a Type.
core::Result<TemplateFacts> ReadTemplate(const std::string& body);

}  // namespace rotor::cloud
