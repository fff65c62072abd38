// The cloud as the layers above see it: one small interface per capability (DESIGN.md section
// 2), gathered by reference in one bundle. Implemented by aws::AwsCloud (the real wire) and
// sim::SimCloud (a deterministic simulation); a test wraps one capability with its forwarding
// wrapper (GroupsWrapper, ...) and overrides only the verbs it cares about.
#pragma once

#include "cloud/addresses.h"
#include "cloud/dns.h"
#include "cloud/group_changes.h"
#include "cloud/groups.h"
#include "cloud/images.h"
#include "cloud/instances.h"
#include "cloud/launch_specs.h"
#include "cloud/stacks.h"
#include "cloud/volumes.h"

namespace rotor::cloud {

// Every capability of one provider, by reference: cheap to copy, never owns. REQUIRES: the
// objects referred to outlive the bundle and every copy of it.
struct Cloud {
  Groups& groups;
  GroupChanges& group_changes;
  Instances& instances;
  Images& images;
  LaunchSpecs& launch_specs;
  Stacks& stacks;
  Addresses& addresses;
  Dns& dns;
  Volumes& volumes;
};

// Whatever owns a provider's capabilities (AwsCloud, SimCloud, a test fake) and hands them out
// as one bundle, valid as long as the owner lives.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Cloud& cloud() = 0;
};

// A backend that implements every capability in one object (test fakes). Not copyable or
// movable: its bundle refers to itself.
class Provider : public Backend,
                 public Groups,
                 public GroupChanges,
                 public Instances,
                 public Images,
                 public LaunchSpecs,
                 public Stacks,
                 public Addresses,
                 public Dns,
                 public Volumes {
 public:
  Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  Cloud& cloud() override { return bundle_; }

 private:
  Cloud bundle_{.groups = *this,
                .group_changes = *this,
                .instances = *this,
                .images = *this,
                .launch_specs = *this,
                .stacks = *this,
                .addresses = *this,
                .dns = *this,
                .volumes = *this};
};

}  // namespace rotor::cloud
