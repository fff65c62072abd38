// Addresses: elastic IPs, and moving one from instance to instance.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::cloud {

struct ElasticIp {
  std::string allocation_id;  // eipalloc-...
  std::string public_ip;
  std::string association_id;  // "" when not associated
  std::string instance_id;     // "" when not associated with an instance
  std::string private_ip;      // the instance address it maps onto
  std::map<std::string, std::string> tags;
};

class Addresses {
 public:
  virtual ~Addresses() = default;

  // The elastic IPs associated with `instance_id`.
  virtual core::Result<std::vector<ElasticIp>> AddressesOf(const std::string& instance_id) = 0;

  // One elastic IP by allocation id or public address. kNotFound when the account has none.
  virtual core::Result<ElasticIp> DescribeAddress(const std::string& allocation_id_or_ip) = 0;

  // Associates the address with the instance's primary private address, taking it from
  // wherever it is now (reassociation allowed): one call, so the address never dangles.
  virtual core::Status Associate(const std::string& allocation_id,
                                 const std::string& instance_id) = 0;

  // Ends an association. kNotFound when it is already gone.
  virtual core::Status Disassociate(const std::string& association_id) = 0;
};

// Forwards every verb to another Addresses; a test overrides only what it cares about.
class AddressesWrapper : public Addresses {
 public:
  explicit AddressesWrapper(Addresses& target) : target_(target) {}
  core::Result<std::vector<ElasticIp>> AddressesOf(const std::string& instance_id) override {
    return target_.AddressesOf(instance_id);
  }
  core::Result<ElasticIp> DescribeAddress(const std::string& allocation_id_or_ip) override {
    return target_.DescribeAddress(allocation_id_or_ip);
  }
  core::Status Associate(const std::string& allocation_id,
                         const std::string& instance_id) override {
    return target_.Associate(allocation_id, instance_id);
  }
  core::Status Disassociate(const std::string& association_id) override {
    return target_.Disassociate(association_id);
  }

 private:
  Addresses& target_;
};

}  // namespace rotor::cloud
