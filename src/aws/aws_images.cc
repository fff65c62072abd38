// AwsImages: AMIs through EC2.
#include "aws/aws_images.h"

#include <set>

#include "aws/ec2.h"

namespace rotor::aws {

core::Result<std::vector<cloud::Image>> AwsImages::DescribeImages(
    const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(std::vector<cloud::Image> found, ec2::DescribeImagesById(ec2_, ids));
  std::set<std::string> seen;
  for (const cloud::Image& i : found) seen.insert(i.id);
  for (const std::string& id : ids) {
    if (!seen.count(id)) {
      found.push_back(cloud::DeregisteredImage(id));
    }
  }
  return found;
}

core::Result<std::vector<cloud::Image>> AwsImages::FindImages(const cloud::ImageQuery& query) {
  return ec2::FindImages(ec2_, query.name_glob, query.owners);
}

}  // namespace rotor::aws
