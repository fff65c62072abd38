#include "remote/host_keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace rotor::remote {
namespace {

// A key blob as ssh writes it: the type as an SSH string, then `body` as another.
std::string Blob(const std::string& type, const std::string& body) {
  auto str = [](const std::string& s) {
    std::string out(4, '\0');
    out[3] = static_cast<char>(s.size());
    return out + s;
  };
  return core::Base64Encode(str(type) + str(body));
}

const std::string kEd = "ssh-ed25519 " + Blob("ssh-ed25519", std::string(32, 'k'));
const std::string kEcdsa = "ecdsa-sha2-nistp256 " + Blob("ecdsa-sha2-nistp256", "nistp256-point");

TEST(HostKeysFromConsole, ReadsTheKeyBlockCloudInitPrints) {
  struct Row {
    const char* name;
    std::string console;
    std::vector<std::string> want;
  };
  const std::string begin = "-----BEGIN SSH HOST KEY KEYS-----\n";
  const std::string end = "-----END SSH HOST KEY KEYS-----\n";
  const Row rows[] = {
      {"with ec2: prefixes and comments",
       "[   12.1] cloud-init[812]: boot\nec2: " + begin + "ec2: " + kEcdsa + " root@ip-10-0-1-5\n" +
           "ec2: " + kEd + " root@ip-10-0-1-5\nec2: " + end + "login:\n",
       {kEcdsa, kEd}},
      {"no block yet", "[    1.0] Linux version 6.1\n", {}},
      {"fingerprints are not keys",
       "-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 SHA256:abc root@h (ED25519)\n"
       "-----END SSH HOST KEY FINGERPRINTS-----\n",
       {}},
      {"a damaged or mislabelled blob is left out",
       begin + "ssh-ed25519 not*base64 root@h\n" + "ssh-rsa " + Blob("ssh-ed25519", "x") +
           " root@h\n" + kEd + "\n" + end,
       {kEd}},
      {"a later boot's block wins", begin + kEcdsa + "\n" + end + begin + kEd + "\n" + end, {kEd}},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(HostKeysFromConsole(row.console), row.want) << row.name;
  }
}

TEST(PinHostKeys, ReplacesWhatTheAddressesHadAndKeepsTheRest) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("rotor-keys-" + std::to_string(getpid()));
  std::string path = dir + "/state/known_hosts";  // the directory does not exist yet
  ASSERT_TRUE(PinHostKeys(path, {"203.0.113.10"}, {kEcdsa}).ok());
  {
    std::ofstream add(path, std::ios::app);
    add << "10.0.0.9 " << kEd << "\n";
  }
  // The elastic IP moved to a new instance: its old key goes, the other host's stays.
  ASSERT_TRUE(PinHostKeys(path, {"203.0.113.10", "10.0.0.7"}, {kEd}).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "10.0.0.9 " + kEd + "\n203.0.113.10 " + kEd + "\n10.0.0.7 " + kEd + "\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rotor::remote
