// What every fuzz target shares: a check that stops the run with a message
// (libFuzzer saves the input as a crash), and the input as a string.
// Contract of every target: no input may crash, throw out of the function
// under test, leak, or trip ASan/UBSan; the FUZZ_CHECKs add each parser's own
// promises (spans inside the text, the two normalizers agree, ...).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

namespace aasr::fuzz {

inline std::string Input(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Splits off the first byte as a selector (which parser or mode to run).
inline uint8_t Selector(const uint8_t*& data, size_t& size) {
  if (size == 0) return 0;
  const uint8_t s = data[0];
  ++data;
  --size;
  return s;
}

}  // namespace aasr::fuzz
