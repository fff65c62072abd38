// A remote::Runner that records what it is asked, in order, and passes it on.
#pragma once

#include <string>
#include <vector>

#include "remote/ssh.h"

namespace rotor::testing {

// Every command run on a host, as "ADDRESS: COMMAND", in order.
class RecordingRunner : public remote::Runner {
 public:
  explicit RecordingRunner(remote::Runner& r) : r_(r) {}
  core::Result<remote::CommandResult> Run(const remote::SshTarget& h, const std::string& c,
                                          std::chrono::milliseconds t) override {
    log.push_back(h.address + ": " + c);
    return r_.Run(h, c, t);
  }
  core::Status PortOpen(const remote::SshTarget& h, int p, std::chrono::milliseconds t) override {
    return r_.PortOpen(h, p, t);
  }
  core::Status TrustHostKeys(const std::vector<std::string>& a,
                             const std::vector<std::string>& k) override {
    return r_.TrustHostKeys(a, k);
  }
  core::Result<remote::CommandResult> RunLocal(const std::string& c,
                                               std::chrono::milliseconds t) override {
    log.push_back("here: " + c);
    return r_.RunLocal(c, t);
  }
  core::Status Copy(const remote::SshTarget& from, const remote::SshTarget& to,
                    const std::vector<std::string>& paths, std::chrono::milliseconds t) override {
    log.push_back(from.address + " -> " + to.address + ": copy");
    return r_.Copy(from, to, paths, t);
  }
  std::vector<std::string> log;

 private:
  remote::Runner& r_;
};

}  // namespace rotor::testing
