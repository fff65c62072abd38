// EC2 calls for backups and restores (issue 14): a crash-consistent snapshot set of an
// instance's volumes (CreateSnapshots), a snapshot's deletion (DeleteSnapshot), its copy into
// another region (CopySnapshot, sent to the destination region's endpoint), and a volume made
// from one (CreateVolume). EC2's refusals are translated here,
// once:
// - kNotFound naming the id: InvalidInstanceID.NotFound, InvalidSnapshot.NotFound (and their
//   .Malformed twins);
// - kFailedPrecondition saying what is in the way and what to do: InvalidSnapshot.InUse (an
//   image is registered from it), IncorrectState (the instance or a volume is changing),
//   InvalidParameterValue / InvalidParameterCombination on CreateSnapshots (an excluded volume
//   that is not one of the instance's data volumes).
// Other errors come back as the client classified them; the AWS code stays on the Status.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/volumes.h"

namespace rotor::aws::ec2 {

using cloud::SnapshotSetRequest;

// CreateSnapshots: one snapshot per selected volume, all at the same point in time; returns
// them (pending) in volume id order. kInvalidArgument for more than 40 excluded volumes.
core::Result<std::vector<cloud::Snapshot>> CreateSnapshotSet(AwsClient& client,
                                                             const SnapshotSetRequest& request);

// DeleteSnapshot. Deleting one that is already gone is kNotFound (callers that prune treat it
// as done).
core::Status DeleteSnapshot(AwsClient& client, const std::string& snapshot_id);

// CopySnapshot of `source_region`'s `snapshot_id` into the region `client` is for, tagged at
// creation; returns the copy's id at once (pending).
core::Result<std::string> CopySnapshot(AwsClient& client, const std::string& source_region,
                                       const std::string& snapshot_id,
                                       const std::string& description,
                                       const std::map<std::string, std::string>& tags);

// CreateVolume, from a snapshot or empty, tagged at creation, with a ClientToken when given;
// returns its vol- id at once (creating). kNotFound for an unknown snapshot or zone;
// kInvalidArgument for what EC2 finds invalid (a size below the snapshot's, IOPS the type does
// not take); kFailedPrecondition for a snapshot not completed yet.
core::Result<std::string> CreateVolume(AwsClient& client, const cloud::NewVolume& volume);

// Exposed for tests on recorded answers.
Params CreateVolumeParams(const cloud::NewVolume& volume);
Params CreateSnapshotSetParams(const SnapshotSetRequest& request);
std::vector<cloud::Snapshot> DecodeCreatedSnapshots(const pugi::xml_node& root);

}  // namespace rotor::aws::ec2
