// EC2 calls on EBS volumes and snapshots (DescribeVolumes, AttachVolume, DetachVolume,
// CreateSnapshot, DescribeSnapshots), decoded as cloud::Volume and cloud::Snapshot. EC2's
// refusals are translated here, once:
// - kNotFound naming the id: InvalidVolume.NotFound, InvalidSnapshot.NotFound,
//   InvalidInstanceID.NotFound (and their .Malformed twins: an id EC2 cannot know either);
// - kFailedPrecondition saying what is in the way and what to do: IncorrectState,
//   InvalidAttachment.NotFound, VolumeInUse, InvalidVolume.ZoneMismatch, and
//   InvalidParameterValue on AttachVolume (the device is taken, or not a device name).
// Other errors come back as the client classified them. The AWS code stays on the Status.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/volumes.h"

namespace rotor::aws::ec2 {

// The volumes `query` selects, every page, in id order. For ids EC2 does not know: kNotFound
// naming the first of them (learnt by one more DescribeVolumes, by filter, when several ids were
// asked for: EC2's message cannot be relied on to name it).
core::Result<std::vector<cloud::Volume>> DescribeVolumes(AwsClient& client,
                                                         const cloud::VolumeQuery& query);

// AttachVolume: `volume_id` at `device` ("/dev/sdf") of `instance_id`.
core::Status AttachVolume(AwsClient& client, const std::string& volume_id,
                          const std::string& instance_id, const std::string& device);

// DetachVolume from `instance_id` (EC2 refuses when it is attached elsewhere, or nowhere).
core::Status DetachVolume(AwsClient& client, const std::string& volume_id,
                          const std::string& instance_id);

// CreateSnapshot tagged at creation (no TagSpecification for no tags); returns its snap- id.
core::Result<std::string> CreateSnapshot(AwsClient& client, const std::string& volume_id,
                                         const std::string& description,
                                         const std::map<std::string, std::string>& tags);

// The account's own (Owner self) snapshots `query` selects, every page, oldest first (by start
// time, then id). kNotFound for ids as DescribeVolumes.
core::Result<std::vector<cloud::Snapshot>> DescribeSnapshots(AwsClient& client,
                                                             const cloud::SnapshotQuery& query);

// EC2's refusals as rotor's codes, EC2's code and request id kept: whether `code` is one of
// `codes`; kNotFound saying `text`; kFailedPrecondition saying `text`, then EC2's own words.
bool IsOneOf(const std::string& code, std::initializer_list<const char*> codes);
core::Status NotFound(const core::Status& s, const std::string& text);
core::Status Refused(const core::Status& s, const std::string& text);

// Tags a snapshot gets at creation: TagSpecification.1 of ResourceType snapshot (nothing for
// none).
void AddSnapshotTags(Params& p, const std::map<std::string, std::string>& tags);

// Exposed for tests on recorded answers: one call's parameters (without NextToken) and decoding.
// REQUIRES for DescribeVolumesParams: at most 200 ids (DescribeVolumes batches them).
Params DescribeVolumesParams(const cloud::VolumeQuery& query);
Params DescribeSnapshotsParams(const cloud::SnapshotQuery& query);
void DecodeVolumeSet(const pugi::xml_node& root, std::vector<cloud::Volume>& out);
void DecodeSnapshotSet(const pugi::xml_node& root, std::vector<cloud::Snapshot>& out);
// One snapshot item, as DescribeSnapshots answers it (its state in <status>) or as
// CreateSnapshots does (in <state>).
cloud::Snapshot DecodeSnapshot(const pugi::xml_node& s);

}  // namespace rotor::aws::ec2
