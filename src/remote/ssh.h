// Commands on instances through the system OpenSSH client (DESIGN.md section 5b): no terminal,
// output bounded, a time limit, the user's ssh configuration (Host/Match blocks, HostName, Port,
// User, IdentityFile, ProxyJump) applied, nothing secret logged. remote::Runner is the interface
// the runbooks see; OpenSshRunner is the real one.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rotor::remote {

// The --ssh-* flags.
struct SshSettings {
  std::string user;         // --ssh-user; empty: the configuration's (or the local user)
  std::string key_file;     // --ssh-key FILE
  std::string jump;         // --ssh-jump HOST: a bastion, as ProxyJump
  std::string config_file;  // --ssh-config FILE; empty: ssh's own (~/.ssh/config)
  std::vector<std::pair<std::string, std::string>> options;  // --ssh-option K=V, in order
  std::string known_hosts;  // rotor's own known-hosts file; empty: the user's
  std::chrono::seconds connect_timeout{10};
  std::string program = "ssh";
};

// A host to run on: its address as rotor reaches it, and a name for messages.
struct SshTarget {
  std::string name;     // "i-0abc (bastion)"
  std::string address;  // private, public or IPv6 address, or a name the configuration maps
  // Host keys: strict for every host, except an instance rotor launched in this operation,
  // whose key nobody can know yet (accept-new: pinned at first sight, refused if it changes).
  bool accept_new_key = false;
};

struct CommandResult {
  int exit_status = 0;  // the command's own: non-zero is an answer, not an error
  std::string out;
  std::string err;
  bool truncated = false;  // output cut at the runner's bound
};

class Runner {
 public:
  virtual ~Runner() = default;
  // Runs `command` on `host` through its login shell. Errors: kUnavailable (cannot connect: the
  // host and ssh's reason), kPermissionDenied (the login was refused), kFailedPrecondition (its
  // host key is not the one known), kDeadlineExceeded (`timeout` passed; the command is killed
  // locally). ssh cannot tell its own failure from a command exiting 255: 255 is taken as ssh's.
  virtual core::Result<CommandResult> Run(const SshTarget& host, const std::string& command,
                                          std::chrono::milliseconds timeout) = 0;
  // Whether `port` on `host` accepts a TCP connection now, reached the way ssh reaches the host:
  // its configuration resolves the address and the jump host (`ssh -G`); with a jump host the
  // connection is tried through it (`ssh -W`), else directly. Ok when it accepts; kUnavailable
  // (with the reason: refused, no answer within `timeout`, the jump host unreachable) otherwise.
  virtual core::Status PortOpen(const SshTarget& host, int port,
                                std::chrono::milliseconds timeout) = 0;
  // Pins `keys` ("ssh-ed25519 AAAA...", from the instance's console: remote/host_keys.h) as the
  // only keys of `addresses` in rotor's known-hosts file, so the first connection to an
  // instance rotor launched is checked strictly. Errors: the file cannot be written.
  virtual core::Status TrustHostKeys(const std::vector<std::string>& addresses,
                                     const std::vector<std::string>& keys) = 0;
  // Runs `command` on this machine through /bin/sh (replace-instance --prepare/--after: an
  // ansible playbook, say); stdin from /dev/null, output bounded. The exit status is an answer;
  // errors: kDeadlineExceeded (killed after `timeout`), kNotFound (no shell).
  virtual core::Result<CommandResult> RunLocal(const std::string& command,
                                               std::chrono::milliseconds timeout) = 0;
  // Copies `paths` (absolute; files or directories, owners and modes kept) from `from` to the
  // same paths on `to`, streamed through this machine over one ssh connection to each (never
  // stored here). Errors as Run for either host; kFailedPrecondition when tar fails on either
  // side (a path that does not exist), with its message.
  virtual core::Status Copy(const SshTarget& from, const SshTarget& to,
                            const std::vector<std::string>& paths,
                            std::chrono::milliseconds timeout) = 0;
};

class OpenSshRunner final : public Runner {
 public:
  explicit OpenSshRunner(SshSettings settings, size_t max_output = 64 * 1024)
      : settings_(std::move(settings)), max_output_(max_output) {}
  core::Result<CommandResult> Run(const SshTarget& host, const std::string& command,
                                  std::chrono::milliseconds timeout) override;
  core::Status PortOpen(const SshTarget& host, int port,
                        std::chrono::milliseconds timeout) override;
  // Nothing is pinned without a known-hosts file of rotor's own: the user's is never written.
  core::Status TrustHostKeys(const std::vector<std::string>& addresses,
                             const std::vector<std::string>& keys) override;
  core::Result<CommandResult> RunLocal(const std::string& command,
                                       std::chrono::milliseconds timeout) override;
  core::Status Copy(const SshTarget& from, const SshTarget& to,
                    const std::vector<std::string>& paths,
                    std::chrono::milliseconds timeout) override;

 private:
  SshSettings settings_;
  size_t max_output_;
};

// The ssh command line for `command` on `host`: the user's --ssh-option values first (ssh takes
// the first value of an option it is given), then rotor's: no terminal, no prompt, the connect
// timeout, the host-key policy.
std::vector<std::string> SshArgv(const SshSettings& settings, const SshTarget& host,
                                 const std::string& command);

}  // namespace rotor::remote
