// HTML to text (bot/util/html.h): WordPress excerpts and Mastodon statuses.
#include "bot/util/html.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string html = aasr::fuzz::Input(data, size);
  (void)aasr::html::HtmlToText(html);
  (void)aasr::html::HtmlToLines(html);
  (void)aasr::html::StripTags(html, true);
  (void)aasr::html::DecodeEntities(html);
  (void)aasr::html::CollapseWhitespace(html);
  return 0;
}
