// EC2 calls on single hosts: describe as cloud::Host, launch one like another, stop and start,
// tags, termination protection, console output. Every call that takes an instance id answers
// kNotFound naming it when EC2 does not know it (InvalidInstanceID.NotFound / .Malformed).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/instances.h"

namespace rotor::aws::ec2 {

// The hosts (any state but terminated) carrying tag `key` = `value`, every page. Decoded from
// DescribeInstances alone: see CompleteHosts for the rest.
core::Result<std::vector<cloud::Host>> HostsTagged(AwsClient& client, const std::string& key,
                                                   const std::string& value);
// The hosts (any state but terminated) with a Name tag, for suggesting names.
core::Result<std::vector<cloud::Host>> NamedHosts(AwsClient& client);
// The instance `id` unless terminated (an empty list then), as HostsTagged decodes it.
core::Result<std::vector<cloud::Host>> HostById(AwsClient& client, const std::string& id);

// Fills what DescribeInstances leaves out: each device's size, type and encryption (one
// DescribeVolumes for all) and termination protection (one DescribeInstanceAttribute each).
core::Status CompleteHosts(AwsClient& client, std::vector<cloud::Host>& hosts);

// RunInstances for one instance; returns its id.
core::Result<std::string> RunInstance(AwsClient& client, const cloud::LaunchLike& launch);
// StopInstances (`running` false) or StartInstances.
core::Status SetRunning(AwsClient& client, const std::string& id, bool running);
// CreateTags; nothing is called for no tags.
core::Status CreateTags(AwsClient& client, const std::string& id,
                        const std::map<std::string, std::string>& tags);
// DeleteTags by key; nothing is called for no keys.
core::Status DeleteTags(AwsClient& client, const std::string& id,
                        const std::vector<std::string>& keys);
// ModifyInstanceAttribute DisableApiTermination.
core::Status SetDisableApiTermination(AwsClient& client, const std::string& id, bool on);
// DescribeInstanceAttribute userData, decoded from base64; "" when it has none.
core::Result<std::string> UserData(AwsClient& client, const std::string& id);

// GetConsoleOutput, decoded from base64; "" when EC2 has none.
core::Result<std::string> ConsoleOutput(AwsClient& client, const std::string& id);

// Exposed for tests: the RunInstances parameters for `launch`, and decoding.
Params RunInstancesParams(const cloud::LaunchLike& launch);
void DecodeHosts(const pugi::xml_node& root, std::vector<cloud::Host>& out);
// Sets size, type and encryption on the devices of `hosts` from a DescribeVolumes answer.
void DecodeVolumes(const pugi::xml_node& root, std::vector<cloud::Host>& hosts);

}  // namespace rotor::aws::ec2
