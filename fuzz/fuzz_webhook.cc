// The Facebook webhook: the GET handshake and the POST signature check on any
// bytes, and, for bodies signed with our secret (as Meta would), the payload
// parser (CommentsFromWebhookEvent). Selector bit 0: GET; bit 1: sign right.
#include "bot/net/form.h"
#include "bot/platforms/facebook_webhook.h"
#include "fuzz/fuzz_util.h"

namespace {
const char* kSecret = "fuzz-app-secret";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t mode = aasr::fuzz::Selector(data, size);
  const std::string input = aasr::fuzz::Input(data, size);
  size_t events = 0;
  aasr::platforms::FacebookWebhook hook(kSecret, "fuzz-verify", [&](const nlohmann::json& event) {
    aasr::Errors errors;
    auto comments = aasr::platforms::CommentsFromWebhookEvent(event, &errors);
    for (const auto& c : comments) FUZZ_CHECK(!c.remote_id.empty());
    ++events;
  });
  aasr::platforms::WebhookRequest r;
  if (mode & 1) {
    r.method = "GET";
    r.query = aasr::net::ParseQuery(input);
  } else {
    r.method = "POST";
    r.raw_body = input;
    if (mode & 2) {
      r.headers.emplace_back("X-Hub-Signature-256", "sha256=" + aasr::platforms::HmacSha256Hex(kSecret, input));
    } else {
      // Unsigned bytes: the first line is the header, the rest the body.
      const size_t nl = input.find('\n');
      r.headers.emplace_back("X-Hub-Signature-256", input.substr(0, nl));
      r.raw_body = nl == std::string::npos ? "" : input.substr(nl + 1);
      FUZZ_CHECK(!hook.VerifySignature(r.raw_body, input.substr(0, nl)) ||
                 input.substr(0, nl) == "sha256=" + aasr::platforms::HmacSha256Hex(kSecret, r.raw_body));
    }
  }
  const aasr::platforms::WebhookResponse resp = hook.Handle(r);
  if (r.method == "POST" && !(mode & 2)) FUZZ_CHECK(resp.status != 200 || events <= 1);
  if (r.method == "POST" && (mode & 2)) FUZZ_CHECK(resp.status == 200 || resp.status == 400);
  return 0;
}
