// A free TCP port on 127.0.0.1 for a test server (nothing listens on it when this returns).
#pragma once

#include "core/status.h"

namespace rotor::testing {

core::Result<int> FreeLoopbackPort();

}  // namespace rotor::testing
