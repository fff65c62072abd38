// Runs every case of the public SigV4 test suite (shared/testdata/aws-sigv4-test-suite):
// canonical request, string to sign, signature and the Authorization header are compared.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/strings.h"

namespace rotor::aws {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// request.txt: "METHOD PATH HTTP/1.1", header lines (continuations start with blanks), a blank
// line, the body.
HttpRequest ParseRequestFile(const std::string& text) {
  HttpRequest req;
  size_t line_end = text.find('\n');
  std::string first = text.substr(0, line_end);
  size_t sp = first.find(' ');
  size_t proto = first.rfind(" HTTP/");
  req.method = first.substr(0, sp);
  std::string path = first.substr(sp + 1, proto - sp - 1);
  size_t pos = line_end + 1;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    std::string line = text.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
    pos = e == std::string::npos ? text.size() : e + 1;
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      req.headers.back().second += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  req.body = pos < text.size() ? text.substr(pos) : "";
  req.url = "https://" + HeaderValue(req.headers, "host") + path;
  return req;
}

std::string AuthorizationLine(const std::string& signed_request) {
  for (const std::string& line : core::Split(signed_request, '\n')) {
    if (core::StartsWith(line, "Authorization:")) return line.substr(strlen("Authorization:"));
  }
  return "";
}

fs::path SuiteDir() { return fs::path(ROTOR_SIGV4_SUITE_DIR); }

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(SuiteDir(), ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "context.json")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SigV4Suite, SuiteIsPresentAndComplete) {
  // A missing suite must fail loudly, never pass with zero cases.
  ASSERT_TRUE(fs::exists(SuiteDir())) << "SigV4 suite not found at " << SuiteDir();
  EXPECT_GE(CaseNames().size(), 30u);
}

class SigV4Case : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Case, MatchesHeaderSigning) {
  fs::path dir = SuiteDir() / GetParam();
  auto ctx = nlohmann::json::parse(ReadFile(dir / "context.json"));
  Credentials creds{ctx["credentials"]["access_key_id"], ctx["credentials"]["secret_access_key"],
                    ctx["credentials"].value("token", ""), std::nullopt, "test"};
  SigningOptions opts;
  opts.region = ctx["region"];
  opts.service = ctx["service"];
  opts.normalize_path = ctx.value("normalize", true);
  opts.add_content_sha256 = ctx.value("sign_body", false);
  opts.omit_session_token = ctx.value("omit_session_token", false);
  auto now = core::ParseIso8601(ctx["timestamp"].get<std::string>());
  ASSERT_TRUE(now.ok());

  HttpRequest req = ParseRequestFile(ReadFile(dir / "request.txt"));
  SigningResult got = SignRequest(req, creds, opts, *now);
  EXPECT_EQ(got.canonical_request, ReadFile(dir / "header-canonical-request.txt"));
  EXPECT_EQ(got.string_to_sign, ReadFile(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(got.signature, ReadFile(dir / "header-signature.txt"));
  EXPECT_EQ(HeaderValue(req.headers, "Authorization"),
            AuthorizationLine(ReadFile(dir / "header-signed-request.txt")));
}

INSTANTIATE_TEST_SUITE_P(Suite, SigV4Case, ::testing::ValuesIn(CaseNames()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

}  // namespace
}  // namespace rotor::aws
