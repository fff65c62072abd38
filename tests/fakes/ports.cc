#include "fakes/ports.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rotor::testing {

core::Result<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return core::Internal("cannot find a free loopback port");
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace rotor::testing
