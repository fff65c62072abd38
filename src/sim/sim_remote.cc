// Remote work in the simulation: what a command over ssh does on a host, and whether a port
// answers, from the scenario's commands:, its command_failure and port_closed faults, the
// instance's state and how long sshd takes to come up. No API call: rotor reaches the host
// itself.
#include <fmt/format.h>

#include "core/strings.h"
#include "sim/sim_cloud.h"
#include "sim/world.h"

namespace rotor::sim {

bool World::HostMatches(const std::string& glob, int i) const {
  if (glob == kLocalHost) return false;  // this machine, never an instance
  const Inst& in = *insts_[i];
  if (glob == "new") return in.launched >= start_;
  auto name = in.tags.find("Name");
  return core::GlobMatch(glob, in.id) ||
         (name != in.tags.end() && core::GlobMatch(glob, name->second));
}

bool World::PortClosed(int i, int port, core::Time t) const {
  for (const Fault& f : faults_) {
    if (f.kind != Fault::Kind::kPortClosed || f.port != port || !HostMatches(f.host, i)) continue;
    if (t >= start_ + f.at && t < start_ + f.at + f.length) return true;
  }
  return false;
}

// Ok when a connection to `port` is accepted now; kUnavailable saying why otherwise.
core::Status World::Reachable(int i, int port, core::Time t) const {
  auto refused = [&](const std::string& why) {
    return core::Status(core::Code::kUnavailable, why);
  };
  if (i < 0) return refused("no instance has this address: no answer");
  const Inst& in = *insts_[i];
  if (in.state != Ec2State::kRunning) {
    return refused(fmt::format("{} is {}: no answer", in.id, StateName(in.state)));
  }
  if (ZoneDown(in.zone, t)) return refused(fmt::format("{}'s zone {} is down", in.id, in.zone));
  if (PortClosed(i, port, t)) {
    return refused(fmt::format("port {} on {}: connection refused", port, in.id));
  }
  bool up = port == 22 ? t >= in.running_at + timing_.ssh_ready : t >= in.app_up && t < in.fails_at;
  if (!up) return refused(fmt::format("port {} on {}: connection refused", port, in.id));
  return core::Status::Ok();
}

void World::Script(const std::string& command, const std::function<bool(const std::string&)>& here,
                   RemoteAnswer& answer) {
  for (const CommandSpec& c : commands_) {
    if (!core::GlobMatch(c.pattern, command) || !here(c.host)) continue;
    answer.duration = c.duration;
    answer.exit_status = c.exit_status;
    answer.output = c.output;
    break;
  }
  for (const Fault& f : faults_) {
    if (f.kind != Fault::Kind::kCommandFailure || !core::GlobMatch(f.pattern, command) ||
        !here(f.host)) {
      continue;
    }
    if (f.probability < 1 && remote_rng_.Uniform01() >= f.probability) continue;
    answer.exit_status = f.exit_status;
    answer.output = f.output;
    break;
  }
}

RemoteAnswer SimCloud::HostCommand(const std::string& address, const std::string& command) {
  World& w = *world_;
  int i = w.InstanceByAddress(address);
  RemoteAnswer answer;
  if (core::Status s = w.Reachable(i, 22, w.clock_.Now()); !s.ok()) {
    answer.why = s.message();
    return answer;
  }
  answer.reachable = true;
  answer.duration = w.timing_.command;
  w.Script(
      command, [&](const std::string& glob) { return w.HostMatches(glob, i); }, answer);
  w.Trace("command", fmt::format("{} exit {}: {}", w.insts_[i]->id, answer.exit_status,
                                 core::Clip(command, 80)));
  return answer;
}

RemoteAnswer SimCloud::LocalCommand(const std::string& command) {
  World& w = *world_;
  RemoteAnswer answer;
  answer.reachable = true;
  w.Script(
      command, [](const std::string& glob) { return glob == kLocalHost; }, answer);
  w.Trace("local_command", fmt::format("exit {}: {}", answer.exit_status, core::Clip(command, 80)));
  return answer;
}

core::Status SimCloud::PortAnswers(const std::string& address, int port) const {
  return world_->Reachable(world_->InstanceByAddress(address), port, world_->clock_.now());
}

}  // namespace rotor::sim
