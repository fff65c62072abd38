#include "sim/distribution.h"

#include <algorithm>
#include <cmath>

namespace rotor::sim {

core::Duration Distribution::Sample(core::Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kUniform: {
      double span = static_cast<double>((b - a).count());
      return a + core::Duration(static_cast<int64_t>(rng.Uniform01() * span));
    }
    case Kind::kLogNormal: {
      // ln X ~ N(mu, sigma): median = e^mu, p99 = e^(mu + 2.3263 sigma). Box-Muller for N(0,1).
      double mu = std::log(std::max<double>(1, a.count()));
      double sigma = std::max(0.0, (std::log(std::max<double>(1, b.count())) - mu) / 2.3263478740);
      double u1 = std::max(rng.Uniform01(), 1e-12), u2 = rng.Uniform01();
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      return core::Duration(static_cast<int64_t>(std::exp(mu + sigma * z)));
    }
  }
  return a;
}

}  // namespace rotor::sim
