// Comment screening with the shipped rules: text -> verdict. Promises checked:
// every span lies inside the original text and, for valid UTF-8, on code
// point boundaries; the fused normalizer equals the stepwise reference (text
// and maps); for ASCII the map-free canonical text equals the mapped one.
#include <mutex>

#include "bot/rules/normalize.h"
#include "bot/rules/rules.h"
#include "bot/util/utf8.h"
#include "fuzz/fuzz_util.h"

namespace {

bool Boundary(const std::string& s, size_t i) {
  return i == 0 || i == s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

void CheckSameMap(const aasr::rules::MappedText& a, const aasr::rules::MappedText& b, size_t n) {
  FUZZ_CHECK(a.text == b.text);
  FUZZ_CHECK(a.begin == b.begin);
  FUZZ_CHECK(a.end == b.end);
  FUZZ_CHECK(a.begin.size() == a.text.size() && a.end.size() == a.text.size());
  for (size_t i = 0; i < a.text.size(); ++i) FUZZ_CHECK(a.begin[i] <= a.end[i] && a.end[i] <= n);
}

aasr::rules::RuleSetPtr rules;

}  // namespace

// The shipped rules load once, here and not in the first input: libFuzzer's
// -timeout counts from an input's start, and loading them under ASan on a
// busy machine took 12 s, reported as a timeout of the empty input.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto r = aasr::rules::RuleSet::LoadDirectory(AASR_SOURCE_DIR "/rules");
  FUZZ_CHECK(r.ok());
  rules = r.value();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = aasr::fuzz::Input(data, size);
  const bool valid = aasr::utf8::FindInvalid(text) == text.size();

  const aasr::rules::Views fast = aasr::rules::Normalize(text);
  const aasr::rules::Views ref = aasr::rules::NormalizeStepwise(text);
  CheckSameMap(fast.literal, ref.literal, text.size());
  CheckSameMap(fast.canonical, ref.canonical, text.size());
  if (aasr::rules::IsAsciiText(text)) FUZZ_CHECK(aasr::rules::CanonicalAsciiText(text) == fast.canonical.text);

  aasr::rules::Comment c;
  c.text = text;
  c.platform = "mastodon";
  const aasr::rules::Verdict v = rules->Screen(c);
  for (const auto& m : v.matches) {
    for (const auto& [b, e] : m.spans) {
      FUZZ_CHECK(b <= e && e <= text.size());
      if (valid) FUZZ_CHECK(Boundary(text, b) && Boundary(text, e));
    }
  }
  (void)aasr::rules::VerdictToJson(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
