#include "remote/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace rotor::remote {
namespace {

using Clock = std::chrono::steady_clock;

// Both ends of a pipe, closed when it goes out of scope.
struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  void CloseWrite() {
    close(fd[1]);
    fd[1] = -1;
  }
};

int ExitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Keeps at most `max` bytes of what is read; reads (and drops) the rest.
void Keep(std::string& into, const char* data, size_t n, size_t max, bool& truncated) {
  size_t room = into.size() < max ? max - into.size() : 0;
  into.append(data, std::min(room, n));
  if (n > room) truncated = true;
}

core::Result<pid_t> Spawn(const std::vector<std::string>& argv, Pipe& out, Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return core::NotFound(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
  }
  return pid;
}

// Ends the process group: SIGTERM, then SIGKILL when it has not gone after a second.
int Kill(pid_t pid) {
  kill(-pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
  return status;
}

}  // namespace

core::Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                       const ProcessLimits& limits) {
  if (argv.empty()) return core::Internal("RunProcess: no program");
  Pipe out, err;
  if (pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0) {
    return core::Internal(fmt::format("pipe: {}", std::strerror(errno)));
  }
  ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, out, err));
  out.CloseWrite();
  err.CloseWrite();
  ProcessResult result;
  const Clock::time_point deadline = Clock::now() + limits.timeout;
  std::array<pollfd, 2> fds = {pollfd{out.fd[0], POLLIN, 0}, pollfd{err.fd[0], POLLIN, 0}};
  std::array<std::string*, 2> into = {&result.out, &result.err};
  int open = 2;
  char buffer[16384];
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      Kill(pid);
      return core::Status(
          core::Code::kDeadlineExceeded,
          fmt::format("{} did not finish within {}s", argv[0], limits.timeout.count() / 1000.0));
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
      Kill(pid);
      return core::Internal(fmt::format("poll: {}", std::strerror(errno)));
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        Keep(*into[i], buffer, static_cast<size_t>(n), limits.max_output, result.truncated);
        if (i == 1 && !limits.stop_when.empty() &&
            result.err.find(limits.stop_when) != std::string::npos) {
          result.exit_status = ExitStatus(Kill(pid));
          result.stopped = true;
          return result;
        }
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // EOF (or a read error: nothing more will come)
        --open;
      }
    }
  }
  // Both pipes closed: the program is ending (or has handed them to no one); wait, bounded.
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      Kill(pid);
      return core::Status(
          core::Code::kDeadlineExceeded,
          fmt::format("{} did not finish within {}s", argv[0], limits.timeout.count() / 1000.0));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.exit_status = ExitStatus(status);
  return result;
}

}  // namespace rotor::remote
