// EC2 calls for changing a volume in place (issue 14, relocate): ModifyVolume and
// DescribeVolumesModifications, decoded as cloud::VolumeModification. EC2's refusals are
// translated here, once: kNotFound for an unknown volume (InvalidVolume.NotFound and its
// .Malformed twin); kInvalidArgument for InvalidParameterValue / InvalidParameterCombination
// (a smaller size, IOPS the type does not take, a type it cannot change to);
// kFailedPrecondition for IncorrectModificationState (a change under way) and the rate limit
// (one change per volume in 6 hours). The AWS code stays on the Status.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/volumes.h"

namespace rotor::aws::ec2 {

core::Status ModifyVolume(AwsClient& client, const std::string& volume_id,
                          const cloud::VolumeChange& change);

// The latest modification of each volume that has one, every page, in volume id order.
core::Result<std::vector<cloud::VolumeModification>> DescribeModifications(
    AwsClient& client, const std::vector<std::string>& volume_ids);

// Exposed for tests on recorded answers.
Params ModifyVolumeParams(const std::string& volume_id, const cloud::VolumeChange& change);
cloud::VolumeModification DecodeModification(const pugi::xml_node& item);

}  // namespace rotor::aws::ec2
