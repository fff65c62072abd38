// Custom readiness probes (DESIGN.md section 3): `tcp:PORT` connects, `http://:PORT/PATH` asks
// for PATH and wants a 2xx or 3xx answer, both from the machine running rotor to an instance's
// address.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"

namespace rotor::remote {

struct ProbeSpec {
  enum class Kind { kTcp, kHttp };
  Kind kind = Kind::kTcp;
  int port = 0;
  std::string path;  // http: "/health" (at least "/")
  std::string text;  // as written, for messages

  // "tcp:22", "http://:8080/health", "http://:80". kInvalidArgument naming the text otherwise.
  static core::Result<ProbeSpec> Parse(const std::string& text);
};

// Checks one probe against one address. Ok when it passes; otherwise kUnavailable saying why
// ("connection refused", "HTTP 503", "no answer within 2s").
class Prober {
 public:
  virtual ~Prober() = default;
  virtual core::Status Probe(const ProbeSpec& probe, const std::string& address) = 0;
};

// Real TCP and HTTP/1.1 over IPv4 or IPv6 sockets; each probe gives up after `timeout`.
// Thread-compatible (no state between probes).
class SocketProber final : public Prober {
 public:
  explicit SocketProber(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  core::Status Probe(const ProbeSpec& probe, const std::string& address) override;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace rotor::remote
