// Randomness as an interface, so retry jitter and the simulator are reproducible in tests.
#pragma once

#include <cstdint>
#include <random>

namespace rotor::core {

class Rng {
 public:
  virtual ~Rng() = default;
  // Uniform in [0, 1).
  virtual double Uniform01() = 0;
};

class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed) : engine_(seed) {}
  double Uniform01() override { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }

 private:
  std::mt19937_64 engine_;
};

// Always returns the same value; for tests of jittered delays.
class FixedRng final : public Rng {
 public:
  explicit FixedRng(double value) : value_(value) {}
  double Uniform01() override { return value_; }

 private:
  double value_;
};

}  // namespace rotor::core
