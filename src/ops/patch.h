// `rotor patch` (DESIGN.md section 7b): a new launch spec for each target group — a new version
// of its launch template, or a copy of its launch configuration — with a new image, instance
// type or user data, and the group pointed at it. No instance is touched. A runbook: planned up
// front (every field that changes, per group), journaled, resumable, rolled back by pointing
// every group at its old spec again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/cloud.h"
#include "ops/image_choice.h"
#include "runbook/step.h"

namespace rotor::ops {

struct PatchRequest {
  std::optional<ImageRequest> image;                               // absent: keep the image
  std::string instance_type;                                       // empty: keep it
  std::optional<std::string> user_data;                            // --user-data FILE: replace it
  std::vector<std::pair<std::string, std::string>> user_data_set;  // --user-data-set K=V
};

struct GroupPatch {
  // How the group comes to launch the new spec.
  enum class Pointing {
    kFollowsLatest,  // it uses "$Latest": the new version is the latest
    kNewNumber,      // it uses a number (or a shared "$Default"): pointed at the new number
    kMoveDefault,    // it alone uses "$Default": the template's default moves
    kConfiguration,  // pointed at the copy of its configuration
  };
  std::string group;
  std::string stack;  // the CloudFormation stack that owns it, if any (drift warning)
  cloud::LaunchSpec old_spec;
  cloud::LaunchData before, after;
  Pointing pointing = Pointing::kNewNumber;
  std::string configuration_name;   // kConfiguration: "<group>-<UTC yyyymmddThhmmss>"
  std::string version_description;  // templates: marks the version this operation made
  std::string image_why;            // why this image, when the image changes

  bool Changes() const {
    return before.image_id != after.image_id || before.instance_type != after.instance_type ||
           before.user_data != after.user_data;
  }
};

struct PatchPlan {
  std::string operation_id;
  std::vector<GroupPatch> groups;
};

// Reads each group's spec in full and applies the request. kInvalidArgument for a request that
// does not fit a group (no image, an architecture that does not fit, user data that is not a
// map), naming the group; nothing is changed.
core::Result<PatchPlan> PlanPatch(cloud::Cloud& cloud, const std::vector<std::string>& groups,
                                  const PatchRequest& request, const std::string& operation_id,
                                  core::Time now);

// Field by field ("ImageId: ami-1 -> ami-2"), then a unified diff of user data, then warnings.
std::vector<std::string> DescribePatch(const GroupPatch& g);

// The plan as the journal keeps it, and back (kInvalidArgument for a damaged one).
std::string PatchPlanToJson(const PatchPlan& plan);
core::Result<PatchPlan> PatchPlanFromJson(const std::string& text);

// The runbook's steps, in order, for the groups that change. REQUIRES: `cloud` outlives them.
std::vector<std::unique_ptr<runbook::Step>> PatchSteps(cloud::Cloud& cloud, const PatchPlan& plan);

}  // namespace rotor::ops
