// Stacks: CloudFormation stacks — what they own, their template and parameters, change sets,
// events, creation (DESIGN.md section 7b, update-stack). Provider errors come back translated:
// kNotFound for a stack or change set that does not exist, kInvalidArgument for a template or
// parameter the service refuses (its message kept), kFailedPrecondition for a stack in a state
// that allows no update.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

// A parameter as a stack has it or as a change asks for it.
struct StackParameter {
  std::string key;
  std::string value;          // kMasked when read back from a NoEcho parameter
  bool use_previous = false;  // a change keeps the stack's current value (value empty)

  bool operator==(const StackParameter&) const = default;
};

// What CloudFormation shows instead of a NoEcho parameter's value.
inline constexpr char kMasked[] = "****";

// The parameter named `key`, or null.
inline const StackParameter* FindParameter(const std::vector<StackParameter>& ps,
                                           const std::string& key) {
  for (const StackParameter& p : ps) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

// Whether a stack (or resource) status is one CloudFormation is still working on
// (UPDATE_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, ...).
inline bool InProgress(const std::string& status) { return status.ends_with("_IN_PROGRESS"); }

// A parameter as a template declares it.
struct DeclaredParameter {
  std::string key;
  std::string type;                          // String, Number, AWS::EC2::Image::Id, ...
  std::optional<std::string> default_value;  // never a NoEcho default's value
  bool no_echo = false;
};

// What the service reads from a template before any change.
struct TemplateSummary {
  std::vector<DeclaredParameter> parameters;
  std::vector<std::string> capabilities;  // CAPABILITY_IAM, CAPABILITY_NAMED_IAM, ...
  std::string capabilities_reason;
};

// What an update can change, as the stack has it now, and what the stack shows beside it.
struct StackSettings {
  std::string id;
  std::string status;
  std::string template_body;  // as it was given (the original, not the processed one)
  std::vector<StackParameter> parameters;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> capabilities;
  std::string description;
  std::vector<std::pair<std::string, std::string>> outputs;  // key -> value
  bool termination_protection = false;
};

// A change to ask for: a change set on an existing stack, or a new stack.
struct StackChange {
  std::string stack;
  std::string name;           // the change set's name ("rotor-<operation id>")
  std::string template_body;  // empty: keep the stack's current template
  std::vector<StackParameter> parameters;
  std::optional<std::vector<std::pair<std::string, std::string>>> tags;  // empty: keep
  std::vector<std::string> capabilities;                                 // accepted
  bool termination_protection = false;  // CreateStack only
  std::string policy;                   // CreateStack only: a stack policy's JSON ("": none)
};

// One line of a change set.
struct ResourceChange {
  std::string action;  // Add, Modify, Remove, Import, Dynamic
  std::string logical_id;
  std::string physical_id;
  std::string type;                 // AWS::AutoScaling::LaunchConfiguration, ...
  std::string replacement;          // True, False, Conditional; empty for Add and Remove
  std::vector<std::string> causes;  // "ImageId (parameter)", "LaunchTemplate.LatestVersionNumber"
};

struct ChangeSet {
  std::string id;
  std::string status;            // CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, FAILED, ...
  std::string execution_status;  // AVAILABLE, EXECUTE_IN_PROGRESS, EXECUTE_COMPLETE, ...
  std::string reason;
  bool no_changes = false;  // the service found nothing to change: not an error
  std::vector<ResourceChange> changes;
};

struct StackEvent {
  std::string id;
  core::Time time{};
  std::string logical_id;  // the stack's own name for the stack's events
  std::string type;
  std::string status;  // UPDATE_IN_PROGRESS, UPDATE_FAILED, ...
  std::string reason;
};

class Stacks {
 public:
  virtual ~Stacks() = default;

  // The stack and the groups it owns. kNotFound when there is no such stack.
  virtual core::Result<Stack> DescribeStack(const std::string& name) = 0;
  // Its template (as submitted), parameters, tags and capabilities.
  virtual core::Result<StackSettings> ReadSettings(const std::string& name) = 0;
  // The parameters and capabilities of `template_body`; kInvalidArgument for a template the
  // service refuses, with its reason.
  virtual core::Result<TemplateSummary> Summarize(const std::string& template_body) = 0;
  // Asks for a change set. It is computed asynchronously: read it with ReadChange (by the id
  // returned) until its status is no longer pending. `no_changes` may come back at once.
  virtual core::Result<ChangeSet> PrepareChange(const StackChange& change) = 0;
  virtual core::Result<ChangeSet> ReadChange(const std::string& stack, const std::string& id) = 0;
  virtual core::Status ApplyChange(const std::string& stack, const std::string& id) = 0;
  virtual core::Status DropChange(const std::string& stack, const std::string& id) = 0;
  // Creates `change.stack` from `change.template_body`; returns its id. The creation runs on:
  // follow it with Events and DescribeStack.
  virtual core::Result<std::string> CreateStack(const StackChange& change) = 0;
  // Events newer than `after_id`, oldest first; with `after_id` empty, the newest ones (one
  // page, up to 100): where a caller starts following.
  virtual core::Result<std::vector<StackEvent>> Events(const std::string& stack,
                                                       const std::string& after_id) = 0;
  // Stops an update in progress; CloudFormation rolls it back.
  virtual core::Status CancelUpdate(const std::string& stack) = 0;

  // The stack policy's JSON ("" when the stack has none). kNotFound for an unknown stack.
  virtual core::Result<std::string> ReadPolicy(const std::string& stack) = 0;
};

// Forwards every verb to another Stacks; a test overrides only what it cares about.
class StacksWrapper : public Stacks {
 public:
  explicit StacksWrapper(Stacks& target) : t_(target) {}
  core::Result<Stack> DescribeStack(const std::string& name) override {
    return t_.DescribeStack(name);
  }
  core::Result<StackSettings> ReadSettings(const std::string& name) override {
    return t_.ReadSettings(name);
  }
  core::Result<TemplateSummary> Summarize(const std::string& body) override {
    return t_.Summarize(body);
  }
  core::Result<ChangeSet> PrepareChange(const StackChange& change) override {
    return t_.PrepareChange(change);
  }
  core::Result<ChangeSet> ReadChange(const std::string& stack, const std::string& id) override {
    return t_.ReadChange(stack, id);
  }
  core::Status ApplyChange(const std::string& stack, const std::string& id) override {
    return t_.ApplyChange(stack, id);
  }
  core::Status DropChange(const std::string& stack, const std::string& id) override {
    return t_.DropChange(stack, id);
  }
  core::Result<std::string> CreateStack(const StackChange& change) override {
    return t_.CreateStack(change);
  }
  core::Result<std::vector<StackEvent>> Events(const std::string& stack,
                                               const std::string& after_id) override {
    return t_.Events(stack, after_id);
  }
  core::Status CancelUpdate(const std::string& stack) override { return t_.CancelUpdate(stack); }
  core::Result<std::string> ReadPolicy(const std::string& stack) override {
    return t_.ReadPolicy(stack);
  }

 private:
  Stacks& t_;
};

}  // namespace rotor::cloud
