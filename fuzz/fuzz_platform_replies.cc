// Each adapter's reply parsing, without a network: the functions the
// adapters themselves call on a server's JSON. Selector (first byte) % 5:
//   0 Mastodon notifications (MastodonPlatform::CommentFromNotification)
//   1 Bluesky notifications + a getProfiles profile (BlueskyPlatform::CommentFromNotification)
//   2 Graph API comments (FacebookPlatform::CommentFromGraph)
//   3 error bodies of any platform (net::ResponseError)
//   4 headers: Link (Mastodon paging), Retry-After, rate-limit reset, RFC 3339, AT URIs
// The rest of the input is the reply body, parsed as each adapter does.
#include "bot/net/http_client.h"
#include "bot/net/rfc3339.h"
#include "bot/platforms/bluesky.h"
#include "bot/platforms/facebook.h"
#include "bot/platforms/mastodon.h"
#include "fuzz/fuzz_util.h"

using nlohmann::json;

namespace {

const aasr::net::WallTime kNow = *aasr::net::ParseRfc3339("2026-11-23T01:00:00Z");

// A parsed comment always names where it sits in its thread.
void CheckComment(const aasr::platforms::FetchedComment& c) {
  if (!c.remote_id.empty() && c.kind == "mention") FUZZ_CHECK(c.root_remote_id == c.remote_id);
}

// Elements of the array a reply holds under `key` ("" = the body itself).
std::vector<json> Elements(const json& j, const char* key) {
  const json* a = &j;
  if (*key) {
    if (!j.is_object() || !j.contains(key)) return {};
    a = &j[key];
  }
  if (!a->is_array()) return {};
  return std::vector<json>(a->begin(), a->end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t which = aasr::fuzz::Selector(data, size) % 5;
  const std::string body = aasr::fuzz::Input(data, size);
  if (which == 4) {
    (void)aasr::platforms::LinkUrl(body, "prev");
    (void)aasr::platforms::LinkUrl(body, "next");
    (void)aasr::net::ParseRetryAfter(body, kNow);
    (void)aasr::net::ParseResetTime(body);
    if (auto t = aasr::net::ParseRfc3339(body)) (void)aasr::net::FormatRfc3339(*t);
    (void)aasr::platforms::ParseAtUri(body);
    return 0;
  }
  if (which == 3) {
    aasr::net::Request req;
    req.url = "https://graph.facebook.com/v19.0/1/comments?access_token=SECRET";
    aasr::net::Response resp{400, {}, body};
    const aasr::Error e = aasr::net::ResponseError(req, resp, "fuzz");
    FUZZ_CHECK(e.message.rfind("HTTP 400: ", 0) == 0);
    FUZZ_CHECK(e.where.file.find("SECRET") == std::string::npos);
    return 0;
  }
  const json j = json::parse(body, nullptr, false);  // as every adapter parses
  if (j.is_discarded()) return 0;
  if (which == 0) {
    for (const json& n : Elements(j, ""))
      if (auto c = aasr::platforms::MastodonPlatform::CommentFromNotification(n, kNow)) CheckComment(*c);
  } else if (which == 1) {
    const std::vector<json> profiles = Elements(j, "profiles");
    size_t i = 0;
    for (const json& n : Elements(j, "notifications")) {
      const json profile = profiles.empty() ? json() : profiles[i++ % profiles.size()];
      CheckComment(aasr::platforms::BlueskyPlatform::CommentFromNotification(n, profile, kNow));
    }
  } else {
    for (const json& cm : Elements(j, "data")) {
      int64_t t = -1;
      auto c = aasr::platforms::FacebookPlatform::CommentFromGraph(cm, "123_456", &t);
      if (!c.remote_id.empty()) FUZZ_CHECK(c.root_remote_id == "123_456" && c.kind == "comment");
      if (c.remote_id.empty()) FUZZ_CHECK(t == 0);
    }
  }
  return 0;
}
