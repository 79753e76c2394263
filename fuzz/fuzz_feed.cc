// RSS 2.0, Atom and WordPress REST stories (ParseFeed), and the date parsers
// on the raw input. Never throws; every story's date formats.
#include "bot/outreach/story.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body = aasr::fuzz::Input(data, size);
  auto feed = aasr::outreach::ParseFeed(body, "https://site.example/feed/");
  if (feed.ok()) {
    for (const auto& s : feed.value().stories) {
      FUZZ_CHECK(!s.id.empty());
      FUZZ_CHECK(aasr::outreach::FormatRfc3339(s.published).size() >= 20);
    }
  }
  if (size < 80) {
    int64_t t = 0;
    if (aasr::outreach::ParseRfc822(body, &t)) (void)aasr::outreach::FormatRfc3339(t);
    if (aasr::outreach::ParseRfc3339(body, true, &t)) (void)aasr::outreach::FormatRfc3339(t);
  }
  return 0;
}
