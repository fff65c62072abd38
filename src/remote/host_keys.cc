#include "remote/host_keys.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace rotor::remote {
namespace {

constexpr char kBegin[] = "-----BEGIN SSH HOST KEY KEYS-----";
constexpr char kEnd[] = "-----END SSH HOST KEY KEYS-----";

bool KeyType(const std::string& word) {
  return word == "ssh-ed25519" || word == "ssh-rsa" || word.rfind("ecdsa-sha2-nistp", 0) == 0 ||
         word.rfind("sk-", 0) == 0;
}

// The blob starts with the key type as an SSH string (4-byte length, then the name).
bool BlobNames(const std::string& blob64, const std::string& type) {
  auto blob = core::Base64Decode(blob64);
  if (!blob.ok() || blob->size() < 4 + type.size()) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(blob->data());
  size_t len = (size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | b[3];
  return len == type.size() && blob->compare(4, len, type) == 0;
}

// "ec2: ssh-ed25519 AAAA... root@ip" -> "ssh-ed25519 AAAA..."; "" when the line holds no key.
std::string KeyOf(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (KeyType(words[i]) && BlobNames(words[i + 1], words[i])) {
      return words[i] + " " + words[i + 1];
    }
  }
  return "";
}

}  // namespace

std::vector<std::string> HostKeysFromConsole(const std::string& console) {
  std::vector<std::string> keys;
  bool inside = false;
  for (const std::string& line : core::Split(console, '\n')) {
    if (line.find(kBegin) != std::string::npos) {
      inside = true;
      keys.clear();  // a later boot's block replaces an earlier one
    } else if (line.find(kEnd) != std::string::npos) {
      inside = false;
    } else if (inside) {
      std::string key = KeyOf(line);
      if (!key.empty()) keys.push_back(key);
    }
  }
  return keys;
}

core::Status PinHostKeys(const std::string& path, const std::vector<std::string>& addresses,
                         const std::vector<std::string>& keys) {
  std::vector<std::string> kept;
  if (std::ifstream in(path); in) {
    for (std::string line; std::getline(in, line);) {
      std::string host = line.substr(0, line.find(' '));
      bool replaced = false;
      for (const std::string& a : addresses) replaced |= host == a;
      if (!replaced && !line.empty()) kept.push_back(line);
    }
  }
  for (const std::string& a : addresses) {
    for (const std::string& k : keys) kept.push_back(a + " " + k);
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string temp = path + ".rotor-new";
  {
    std::ofstream out(temp, std::ios::trunc);
    for (const std::string& line : kept) out << line << "\n";
    if (!out.flush()) return core::Internal(fmt::format("cannot write {}", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return core::Internal(fmt::format("cannot replace {}", path));
  }
  return core::Status::Ok();
}

}  // namespace rotor::remote
