// Stacks: CloudFormation stacks and what they own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

class Stacks {
 public:
  virtual ~Stacks() = default;

  // The stack and the groups it owns. kNotFound when there is no such stack.
  virtual core::Result<Stack> DescribeStack(const std::string& name) = 0;
};

// Forwards every verb to another Stacks; a test overrides only what it cares about.
class StacksWrapper : public Stacks {
 public:
  explicit StacksWrapper(Stacks& target) : target_(target) {}
  core::Result<Stack> DescribeStack(const std::string& name) override {
    return target_.DescribeStack(name);
  }

 private:
  Stacks& target_;
};

}  // namespace rotor::cloud
