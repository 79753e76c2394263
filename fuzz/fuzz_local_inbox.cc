// The local platform's inbox lines (LocalPlatform::ParseInboxLine), every
// line of the input as FetchComments reads a file. Errors are located at
// the line; a comment always has an id, text and author handle.
#include "bot/net/rfc3339.h"
#include "bot/platforms/local_platform.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const aasr::net::WallTime now = *aasr::net::ParseRfc3339("2026-11-23T01:00:00Z");
  const std::string input = aasr::fuzz::Input(data, size);
  int line_no = 1;
  for (size_t pos = 0; pos < input.size(); ++line_no) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) nl = input.size();
    std::string line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto c = aasr::platforms::LocalPlatform::ParseInboxLine(line, "inbox/a.jsonl", line_no, now);
    if (!c.ok()) {
      FUZZ_CHECK(c.errors()[0].where.line == line_no);
    } else if (c.value()) {
      FUZZ_CHECK(!c.value()->kind.empty() && (!c.value()->author_id.empty() || c.value()->author_handle.empty()));
    }
    pos = nl + 1;
  }
  return 0;
}
