// The bot's config (bot.yaml: accounts, ${ENV} secrets) and the outreach
// schedules (schedules.yaml). Never throws; every error is located.
#include "bot/config/config.h"
#include "bot/outreach/schedule.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t which = aasr::fuzz::Selector(data, size);
  const std::string text = aasr::fuzz::Input(data, size);
  if (which & 1) {
    auto s = aasr::outreach::LoadSchedulesFromString(text, "schedules.yaml");
    if (!s.ok())
      for (const aasr::Error& e : s.errors()) FUZZ_CHECK(!e.message.empty());
  } else {
    // Every variable is "set", so ${...} lookups reach the rest of the checks.
    auto env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "UNSET") return std::nullopt;
      return "value-of-" + name;
    };
    auto c = aasr::config::LoadConfigString(text, "bot.yaml", env);
    if (!c.ok())
      for (const aasr::Error& e : c.errors()) FUZZ_CHECK(!e.message.empty());
  }
  return 0;
}
