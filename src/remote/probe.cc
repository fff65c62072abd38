#include "remote/probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rotor::remote {
namespace {

core::Status Down(const ProbeSpec& p, const std::string& address, const std::string& why) {
  return core::Status(core::Code::kUnavailable,
                      fmt::format("probe {} on {}: {}", p.text, address, why));
}

core::Result<int> ParsePort(const std::string& text, const std::string& whole) {
  int port = 0;
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && text.size() <= 5) port = std::stoi(text);
  if (port < 1 || port > 65535) {
    return core::InvalidArgument(
        fmt::format("probe '{}': '{}' is not a port (1-65535); write tcp:PORT or http://:PORT/PATH",
                    whole, text));
  }
  return port;
}

// Closes the descriptor on every path.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on the socket; false on timeout.
bool Wait(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

}  // namespace

core::Result<ProbeSpec> ProbeSpec::Parse(const std::string& text) {
  ProbeSpec p;
  p.text = text;
  if (text.rfind("tcp:", 0) == 0) {
    ASSIGN_OR_RETURN(p.port, ParsePort(text.substr(4), text));
    return p;
  }
  if (text.rfind("http://:", 0) == 0) {
    p.kind = Kind::kHttp;
    std::string rest = text.substr(8);
    size_t slash = rest.find('/');
    ASSIGN_OR_RETURN(p.port, ParsePort(rest.substr(0, slash), text));
    p.path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (p.path.find_first_of(" \r\n") != std::string::npos) {
      return core::InvalidArgument(
          fmt::format("probe '{}': the path has a space or newline", text));
    }
    return p;
  }
  if (text.rfind("ssh:", 0) == 0) {
    p.kind = Kind::kSsh;
    p.command = text.substr(4);
    if (p.command.find_first_not_of(' ') == std::string::npos) {
      return core::InvalidArgument(
          fmt::format("probe '{}': no command after ssh: (e.g. ssh:test -f /run/app.ready)", text));
    }
    return p;
  }
  return core::InvalidArgument(fmt::format(
      "probe '{}' is not tcp:PORT, http://:PORT/PATH or ssh:COMMAND (the address is each "
      "instance's own)",
      text));
}

core::Status HostProber::Probe(const ProbeSpec& p, const std::string& address) {
  if (p.kind != ProbeSpec::Kind::kSsh) return sockets_.Probe(p, address);
  if (address.empty()) return Down(p, "(no address)", "the instance has no IP address yet");
  auto r = runner_.Run({address, address, /*accept_new_key=*/true}, p.command, timeout_);
  if (!r.ok()) return Down(p, address, r.status().message());
  if (r->exit_status == 0) return core::Status::Ok();
  std::string said = r->err.empty() ? r->out : r->err;
  while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
  if (said.size() > 200) said = "..." + said.substr(said.size() - 200);
  return Down(p, address,
              fmt::format("exit status {}{}", r->exit_status, said.empty() ? "" : ": " + said));
}

core::Status SocketProber::Probe(const ProbeSpec& p, const std::string& address) {
  if (p.kind == ProbeSpec::Kind::kSsh) {
    return core::InvalidArgument(fmt::format("probe {}: sockets cannot run a command", p.text));
  }
  if (address.empty()) return Down(p, "(no address)", "the instance has no IP address yet");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.c_str(), std::to_string(p.port).c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return Down(p, address, "not an IP address");
  }
  Socket s(socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int rc = s.fd() < 0 ? -1 : connect(s.fd(), found->ai_addr, found->ai_addrlen);
  int connect_errno = errno;
  freeaddrinfo(found);
  if (s.fd() < 0) return Down(p, address, std::strerror(connect_errno));
  if (rc != 0 && connect_errno != EINPROGRESS)
    return Down(p, address, std::strerror(connect_errno));
  if (rc != 0) {
    if (!Wait(s.fd(), POLLOUT, timeout_)) {
      return Down(p, address, fmt::format("no connection within {} ms", timeout_.count()));
    }
    int error = 0;
    socklen_t len = sizeof(error);
    getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return Down(p, address, std::strerror(error));
  }
  if (p.kind == ProbeSpec::Kind::kTcp) return core::Status::Ok();

  std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: rotor-probe\r\nConnection: close\r\n\r\n",
      p.path, host, p.port);
  if (send(s.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return Down(p, address, "the request could not be sent");
  }
  // The status line is all we need: "HTTP/1.1 200 OK".
  std::string answer;
  char buf[512];
  while (answer.find("\r\n") == std::string::npos && answer.size() < 4096) {
    if (!Wait(s.fd(), POLLIN, timeout_)) {
      return Down(p, address, fmt::format("no answer within {} ms", timeout_.count()));
    }
    ssize_t n = recv(s.fd(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  if (answer.rfind("HTTP/", 0) != 0 || answer.find(' ') == std::string::npos) {
    return Down(p, address, "the answer is not HTTP");
  }
  int status = std::atoi(answer.c_str() + answer.find(' ') + 1);
  if (status < 200 || status >= 400) return Down(p, address, fmt::format("HTTP {}", status));
  return core::Status::Ok();
}

}  // namespace rotor::remote
