// Dns: Route 53 hosted zones and their records; changes applied in one batch and followed until
// every name server has them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::cloud {

struct HostedZone {
  std::string id;    // "Z0123456789ABC" (without "/hostedzone/")
  std::string name;  // "example.org." (with the trailing dot)
  bool private_zone = false;
};

// One record set. Alias records and records of other types are listed too (values empty for an
// alias) so a caller can tell them apart; rotor changes only A and AAAA records with values.
struct DnsRecord {
  std::string zone_id;
  std::string name;  // "bastion.example.org." as Route 53 spells it
  std::string type;  // A, AAAA, CNAME, ...
  int64_t ttl = 0;
  std::vector<std::string> values;
  std::string set_identifier;  // weighted, latency, ... records; "" for simple ones
  bool alias = false;
  bool operator==(const DnsRecord&) const = default;
};

struct RecordChange {
  enum class Action { kUpsert, kDelete };
  Action action = Action::kUpsert;
  DnsRecord record;  // a DELETE must match the record as it is (Route 53's rule)
};

class Dns {
 public:
  virtual ~Dns() = default;

  // Every hosted zone of the account, public and private.
  virtual core::Result<std::vector<HostedZone>> ListZones() = 0;

  // Every record set of one zone. kNotFound when the zone does not exist.
  virtual core::Result<std::vector<DnsRecord>> ListRecords(const std::string& zone_id) = 0;

  // Applies the changes to one zone atomically; returns the change's id, PENDING until every
  // Route 53 name server has it. kInvalidArgument when Route 53 refuses the batch (a DELETE of
  // a record that is not as given, ...), with its reason.
  virtual core::Result<std::string> ChangeRecords(const std::string& zone_id,
                                                  const std::vector<RecordChange>& changes,
                                                  const std::string& comment) = 0;

  // Whether the change is INSYNC (every name server answers with it).
  virtual core::Result<bool> ChangeInSync(const std::string& change_id) = 0;
};

// Forwards every verb to another Dns; a test overrides only what it cares about.
class DnsWrapper : public Dns {
 public:
  explicit DnsWrapper(Dns& target) : target_(target) {}
  core::Result<std::vector<HostedZone>> ListZones() override { return target_.ListZones(); }
  core::Result<std::vector<DnsRecord>> ListRecords(const std::string& zone_id) override {
    return target_.ListRecords(zone_id);
  }
  core::Result<std::string> ChangeRecords(const std::string& zone_id,
                                          const std::vector<RecordChange>& changes,
                                          const std::string& comment) override {
    return target_.ChangeRecords(zone_id, changes, comment);
  }
  core::Result<bool> ChangeInSync(const std::string& change_id) override {
    return target_.ChangeInSync(change_id);
  }

 private:
  Dns& target_;
};

// The A and AAAA records (not aliases) in every zone of the account with at least one value in
// `addresses`: the records that name an instance by its addresses.
core::Result<std::vector<DnsRecord>> RecordsNaming(Dns& dns,
                                                   const std::vector<std::string>& addresses);

}  // namespace rotor::cloud
