// Every cloud capability on the real AWS wire: one object per capability (aws_groups.h,
// aws_group_changes.h, aws_instances.h, aws_images.h, aws_launch_specs.h, aws_stacks.h) on one
// shared set of service clients, handed out as one cloud::Cloud bundle.
#pragma once

#include <memory>

#include "aws/aws_addresses.h"
#include "aws/aws_clients.h"
#include "aws/aws_dns.h"
#include "aws/aws_group_changes.h"
#include "aws/aws_groups.h"
#include "aws/aws_images.h"
#include "aws/aws_instances.h"
#include "aws/aws_launch_specs.h"
#include "aws/aws_stacks.h"
#include "aws/aws_volumes.h"
#include "cloud/cloud.h"

namespace rotor::aws {

// Owns the service clients and the capabilities built on them. Not copyable or movable: the
// capabilities refer to its clients and its bundle to its capabilities.
class AwsCloud final : public cloud::Backend {
 public:
  // Errors: an endpoint or retry setting is invalid.
  static core::Result<std::unique_ptr<AwsCloud>> Create(ClientContext& context);

  AwsCloud(const AwsCloud&) = delete;
  AwsCloud& operator=(const AwsCloud&) = delete;

  cloud::Cloud& cloud() override { return bundle_; }

 private:
  explicit AwsCloud(AwsClients clients);

  AwsClients clients_;  // first: every capability below refers to it
  AwsGroups groups_;
  AwsGroupChanges group_changes_;
  AwsInstances instances_;
  AwsImages images_;
  AwsLaunchSpecs launch_specs_;
  AwsStacks stacks_;
  AwsAddresses addresses_;
  AwsDns dns_;
  AwsVolumes volumes_;
  cloud::Cloud bundle_;
};

}  // namespace rotor::aws
