// Custom readiness probes (DESIGN.md section 3): `tcp:PORT` connects, `http://:PORT/PATH` asks
// for PATH and wants a 2xx or 3xx answer, both from the machine running rotor to an instance's
// address; `ssh:COMMAND` runs COMMAND on the instance over ssh and wants exit status 0 (e.g.
// `ssh:test -f /var/lib/cloud/instance/boot-finished`, asg_rolling_upgrade's check).
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"
#include "remote/ssh.h"

namespace rotor::remote {

struct ProbeSpec {
  enum class Kind { kTcp, kHttp, kSsh };
  Kind kind = Kind::kTcp;
  int port = 0;
  std::string path;     // http: "/health" (at least "/")
  std::string command;  // ssh: what to run
  std::string text;     // as written, for messages

  // "tcp:22", "http://:8080/health", "http://:80", "ssh:systemctl is-active app".
  // kInvalidArgument naming the text otherwise.
  static core::Result<ProbeSpec> Parse(const std::string& text);
};

// Checks one probe against one address. Ok when it passes; otherwise kUnavailable saying why
// ("connection refused", "HTTP 503", "no answer within 2s").
class Prober {
 public:
  virtual ~Prober() = default;
  virtual core::Status Probe(const ProbeSpec& probe, const std::string& address) = 0;
};

// Real TCP and HTTP/1.1 over IPv4 or IPv6 sockets; each probe gives up after `timeout`. An ssh
// probe is refused (kInvalidArgument): HostProber runs those. Thread-compatible.
class SocketProber final : public Prober {
 public:
  explicit SocketProber(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  core::Status Probe(const ProbeSpec& probe, const std::string& address) override;

 private:
  std::chrono::milliseconds timeout_;
};

// tcp and http probes through `sockets`, ssh probes through `runner` (each within `timeout`,
// its host key accepted at first sight: the instances probed are ones a rollout launched).
// REQUIRES: both outlive the prober.
class HostProber final : public Prober {
 public:
  HostProber(Prober& sockets, Runner& runner, std::chrono::milliseconds timeout)
      : sockets_(sockets), runner_(runner), timeout_(timeout) {}
  core::Status Probe(const ProbeSpec& probe, const std::string& address) override;

 private:
  Prober& sockets_;
  Runner& runner_;
  std::chrono::milliseconds timeout_;
};

}  // namespace rotor::remote
