// The graphics catalog (posts/graphics.yaml) and the post templates
// (posts/templates.yaml), and rendering what loads. Files named in the
// catalog resolve under the shipped posts/ (only stat()ed, never decoded).
#include "bot/outreach/composer.h"
#include "bot/outreach/graphics.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t which = aasr::fuzz::Selector(data, size);
  const std::string text = aasr::fuzz::Input(data, size);
  if (which & 1) {
    auto t = aasr::outreach::LoadTemplatesFromString(text, "templates.yaml");
    if (!t.ok()) {
      for (const aasr::Error& e : t.errors()) FUZZ_CHECK(!e.message.empty());
      return 0;
    }
    const std::map<std::string, std::string> values = {
        {"title", "Five Year Anniversary"}, {"excerpt", "A story"}, {"link", "https://aasr.example/x"},
        {"hashtags", "#AASR"}, {"caption", "cap"}, {"alt", "alt"}};
    for (const auto& [kind, by_platform] : t.value().by_kind)
      for (const auto& [platform, list] : by_platform)
        for (const std::string& tmpl : list) (void)aasr::outreach::RenderTemplate(tmpl, values);
  } else {
    auto g = aasr::outreach::LoadGraphicsFromString(text, "graphics.yaml", AASR_SOURCE_DIR "/posts");
    if (!g.ok())
      for (const aasr::Error& e : g.errors()) FUZZ_CHECK(!e.message.empty());
  }
  return 0;
}
