// The export tarball: ustar members in a gzip stream, and the manifest that vouches for them.
#include "ops/bundle.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/user_data.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

constexpr std::size_t kBlock = 512;
constexpr char kManifest[] = "manifest.json";
constexpr char kFormat[] = "rotor-export";

core::Status Refused(const std::string& source, const std::string& why) {
  return core::InvalidArgument(fmt::format("{}: {}", source, why));
}

// --- ustar ---

void Octal(char* field, std::size_t width, std::uint64_t value) {
  std::string digits = fmt::format("{:0{}o}", value, width - 1);
  std::copy(digits.begin(), digits.end(), field);
  field[width - 1] = '\0';
}

std::uint64_t HeaderSum(const char* header) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    bool in_sum_field = i >= 148 && i < 156;  // counted as spaces
    sum += in_sum_field ? ' ' : static_cast<unsigned char>(header[i]);
  }
  return sum;
}

void AppendMember(std::string& tar, const std::string& name, std::string_view data,
                  std::int64_t mtime) {
  std::array<char, kBlock> h{};
  std::copy(name.begin(), name.end(), h.data());
  Octal(h.data() + 100, 8, 0644);
  Octal(h.data() + 108, 8, 0);
  Octal(h.data() + 116, 8, 0);
  Octal(h.data() + 124, 12, data.size());
  Octal(h.data() + 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
  h[156] = '0';
  std::copy_n("ustar", 6, h.data() + 257);
  std::copy_n("00", 2, h.data() + 263);
  std::copy_n("rotor", 5, h.data() + 265);
  std::copy_n("rotor", 5, h.data() + 297);
  std::string sum = fmt::format("{:06o}", HeaderSum(h.data()));
  std::copy(sum.begin(), sum.end(), h.data() + 148);
  h[154] = '\0';
  h[155] = ' ';
  tar.append(h.data(), kBlock);
  tar.append(data);
  tar.append((kBlock - data.size() % kBlock) % kBlock, '\0');
}

// A field's text up to its first NUL.
std::string Field(const char* field, std::size_t width) {
  return std::string(field, std::find(field, field + width, '\0'));
}

std::optional<std::uint64_t> ParseOctal(const char* field, std::size_t width) {
  std::string text = core::Trim(Field(field, width));
  if (text.empty() || text.size() > 22) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// Why a member's name cannot be trusted ("" when it can).
std::string BadName(const std::string& name) {
  if (name.empty()) return "an empty name";
  if (name.front() == '/') return "an absolute name";
  for (const std::string& part : core::Split(name, '/')) {
    if (part == "..") return "a name that climbs out (..)";
  }
  return "";
}

core::Status ReadMember(const std::string& tar, std::size_t& at, const std::string& source,
                        BundleFiles& out) {
  const char* h = tar.data() + at;
  auto size = ParseOctal(h + 124, 12);
  auto sum = ParseOctal(h + 148, 8);
  if (!size || !sum || *sum != HeaderSum(h) || Field(h + 257, 5) != "ustar") {
    return Refused(source, fmt::format("the archive is damaged at byte {} (a bad tar header)", at));
  }
  std::string name = Field(h + 345, 155);
  name = (name.empty() ? "" : name + "/") + Field(h, 100);
  while (name.starts_with("./")) name.erase(0, 2);
  std::size_t body = at + kBlock, end = body + ((*size + kBlock - 1) / kBlock) * kBlock;
  if (end > tar.size()) return Refused(source, fmt::format("{} is cut short", name));
  at = end;
  char type = h[156];
  if (type == '5') return core::Status::Ok();  // a directory (a repacked tarball may hold one)
  if (type != '0' && type != '\0') {
    return Refused(source, fmt::format("{} is not a plain file (type '{}')", name, type));
  }
  if (std::string why = BadName(name); !why.empty()) {
    return Refused(source, fmt::format("member '{}' has {}", name, why));
  }
  if (out.count(name)) return Refused(source, fmt::format("{} is in it twice", name));
  out[name] = tar.substr(body, *size);
  return core::Status::Ok();
}

core::Result<BundleFiles> Untar(const std::string& tar, const std::string& source) {
  if (tar.size() % kBlock != 0) return Refused(source, "the archive is cut short");
  BundleFiles out;
  std::size_t at = 0;
  while (at + kBlock <= tar.size()) {
    bool zero = std::all_of(tar.begin() + static_cast<std::ptrdiff_t>(at),
                            tar.begin() + static_cast<std::ptrdiff_t>(at + kBlock),
                            [](char c) { return c == '\0'; });
    if (zero) return out;
    RETURN_IF_ERROR(ReadMember(tar, at, source, out));
  }
  return Refused(source, "the archive has no end (cut short?)");
}

// --- the manifest ---

// `j[key]` when it is a string, else "" (json::value throws on another type).
std::string Text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

core::Status CheckManifest(const json& m, const BundleFiles& files, const std::string& source,
                           Bundle& out) {
  if (!m.is_object() || Text(m, "format") != kFormat || !m.contains("schema") ||
      !m["schema"].is_number_integer() || !m.contains("files") || !m["files"].is_object()) {
    return Refused(source, "manifest.json is not a rotor export's");
  }
  out.schema = m["schema"].get<int>();
  if (out.schema < 1 || out.schema > kBundleSchema) {
    return Refused(source, fmt::format("schema {} is not one this rotor reads (1 to {}): made by "
                                       "a newer rotor? upgrade rotor",
                                       out.schema, kBundleSchema));
  }
  auto created = core::ParseIso8601(Text(m, "created"));
  if (created.ok()) out.created = *created;
  for (const auto& [name, entry] : m["files"].items()) {
    auto it = files.find(name);
    if (it == files.end()) return Refused(source, fmt::format("{} is listed but missing", name));
    bool sized = entry.is_object() && entry.contains("bytes") &&
                 entry["bytes"].is_number_unsigned() &&
                 entry["bytes"].get<std::uint64_t>() == it->second.size();
    if (!sized || Text(entry, "sha256") != Sha256Hex(it->second)) {
      return Refused(source,
                     fmt::format("{} does not match its checksum: the file is damaged", name));
    }
  }
  for (const auto& [name, data] : files) {
    if (name != kManifest && !m["files"].contains(name)) {
      return Refused(source, fmt::format("{} is not in the manifest", name));
    }
  }
  return core::Status::Ok();
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

core::Result<std::string> WriteBundle(const BundleFiles& files, core::Time created) {
  json listed = json::object();
  for (const auto& [name, data] : files) {
    std::string why = BadName(name);
    if (why.empty() && name == kManifest) why = "the manifest's name";
    if (why.empty() && name.size() > 100) why = "more than 100 bytes";
    if (!why.empty())
      return core::InvalidArgument(fmt::format("bundle member '{}': {}", name, why));
    listed[name] = {{"bytes", data.size()}, {"sha256", Sha256Hex(data)}};
  }
  json manifest{{"format", kFormat},
                {"schema", kBundleSchema},
                {"created", core::FormatIso8601(created)},
                {"files", listed}};
  std::int64_t mtime =
      std::chrono::duration_cast<std::chrono::seconds>(created.time_since_epoch()).count();
  std::string tar;
  AppendMember(tar, kManifest, manifest.dump(2) + "\n", mtime);
  for (const auto& [name, data] : files) AppendMember(tar, name, data, mtime);
  tar.append(2 * kBlock, '\0');
  return Gzip(tar);
}

core::Result<Bundle> ReadBundle(std::string_view bytes, const std::string& source) {
  auto tar = Gunzip(bytes, kMaxUnpacked);
  if (!tar.ok() && tar.status().code() == core::Code::kFailedPrecondition) {
    return Refused(source, tar.status().message() + "; an export is far smaller");
  }
  if (!tar.ok())
    return Refused(source, "is not a whole gzip-compressed file (damaged or cut short?)");
  ASSIGN_OR_RETURN(BundleFiles files, Untar(*tar, source));
  auto manifest = files.find(kManifest);
  if (manifest == files.end()) return Refused(source, "has no manifest.json: not a rotor export");
  json m = json::parse(manifest->second, nullptr, false);
  Bundle out;
  RETURN_IF_ERROR(CheckManifest(m, files, source, out));
  files.erase(manifest);
  out.files = std::move(files);
  return out;
}

}  // namespace rotor::ops
