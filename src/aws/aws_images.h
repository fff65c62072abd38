// cloud::Images on EC2.
#pragma once

#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/images.h"

namespace rotor::aws {

class AwsImages final : public cloud::Images {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsImages(AwsClients& clients) : ec2_(clients.ec2) {}

  core::Result<std::vector<cloud::Image>> DescribeImages(
      const std::vector<std::string>& ids) override;
  core::Result<std::vector<cloud::Image>> FindImages(const cloud::ImageQuery& query) override;

 private:
  AwsClient& ec2_;
};

}  // namespace rotor::aws
