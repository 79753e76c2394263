#include "bot/net/clock.h"

namespace aasr::net {

double SeededRandom::Uniform01() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen_);
}

}  // namespace aasr::net
