// Keeps secrets out of --debug output: Authorization and security-token headers, secret keys,
// session tokens and web identity tokens in XML, JSON and form bodies.
#pragma once

#include <string>

#include "aws/http.h"

namespace rotor::aws {

std::string RedactHeaders(const Headers& headers);
std::string RedactBody(std::string body);

}  // namespace rotor::aws
