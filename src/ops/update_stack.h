// `rotor update-stack` (DESIGN.md section 7b): a CloudFormation stack created, or changed
// through a change set shown as the plan, followed event by event; then the stack's groups with
// out-of-date members rolled. A runbook: the previous template and parameters are journaled
// before the change, so `rollout rollback ID` restores them (and rolls the groups back onto
// them), even after the update completed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "ops/roll_groups.h"
#include "rollout/policy.h"
#include "runbook/step.h"

namespace rotor::ops {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct StackUpdateRequest {
  std::string stack;
  std::string template_body;              // empty: the stack's current template
  std::string template_file;              // where it came from, for messages
  Pairs set;                              // KEY=VALUE, in order; a later one wins
  std::optional<Pairs> tags;              // none: the stack keeps its tags
  std::vector<std::string> capabilities;  // accepted by the user
  bool termination_protection = false;    // a stack created: with it on
  std::string stack_policy;               // a stack created: with this stack policy ("": none)
  bool respawn = true;
  core::Duration action_timeout = std::chrono::minutes(30);
  int plan_number = 1;  // > 1: a plan made again, its change set named apart
  // Asked, when set, whether capabilities the template needs and `capabilities` lacks are
  // accepted (a person at a terminal): `question` names them and why. Unset or false: the plan
  // is refused, naming them and the --capabilities flag.
  std::function<bool(const std::string& question)> accept_capabilities;
};

struct StackUpdatePlan {
  std::string operation_id;
  std::string stack;
  bool create = false;
  std::string template_body;                      // empty: keep the current one
  std::vector<cloud::StackParameter> parameters;  // as sent: given values, the rest kept
  std::vector<std::string> secret_keys;           // NoEcho keys given a value: never journaled
  std::vector<std::string> no_echo;  // NoEcho in the new or the current template: never shown
  std::optional<Pairs> tags;
  std::vector<std::string> capabilities;
  bool termination_protection = false;  // create only
  std::string stack_policy;             // create only
  std::string change_set;               // made for the plan; the update makes another if it is gone
  std::string change_set_name;          // its name: rotor-<operation id>[-plan<n>]
  cloud::StackSettings basis;           // the stack as the plan found it (nothing when created)
  bool no_changes = false;
  std::vector<cloud::ResourceChange> changes;
  std::vector<std::string> roll;   // groups rolled after the update
  std::vector<std::string> left;   // groups CloudFormation rolls itself (UpdatePolicy)
  std::vector<std::string> notes;  // what the plan must say (parameters, template, warnings)
  rollout::Policy policy;
  core::Duration action_timeout = std::chrono::minutes(30);
};

// The parameters to send, as CloudFormation resolves them: a value given, else the stack's
// previous value (UsePreviousValue), else the template's default. kInvalidArgument for a key
// the template does not declare (naming the declared ones) or a declared one left without value.
core::Result<std::vector<cloud::StackParameter>> ResolveParameters(
    const std::string& stack, const std::vector<cloud::DeclaredParameter>& declared,
    const std::vector<cloud::StackParameter>& previous, const Pairs& given);

// Reads the stack and the template, resolves parameters and capabilities, and (for an existing
// stack) makes the change set and waits for it: the plan. kNotFound never (a missing stack is
// created); kInvalidArgument for bad input; kFailedPrecondition for a stack that cannot be
// updated now (with the way out).
core::Result<StackUpdatePlan> PlanStackUpdate(cloud::Cloud& cloud, core::Clock& clock,
                                              const StackUpdateRequest& request,
                                              const rollout::Policy& policy,
                                              const std::string& operation_id);

// The plan's lines: parameters, template, changes, groups rolled and left alone.
std::vector<std::string> DescribeStackUpdate(const StackUpdatePlan& plan);

// The keys a template declares NoEcho (none for a body that is no template).
std::vector<std::string> NoEchoKeys(const std::string& template_body);

// What changed in the stack since `plan` was made, a line each (empty: nothing): a stack that
// appeared or went, its status, template, parameters or tags, or a change set no longer
// executable (CloudFormation makes one OBSOLETE when the stack changes under it).
core::Result<std::vector<std::string>> StackChangedSince(cloud::Stacks& stacks,
                                                         const StackUpdatePlan& plan);
// One change-set line: "Modify AWS::EC2::LaunchTemplate AppLT (lt-0abc), replacement False:
// ImageId (parameter)".
std::string DescribeChange(const cloud::ResourceChange& change);

// The plan as journaled: never a NoEcho value (those keys are kept as "use previous", so a
// resumed run that must make its change set again says it cannot).
std::string StackUpdatePlanToJson(const StackUpdatePlan& plan);
core::Result<StackUpdatePlan> StackUpdatePlanFromJson(const std::string& text);

// The update (or creation) step, then the rolling step. `note` gets one line per stack event.
std::vector<std::unique_ptr<runbook::Step>> StackUpdateSteps(cloud::Cloud& cloud,
                                                             const StackUpdatePlan& plan,
                                                             RollingContext& rolling);

}  // namespace rotor::ops
