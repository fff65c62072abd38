#include "ops/user_data.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <algorithm>

#include "core/strings.h"

namespace rotor::ops {
namespace {

core::Result<std::string> Inflate(std::string_view bytes, int window_bits, std::size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return core::Status(core::Code::kMalformed, "zlib");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_bytes) break;                // user data is at most 16 KB; a bomb is not
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // the input ended early
  }
  inflateEnd(&z);
  if (out.size() > max_bytes) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("unpacks to more than {} MiB", max_bytes >> 20));
  }
  if (rc != Z_STREAM_END) {
    return core::Status(core::Code::kMalformed, "not a whole gzip stream (damaged or cut short)");
  }
  return out;
}

// The node for `path` inside `root`, creating maps on the way.
core::Result<YAML::Node> Reach(YAML::Node root, const std::vector<std::string>& path,
                               const std::string& key, const std::string& owner) {
  YAML::Node at = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    YAML::Node next = at[path[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap()) {
      return core::InvalidArgument(
          fmt::format("--user-data-set {}: in the user data of {}, {} is not a map", key, owner,
                      core::Join({path.begin(), path.begin() + i + 1}, ".")));
    }
    if (!next.IsMap()) at[path[i]] = YAML::Node(YAML::NodeType::Map);
    at.reset(at[path[i]]);  // move the handle on (plain `=` would overwrite the node)
  }
  return at;
}

}  // namespace

core::Result<std::pair<std::string, std::string>> ParseSetting(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return core::InvalidArgument(fmt::format(
        "--user-data-set {}: expected KEY=VALUE (dotted keys reach nested maps)", text));
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

bool IsGzip(const std::string& b) {
  return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f &&
         static_cast<unsigned char>(b[1]) == 0x8b;
}

core::Result<std::string> Gunzip(std::string_view bytes, std::size_t max_bytes) {
  return Inflate(bytes, 16 + MAX_WBITS, max_bytes);
}

std::string Gzip(std::string_view bytes) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

core::Result<std::string> MergeUserData(const std::string& user_data,
                                        const std::vector<std::pair<std::string, std::string>>& set,
                                        const std::string& owner) {
  if (IsGzip(user_data)) {
    auto plain = Gunzip(user_data);
    if (!plain.ok()) return plain.status().WithContext("the gzip user data of " + owner);
    ASSIGN_OR_RETURN(std::string merged, MergeUserData(*plain, set, owner));
    return Gzip(merged);
  }
  std::string first, body = user_data;
  if (core::StartsWith(user_data, "#")) {
    size_t nl = user_data.find('\n');
    first = user_data.substr(0, nl);
    body = nl == std::string::npos ? "" : user_data.substr(nl + 1);
  }
  YAML::Node root;
  try {
    root = YAML::Load(body);
  } catch (const YAML::Exception& e) {
    return core::InvalidArgument(fmt::format(
        "the user data of {} is not YAML ({}): use --user-data FILE to replace it", owner, e.msg));
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) {
    return core::InvalidArgument(fmt::format(
        "the user data of {} is not a YAML map: --user-data-set cannot merge into it; use "
        "--user-data FILE to replace it",
        owner));
  }
  for (const auto& [key, value] : set) {
    std::vector<std::string> path = core::Split(key, '.');
    if (std::any_of(path.begin(), path.end(), [](const auto& p) { return p.empty(); })) {
      return core::InvalidArgument(fmt::format("--user-data-set {}: empty key part", key));
    }
    ASSIGN_OR_RETURN(YAML::Node parent, Reach(root, path, key, owner));
    YAML::Node parsed;
    try {
      parsed = YAML::Load(value);
    } catch (const YAML::Exception&) {
      parsed = YAML::Node(value);  // not YAML on its own: the text as a string
    }
    parent[path.back()] = parsed.IsNull() && !value.empty() ? YAML::Node(value) : parsed;
  }
  YAML::Emitter out;
  out << root;
  std::string text = std::string(out.c_str()) + "\n";
  return first.empty() ? text : first + "\n" + text;
}

std::string UnifiedDiff(const std::string& before, const std::string& after, int context) {
  if (before == after) return "";
  auto lines_of = [](const std::string& text) {
    std::vector<std::string> v = core::Split(text, '\n');
    if (!v.empty() && v.back().empty()) v.pop_back();  // the final newline ends a line
    return v;
  };
  std::vector<std::string> a = lines_of(before), b = lines_of(after);
  // Longest common subsequence table (user data is small: at most 16 KB).
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<std::string> lines;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      lines.push_back(" " + a[i]), ++i, ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      lines.push_back("-" + a[i++]);
    } else {
      lines.push_back("+" + b[j++]);
    }
  }
  std::string out = "--- before\n+++ after\n";
  for (size_t k = 0; k < lines.size(); ++k) {
    bool near = false;
    for (size_t m = k >= static_cast<size_t>(context) ? k - context : 0;
         m < lines.size() && m <= k + context; ++m) {
      near = near || lines[m][0] != ' ';
    }
    if (near) out += lines[k] + "\n";
  }
  return out;
}

}  // namespace rotor::ops
