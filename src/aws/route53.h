// Route 53 (rest-xml) operations, decoded into cloud model values. Zone and change ids are
// given and returned without their "/hostedzone/" and "/change/" prefixes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "cloud/dns.h"

namespace rotor::aws::route53 {

// Every hosted zone of the account (ListHostedZones, every page: Marker / NextMarker).
core::Result<std::vector<cloud::HostedZone>> ListHostedZones(AwsClient& client);

// Every record set of one zone (ListResourceRecordSets, every page: NextRecordName,
// NextRecordType, NextRecordIdentifier). Names decoded (DecodeName). kNotFound for an unknown
// zone (NoSuchHostedZone).
core::Result<std::vector<cloud::DnsRecord>> ListResourceRecordSets(AwsClient& client,
                                                                   const std::string& zone_id);

// Applies `changes` to one zone in one ChangeResourceRecordSets; returns the change id.
// kInvalidArgument when Route 53 refuses the batch (InvalidChangeBatch, InvalidInput) with its
// reasons, or for a change rotor cannot write (an alias record, an empty batch); kNotFound for
// an unknown zone.
core::Result<std::string> ChangeResourceRecordSets(AwsClient& client, const std::string& zone_id,
                                                   const std::vector<cloud::RecordChange>& changes,
                                                   const std::string& comment);

// Whether a change is INSYNC (GetChange); false while PENDING. kNotFound (NoSuchChange).
core::Result<bool> ChangeInSync(AwsClient& client, const std::string& change_id);

// The ChangeResourceRecordSetsRequest document for `changes`, exposed for golden tests.
// kInvalidArgument as for ChangeResourceRecordSets.
core::Result<std::string> ChangeBatchXml(const std::vector<cloud::RecordChange>& changes,
                                         const std::string& comment);

// A record name as Route 53 spells it in answers, with its octal escapes decoded:
// "\052.example.org." -> "*.example.org.".
std::string DecodeName(std::string_view name);

// Decoding, exposed for tests on recorded answers.
void DecodeRecordSets(const pugi::xml_node& root, const std::string& zone_id,
                      std::vector<cloud::DnsRecord>& out);

}  // namespace rotor::aws::route53
