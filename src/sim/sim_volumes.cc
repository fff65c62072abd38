// TODO(issue 13): the simulated volumes; until then every verb says they are not there.
#include "sim/sim_volumes.h"

namespace rotor::sim {
namespace {

core::Status NotYet() {
  return core::Status(core::Code::kInternal, "the simulator has no EBS volumes yet");
}

}  // namespace

core::Result<std::vector<cloud::Volume>> SimVolumes::DescribeVolumes(const cloud::VolumeQuery&) {
  return NotYet();
}
core::Status SimVolumes::Attach(const std::string&, const std::string&, const std::string&) {
  return NotYet();
}
core::Status SimVolumes::Detach(const std::string&, const std::string&) { return NotYet(); }
core::Result<std::string> SimVolumes::CreateSnapshot(const std::string&, const std::string&,
                                                     const std::map<std::string, std::string>&) {
  return NotYet();
}
core::Result<std::vector<cloud::Snapshot>> SimVolumes::DescribeSnapshots(
    const cloud::SnapshotQuery&) {
  return NotYet();
}

}  // namespace rotor::sim
