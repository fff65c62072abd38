// Auto Scaling reads, decoded into cloud model values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/cloud.h"
#include "cloud/model.h"

namespace rotor::aws::autoscaling {

// Groups by name (all groups when `names` is empty), every page. Members carry lifecycle,
// zone, ASG health and their launch spec as written (version unresolved).
core::Result<std::vector<cloud::Group>> DescribeGroups(AwsClient& client,
                                                       const std::vector<std::string>& names);

struct LaunchConfiguration {
  std::string name;
  std::string image_id;
  std::string instance_type;
};
core::Result<std::map<std::string, LaunchConfiguration>> DescribeLaunchConfigurations(
    AwsClient& client, const std::vector<std::string>& names);

core::Status SetSizes(AwsClient& client, const std::string& group, const cloud::Sizes& sizes);
core::Status SetLaunchSpec(AwsClient& client, const std::string& group,
                           const cloud::LaunchSpec& spec);
core::Status SetProcesses(AwsClient& client, const std::string& group,
                          const std::vector<std::string>& processes, bool suspend);
core::Status TerminateInstance(AwsClient& client, const std::string& instance_id, bool decrement);
// Up to 20 instances per call (the API's limit); the caller batches.
core::Status AttachInstances(AwsClient& client, const std::string& group,
                             const std::vector<std::string>& ids);
core::Status DetachInstances(AwsClient& client, const std::string& group,
                             const std::vector<std::string>& ids, bool decrement);

core::Result<std::vector<cloud::LifecycleHook>> DescribeLifecycleHooks(AwsClient& client,
                                                                       const std::string& group);
// The status of the newest Instance Refresh when it is not finished (Pending, InProgress,
// Cancelling, RollbackInProgress, Baking); empty when there is none.
core::Result<std::string> UnfinishedInstanceRefresh(AwsClient& client, const std::string& group);

// Decoding, exposed for tests on recorded answers.
void DecodeGroups(const pugi::xml_node& root, std::vector<cloud::Group>& out);

}  // namespace rotor::aws::autoscaling
