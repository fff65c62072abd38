// remote::OpenSshRunner against real sshd servers on loopback (a bastion and hosts behind it),
// reached through an ssh configuration that maps instance addresses onto them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "fakes/ports.h"
#include "fakes/sshd.h"
#include "remote/host_keys.h"
#include "remote/probe.h"
#include "remote/ssh.h"

namespace rotor::remote {
namespace {

using namespace std::chrono_literals;

class SshRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lab = testing::SshLab::Create();
    ASSERT_TRUE(lab.ok()) << lab.status().message();
    lab_ = std::move(lab).value();
    for (const char* name : {"bastion", "app", "db"}) {
      auto s = testing::TestSshd::Start(lab_->dir(), name, lab_->public_key());
      ASSERT_TRUE(s.ok()) << s.status().message();
      servers_[name] = std::move(s).value();
    }
    lab_->Map("10.0.0.1", servers_["bastion"]->port());
    lab_->Map("10.0.0.5", servers_["app"]->port());
    lab_->Map("10.0.0.6", servers_["db"]->port(), /*jump=*/"10.0.0.1");
    auto closed = testing::FreeLoopbackPort();
    ASSERT_TRUE(closed.ok());
    lab_->Map("10.0.0.9", *closed);                        // nothing listens there
    lab_->Map("10.0.0.10", *closed, /*jump=*/"10.0.0.1");  // nothing there, behind the bastion
    lab_->Map("10.0.0.11", servers_["app"]->port(), /*jump=*/"10.0.0.9");  // jump unreachable
    silent_ = Listen();
    lab_->Map("10.0.0.12", silent_.second, /*jump=*/"10.0.0.1");  // accepts, never speaks
    ASSERT_TRUE(lab_->Write().ok());
    // The hosts the team already knows (the bastion too: the jump connection checks it).
    std::ofstream known(lab_->known_hosts());
    known << "10.0.0.1 " << servers_["bastion"]->host_key() << "\n"
          << "10.0.0.5 " << servers_["app"]->host_key() << "\n"
          << "10.0.0.6 " << servers_["db"]->host_key() << "\n";
  }

  OpenSshRunner Runner(size_t max_output = 64 * 1024) {
    SshSettings s;
    s.config_file = lab_->config();
    s.known_hosts = lab_->known_hosts();
    s.connect_timeout = 5s;
    return OpenSshRunner(s, max_output);
  }

  // A loopback socket that accepts connections (the kernel completes them) and never speaks.
  static std::pair<int, int> Listen() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, 8) != 0) return {-1, 0};
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return {fd, ntohs(a.sin_port)};
  }
  void TearDown() override {
    if (silent_.first >= 0) close(silent_.first);
  }

  std::unique_ptr<testing::SshLab> lab_;
  std::map<std::string, std::unique_ptr<testing::TestSshd>> servers_;
  std::pair<int, int> silent_{-1, 0};
};

// Keys read from an instance's console are pinned before the first connection: the right key
// lets a strict connection through, another instance's key (an address that moved) does not.
TEST_F(SshRunnerTest, KeysPinnedFromTheConsoleAreCheckedStrictly) {
  std::string pinned = lab_->dir() + "/pinned/known_hosts";
  SshSettings s;
  s.config_file = lab_->config();
  s.known_hosts = pinned;
  s.connect_timeout = 5s;
  OpenSshRunner runner(s);
  std::string console =
      "ec2: -----BEGIN SSH HOST KEY KEYS-----\nec2: " + servers_["app"]->host_key() +
      " root@ip-10-0-0-5\nec2: -----END SSH HOST KEY KEYS-----\n";
  ASSERT_TRUE(PinHostKeys(pinned, {"10.0.0.5"}, HostKeysFromConsole(console)).ok());
  auto r = runner.Run({"i-0app", "10.0.0.5", /*accept_new_key=*/false}, "true", 30s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(PinHostKeys(pinned, {"10.0.0.5"}, {servers_["db"]->host_key()}).ok());
  r = runner.Run({"i-0app", "10.0.0.5", false}, "true", 30s);
  EXPECT_EQ(r.status().code(), core::Code::kFailedPrecondition) << r.status().message();
}

// Port waits go where ssh would go: the configuration's HostName and Port (port 22 is ssh's),
// through ssh -W when a jump host applies.
TEST_F(SshRunnerTest, PortWaitsFollowTheConfiguration) {
  struct Row {
    const char* name;
    const char* address;
    int port;
    bool open;
    const char* says;  // in the reason when closed
  };
  const Row rows[] = {
      {"direct, mapped port open", "10.0.0.5", 22, true, ""},
      {"direct, nothing listens", "10.0.0.9", 22, false, "port 22 on h (10.0.0.9)"},
      {"through the bastion, open", "10.0.0.6", 22, true, ""},
      {"through the bastion, refused", "10.0.0.10", 22, false, "through 10.0.0.1"},
      {"jump host unreachable", "10.0.0.11", 22, false, "cannot reach the jump host 10.0.0.9"},
      {"a silent service behind the bastion", "10.0.0.12", 22, true, ""},
  };
  OpenSshRunner runner = Runner();
  for (const Row& row : rows) {
    auto start = std::chrono::steady_clock::now();
    core::Status s = runner.PortOpen({"h", row.address}, row.port, 8s);
    EXPECT_EQ(s.ok(), row.open) << row.name << ": " << s.message();
    if (!row.open) {
      EXPECT_EQ(s.code(), core::Code::kUnavailable) << row.name;
      EXPECT_NE(s.message().find(row.says), std::string::npos) << row.name << ": " << s.message();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 7s) << row.name << " hung";
  }
}

TEST_F(SshRunnerTest, ACommandsOutputAndExitStatusComeBack) {
  auto r = Runner().Run({"i-0app", "10.0.0.5"},
                        "echo hello $ROTOR_TEST_HOST; echo oops >&2; exit 3", 30s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_status, 3);  // an answer, not an error
  EXPECT_EQ(r->out, "hello app\n");
  EXPECT_EQ(r->err, "oops\n");
  EXPECT_FALSE(r->truncated);
}

TEST_F(SshRunnerTest, OutputIsBounded) {
  auto r = Runner(/*max_output=*/1000).Run({"i-0app", "10.0.0.5"}, "head -c 300000 /dev/zero", 30s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_status, 0);  // read to the end, so the command never blocked
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->truncated);
}

TEST_F(SshRunnerTest, ACommandPastItsTimeIsStopped) {
  auto start = std::chrono::steady_clock::now();
  auto r = Runner().Run({"i-0app", "10.0.0.5"}, "sleep 60", 2s);
  EXPECT_EQ(r.status().code(), core::Code::kDeadlineExceeded);
  EXPECT_NE(r.status().message().find("i-0app (10.0.0.5)"), std::string::npos)
      << r.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST_F(SshRunnerTest, AHostBehindTheBastionIsReachedThroughIt) {
  auto r = Runner().Run({"i-0db", "10.0.0.6"}, "echo $ROTOR_TEST_HOST", 30s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->out, "db\n");
}

TEST_F(SshRunnerTest, AnUnreachableHostIsNamedWithoutHanging) {
  auto start = std::chrono::steady_clock::now();
  auto r = Runner().Run({"i-0gone", "10.0.0.9"}, "true", 60s);
  EXPECT_EQ(r.status().code(), core::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot reach i-0gone (10.0.0.9) over ssh"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("Connection refused"), std::string::npos)
      << r.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST_F(SshRunnerTest, HostKeysArePinned) {
  // Another host key under a known address: refused, strict or accept-new alike.
  {
    std::ofstream known(lab_->known_hosts());
    known << "10.0.0.5 " << servers_["db"]->host_key() << "\n";
  }
  for (bool accept_new : {false, true}) {
    auto r = Runner().Run({"i-0app", "10.0.0.5", accept_new}, "true", 30s);
    EXPECT_EQ(r.status().code(), core::Code::kFailedPrecondition) << accept_new;
    EXPECT_NE(r.status().message().find("its host key is not the one known"), std::string::npos)
        << r.status().message();
  }
  // An unknown host: refused when strict; pinned at first sight when rotor launched it.
  std::ofstream(lab_->known_hosts(), std::ios::trunc).flush();
  auto strict = Runner().Run({"i-0app", "10.0.0.5"}, "true", 30s);
  EXPECT_EQ(strict.status().code(), core::Code::kFailedPrecondition);
  auto fresh = Runner().Run({"i-0new", "10.0.0.5", /*accept_new_key=*/true}, "true", 30s);
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  auto again = Runner().Run({"i-0new", "10.0.0.5"}, "true", 30s);  // now known: strict passes
  EXPECT_TRUE(again.ok()) << again.status().message();
}

// A prober that must not be asked: ssh probes never go to sockets.
class NoSockets final : public Prober {
 public:
  core::Status Probe(const ProbeSpec& p, const std::string&) override {
    return core::Internal("sockets asked for " + p.text);
  }
};

// `ssh:COMMAND` probes: exit status 0 passes; anything else says why, naming the address.
TEST_F(SshRunnerTest, SshProbesPassOnExitStatusZero) {
  NoSockets sockets;
  OpenSshRunner runner = Runner();
  HostProber prober(sockets, runner, 30s);
  // The new instance's key is not known yet: a probe pins it (accept-new).
  std::ofstream(lab_->known_hosts(), std::ios::trunc).flush();
  struct {
    const char* probe;
    bool ok;
    const char* says;
  } rows[] = {
      {"ssh:test \"$ROTOR_TEST_HOST\" = app", true, ""},
      {"ssh:echo not booted yet >&2; exit 2", false, "exit status 2: not booted yet"},
      {"ssh:false", false, "exit status 1"},
  };
  for (const auto& row : rows) {
    auto spec = ProbeSpec::Parse(row.probe);
    ASSERT_TRUE(spec.ok()) << row.probe;
    core::Status s = prober.Probe(*spec, "10.0.0.5");
    EXPECT_EQ(s.ok(), row.ok) << row.probe << ": " << s.message();
    if (!row.ok) {
      EXPECT_EQ(s.code(), core::Code::kUnavailable);
      EXPECT_NE(s.message().find("10.0.0.5"), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(row.says), std::string::npos) << s.message();
    }
  }
  auto down = ProbeSpec::Parse("ssh:true");
  core::Status gone = prober.Probe(*down, "10.0.0.9");
  EXPECT_EQ(gone.code(), core::Code::kUnavailable);
  EXPECT_NE(gone.message().find("cannot reach"), std::string::npos) << gone.message();
}

TEST(SshArgv, UsersOptionsFirstThenRotorsPolicy) {
  SshSettings s;
  s.user = "admin";
  s.key_file = "/k";
  s.jump = "bastion.example.org";
  s.config_file = "/c";
  s.options = {{"Port", "2222"}};
  s.known_hosts = "/state/known_hosts";
  auto argv = SshArgv(s, {"i-1", "10.0.0.5", true}, "uptime");
  std::vector<std::string> want = {"ssh",
                                   "-o",
                                   "Port=2222",
                                   "-F",
                                   "/c",
                                   "-i",
                                   "/k",
                                   "-l",
                                   "admin",
                                   "-J",
                                   "bastion.example.org",
                                   "-T",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "ConnectTimeout=10",
                                   "-o",
                                   "StrictHostKeyChecking=accept-new",
                                   "-o",
                                   "UserKnownHostsFile=/state/known_hosts",
                                   "--",
                                   "10.0.0.5",
                                   "uptime"};
  EXPECT_EQ(argv, want);
}

}  // namespace
}  // namespace rotor::remote
