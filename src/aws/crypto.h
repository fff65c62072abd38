// The hashes SigV4 needs, on OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace rotor::aws {

std::string Sha256Hex(std::string_view data);
// Raw (binary) HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);

}  // namespace rotor::aws
