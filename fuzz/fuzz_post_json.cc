// The outbox's stored post (ComposedPostFromJson): a row written by an older
// build, or edited by hand, is refused with an error, never thrown or cast
// out of range; what parses writes back to JSON that parses the same.
#include "bot/outreach/store.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = aasr::fuzz::Input(data, size);
  auto post = aasr::outreach::ComposedPostFromJson(text);
  if (!post.ok()) return 0;
  auto again = aasr::outreach::ComposedPostFromJson(aasr::outreach::ComposedPostToJson(post.value()));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.value().text == post.value().text && again.value().facets.size() == post.value().facets.size());
  return 0;
}
