// Probes against real loopback listeners (no network beyond 127.0.0.1 and ::1).
#include "remote/probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace rotor::remote {
namespace {

using namespace std::chrono_literals;

TEST(ProbeSpec, ParseTable) {
  struct Row {
    const char* text;
    bool ok;
    ProbeSpec::Kind kind;
    int port;
    const char* path;
  };
  const Row rows[] = {
      {"tcp:22", true, ProbeSpec::Kind::kTcp, 22, ""},
      {"http://:8080/health", true, ProbeSpec::Kind::kHttp, 8080, "/health"},
      {"http://:80", true, ProbeSpec::Kind::kHttp, 80, "/"},
      {"http://:80/a?b=c", true, ProbeSpec::Kind::kHttp, 80, "/a?b=c"},
      {"tcp:", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"tcp:0", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"tcp:70000", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"tcp:http", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"http://example.com:80/x", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"http://:80/a b", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"ssh:test -f /var/lib/cloud/instance/boot-finished", true, ProbeSpec::Kind::kSsh, 0, ""},
      {"ssh:", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"ssh:   ", false, ProbeSpec::Kind::kTcp, 0, ""},
      {"", false, ProbeSpec::Kind::kTcp, 0, ""},
  };
  for (const Row& r : rows) {
    auto p = ProbeSpec::Parse(r.text);
    ASSERT_EQ(p.ok(), r.ok) << r.text;
    if (!r.ok) {
      EXPECT_EQ(p.status().code(), core::Code::kInvalidArgument);
      EXPECT_NE(p.status().message().find(r.text), std::string::npos) << p.status().message();
      continue;
    }
    EXPECT_EQ(p->kind, r.kind) << r.text;
    EXPECT_EQ(p->port, r.port) << r.text;
    EXPECT_EQ(p->path, r.path) << r.text;
    if (p->kind == ProbeSpec::Kind::kSsh) {
      EXPECT_EQ("ssh:" + p->command, r.text);
    }
  }
}

// A listener on a free loopback port that answers one connection with `answer` (or accepts and
// closes when empty).
class Listener {
 public:
  explicit Listener(std::string answer, int family = AF_INET) : answer_(std::move(answer)) {
    fd_ = socket(family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (family == AF_INET) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    } else {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_loopback;
      bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    }
    listen(fd_, 4);
    sockaddr_storage got{};
    socklen_t len = sizeof(got);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&got), &len);
    port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&got)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&got)->sin6_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Listener() {
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  void Serve() {
    int c = accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    if (!answer_.empty()) {
      char buf[1024];
      ssize_t n = recv(c, buf, sizeof(buf), 0);
      if (n > 0) request_.assign(buf, static_cast<size_t>(n));
      send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    }
    close(c);
  }

  std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string request_;
};

ProbeSpec Spec(const std::string& text) { return *ProbeSpec::Parse(text); }

TEST(SocketProber, TcpConnects) {
  SocketProber prober(2s);
  Listener v4("");
  EXPECT_TRUE(prober.Probe(Spec("tcp:" + std::to_string(v4.port())), "127.0.0.1").ok());
  Listener v6("", AF_INET6);
  EXPECT_TRUE(prober.Probe(Spec("tcp:" + std::to_string(v6.port())), "::1").ok());
}

TEST(SocketProber, ClosedPortIsRefused) {
  int port;
  {
    Listener gone("");
    port = gone.port();
    EXPECT_TRUE(SocketProber(2s).Probe(Spec("tcp:" + std::to_string(port)), "127.0.0.1").ok());
  }  // the listener is closed now
  core::Status s = SocketProber(2s).Probe(Spec("tcp:" + std::to_string(port)), "127.0.0.1");
  EXPECT_EQ(s.code(), core::Code::kUnavailable);
  EXPECT_NE(s.message().find("refused"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos) << s.message();
}

TEST(SocketProber, HttpStatusTable) {
  struct Row {
    const char* answer;
    bool ok;
    const char* why;
  };
  const Row rows[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true, ""},
      {"HTTP/1.0 302 Found\r\n\r\n", true, ""},
      {"HTTP/1.1 503 Service Unavailable\r\n\r\n", false, "HTTP 503"},
      {"HTTP/1.1 404 Not Found\r\n\r\n", false, "HTTP 404"},
      {"SSH-2.0-OpenSSH_9.2\r\n", false, "not HTTP"},
  };
  for (const Row& r : rows) {
    Listener server(r.answer);
    core::Status s = SocketProber(2s).Probe(
        Spec("http://:" + std::to_string(server.port()) + "/health"), "127.0.0.1");
    EXPECT_EQ(s.ok(), r.ok) << r.answer << s.message();
    if (!r.ok) {
      EXPECT_NE(s.message().find(r.why), std::string::npos) << s.message();
    }
  }
  Listener server("HTTP/1.1 200 OK\r\n\r\n");
  ASSERT_TRUE(
      SocketProber(2s)
          .Probe(Spec("http://:" + std::to_string(server.port()) + "/ready?deep=1"), "127.0.0.1")
          .ok());
  EXPECT_EQ(server.request().rfind("GET /ready?deep=1 HTTP/1.1\r\n", 0), 0u) << server.request();
}

TEST(SocketProber, NoAddress) {
  EXPECT_EQ(SocketProber(2s).Probe(Spec("tcp:22"), "").code(), core::Code::kUnavailable);
  EXPECT_NE(SocketProber(2s).Probe(Spec("tcp:22"), "ip-10-0-0-1").message().find("not an IP"),
            std::string::npos);
}

}  // namespace
}  // namespace rotor::remote
