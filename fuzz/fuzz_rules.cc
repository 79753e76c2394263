// Rule files: YAML text -> rule set (RuleSet::LoadString), then a screen and
// the examples of whatever loaded. Never throws; errors are located.
#include "bot/rules/rules.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = aasr::fuzz::Input(data, size);
  auto loaded = aasr::rules::RuleSet::LoadString(text, "fuzz.yaml");
  if (!loaded.ok()) {
    for (const aasr::Error& e : loaded.errors()) FUZZ_CHECK(!e.message.empty());
    return 0;
  }
  aasr::rules::Comment c;
  c.text = "you are an idiot, kill yourself https://bit.ly/x";
  (void)loaded.value()->Screen(c);
  if (loaded.value()->example_count() < 50) (void)loaded.value()->RunExamples();
  return 0;
}
