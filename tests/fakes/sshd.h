// Real OpenSSH servers for the remote tests (DESIGN.md section 8): each an sshd of its own on a
// free 127.0.0.1 port with its own host key, telling commands which host they run on through
// ROTOR_TEST_HOST, stopped by its own process id. A missing sshd fails the test; it never skips.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace rotor::testing {

class TestSshd {
 public:
  // Starts `name`'s server in `dir` (its key, configuration and pid file go there), accepting
  // the keys in `authorized_keys`. kNotFound when sshd is not installed.
  static core::Result<std::unique_ptr<TestSshd>> Start(const std::string& dir,
                                                       const std::string& name,
                                                       const std::string& authorized_keys);
  ~TestSshd();
  TestSshd(const TestSshd&) = delete;
  TestSshd& operator=(const TestSshd&) = delete;

  int port() const { return port_; }
  const std::string& host_key() const { return host_key_; }  // "ssh-ed25519 AAAA..."

 private:
  TestSshd() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string host_key_;
};

// A client side for such servers: a key of its own in a fresh directory, and an ssh
// configuration mapping instance addresses onto the servers (as a team's ~/.ssh/config maps
// names), each pinned under its address (HostKeyAlias), with a known-hosts file of its own.
class SshLab {
 public:
  static core::Result<std::unique_ptr<SshLab>> Create();
  ~SshLab();  // removes the directory

  const std::string& dir() const { return dir_; }
  std::string public_key() const;  // the client key, for authorized_keys
  std::string config() const { return dir_ + "/ssh_config"; }
  std::string known_hosts() const { return dir_ + "/known_hosts"; }
  // Maps `address` onto `port` on loopback (through `jump`, a mapped address, when given).
  void Map(const std::string& address, int port, const std::string& jump = "");
  // Writes the configuration of every mapping so far.
  core::Status Write() const;

 private:
  std::string dir_;
  struct Mapping {
    int port;
    std::string jump;
  };
  std::map<std::string, Mapping> mappings_;
};

}  // namespace rotor::testing
