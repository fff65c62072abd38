// cloud::Volumes for crash tests: every change (attach, detach, snapshot, snapshot set, copy,
// deletion, new volume, change in place) counted, and rotor killed at the k-th — before it reaches
// the cloud, or after the cloud acted (the answer lost); once dead, every call fails as the dying
// process's. Snapshot sets can also be refused per instance, as EC2 refuses them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cloud/volumes.h"

namespace rotor::testing {

class KillingVolumes : public cloud::VolumesWrapper {
 public:
  explicit KillingVolumes(cloud::Volumes& v) : VolumesWrapper(v) {}

  core::Status Attach(const std::string& v, const std::string& i, const std::string& d) override {
    return Change([&] { return VolumesWrapper::Attach(v, i, d); });
  }
  core::Status Detach(const std::string& v, const std::string& i) override {
    return Change([&] { return VolumesWrapper::Detach(v, i); });
  }
  core::Result<std::string> CreateSnapshot(const std::string& v, const std::string& d,
                                           const std::map<std::string, std::string>& t) override {
    return Change([&] { return VolumesWrapper::CreateSnapshot(v, d, t); });
  }
  core::Result<std::vector<cloud::Snapshot>> CreateSnapshotSet(
      const cloud::SnapshotSetRequest& r) override {
    if (auto it = refuse.find(r.instance_id); it != refuse.end()) return it->second;
    return Change([&] { return VolumesWrapper::CreateSnapshotSet(r); });
  }
  core::Status DeleteSnapshot(const std::string& id) override {
    return Change([&] { return VolumesWrapper::DeleteSnapshot(id); });
  }
  core::Result<std::string> CopySnapshot(const std::string& region, const std::string& id,
                                         const std::string& d,
                                         const std::map<std::string, std::string>& t) override {
    return Change([&] { return VolumesWrapper::CopySnapshot(region, id, d, t); });
  }
  core::Result<std::string> CreateVolume(const cloud::NewVolume& v) override {
    return Change([&] { return VolumesWrapper::CreateVolume(v); });
  }
  core::Status ModifyVolume(const std::string& v, const cloud::VolumeChange& c) override {
    return Change([&] { return VolumesWrapper::ModifyVolume(v, c); });
  }

  int kill_at = 0;     // the change that kills (1-based); 0: none
  bool after = false;  // the cloud acts before the kill
  bool dead = false;
  int changes = 0;                             // seen so far
  std::map<std::string, core::Status> refuse;  // instance -> CreateSnapshotSet's refusal

  // The next rotor process: alive, nothing armed.
  void Revive() {
    dead = false;
    kill_at = 0;
  }

 private:
  template <typename Fn>
  auto Change(Fn act) -> decltype(act()) {
    if (dead) return core::Status(core::Code::kAborted, "killed (crash test)");
    if (++changes != kill_at) return act();
    if (after) (void)act();
    dead = true;
    return core::Status(core::Code::kAborted, "killed (crash test)");
  }
};

}  // namespace rotor::testing
