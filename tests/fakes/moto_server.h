// A private moto_server on a free 127.0.0.1 port for C++ tests, stopped by its own process id.
// A missing moto_server fails the test; it never skips.
#pragma once

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace rotor::testing {

class MotoServer {
 public:
  static core::Result<std::unique_ptr<MotoServer>> Start();
  ~MotoServer();
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  const std::string& url() const { return url_; }
  // Forgets every resource (POST /moto-api/reset).
  core::Status Reset();
  // Builds tests/e2e/fixture.py's fixture; returns what make_fixture.py printed.
  core::Result<nlohmann::json> BuildFixture();
  // Builds tests/e2e/host_fixture.py's fixture (hosts, elastic IPs, a hosted zone); returns what
  // it printed.
  core::Result<nlohmann::json> BuildHostFixture();
  // Builds tests/e2e/volume_fixture.py's fixture (hosts db, db-new and far, db's two data
  // volumes); returns what it printed.
  core::Result<nlohmann::json> BuildVolumeFixture();

 private:
  MotoServer() = default;
  // Runs `python3 tests/e2e/<script> URL` and parses what it printed as JSON.
  core::Result<nlohmann::json> RunFixtureScript(const std::string& script);
  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace rotor::testing
