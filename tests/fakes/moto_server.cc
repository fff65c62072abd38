#include "fakes/moto_server.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "aws/curl_transport.h"
#include "fakes/ports.h"

namespace rotor::testing {
namespace {

core::Result<int> Post(const std::string& url, const std::string& body) {
  aws::CurlTransport t;
  ASSIGN_OR_RETURN(aws::HttpResponse r,
                   t.Send(aws::HttpRequest{"POST", url, {{"Content-Type", "text/plain"}}, body}));
  return r.status;
}

}  // namespace

core::Result<std::unique_ptr<MotoServer>> MotoServer::Start() {
  if (system("command -v moto_server >/dev/null 2>&1") != 0) {
    return core::Internal(
        "moto_server is not installed; the contract tests need it (pip's moto[server])");
  }
  ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
  std::unique_ptr<MotoServer> m(new MotoServer());
  m->url_ = fmt::format("http://127.0.0.1:{}", port);
  m->pid_ = fork();
  if (m->pid_ < 0) return core::Internal("fork failed");
  if (m->pid_ == 0) {
    setsid();
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    std::string p = std::to_string(port);
    execlp("moto_server", "moto_server", "-H", "127.0.0.1", "-p", p.c_str(), nullptr);
    _exit(127);
  }
  aws::CurlTransport probe(aws::CurlOptions{std::chrono::seconds(1), std::chrono::seconds(2)});
  for (int tries = 0; tries < 300; ++tries) {
    auto r = probe.Send(aws::HttpRequest{"GET", m->url_ + "/moto-api/", {}, ""});
    if (r.ok() && r->status == 200) return m;
    int status = 0;
    if (waitpid(m->pid_, &status, WNOHANG) == m->pid_) {
      m->pid_ = -1;
      return core::Internal("moto_server exited at start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return core::Internal("moto_server did not answer within 30 s");
}

MotoServer::~MotoServer() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (waitpid(pid_, &status, WNOHANG) == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
}

core::Status MotoServer::Reset() {
  ASSIGN_OR_RETURN(int status, Post(url_ + "/moto-api/reset", ""));
  if (status != 200) return core::Internal(fmt::format("moto reset answered HTTP {}", status));
  return core::Status::Ok();
}

core::Result<nlohmann::json> MotoServer::BuildFixture() {
  return RunFixtureScript("make_fixture.py");
}

core::Result<nlohmann::json> MotoServer::BuildHostFixture() {
  return RunFixtureScript("host_fixture.py");
}

core::Result<nlohmann::json> MotoServer::BuildVolumeFixture() {
  return RunFixtureScript("volume_fixture.py");
}

core::Result<nlohmann::json> MotoServer::RunFixtureScript(const std::string& script) {
  std::string cmd = fmt::format("python3 {}/e2e/{} {}", ROTOR_TESTS_DIR, script, url_);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return core::Internal("cannot run " + cmd);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return core::Internal(cmd + " failed");
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) return core::Internal(cmd + " printed no JSON");
  return j;
}

}  // namespace rotor::testing
