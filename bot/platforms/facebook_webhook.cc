#include "bot/platforms/facebook_webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <iterator>
#include <vector>

#include "bot/net/rfc3339.h"

namespace aasr::platforms {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Param(const net::Params& params, const std::string& name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "";
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

FacebookWebhook::FacebookWebhook(std::string app_secret, std::string verify_token, EventHandler on_event)
    : app_secret_(std::move(app_secret)), verify_token_(std::move(verify_token)), on_event_(std::move(on_event)) {}

bool FacebookWebhook::VerifySignature(const std::string& raw_body, const std::string& header) const {
  const std::string prefix = "sha256=";
  if (app_secret_.empty() || header.size() != prefix.size() + 64 || header.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  // Compare raw MAC bytes so upper/lower case hex both work, in constant time.
  std::string given;
  for (size_t i = prefix.size(); i + 1 < header.size(); i += 2) {
    int hi = Hex(header[i]), lo = Hex(header[i + 1]);
    if (hi < 0 || lo < 0) return false;
    given += static_cast<char>(hi * 16 + lo);
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), app_secret_.data(), static_cast<int>(app_secret_.size()),
       reinterpret_cast<const unsigned char*>(raw_body.data()), raw_body.size(), mac, &len);
  return ConstantTimeEquals(given, std::string(reinterpret_cast<const char*>(mac), len));
}

WebhookResponse FacebookWebhook::Handle(const WebhookRequest& request) const {
  if (request.method == "GET") {
    if (Param(request.query, "hub.mode") == "subscribe" && !verify_token_.empty() &&
        ConstantTimeEquals(Param(request.query, "hub.verify_token"), verify_token_)) {
      return {200, "text/plain", Param(request.query, "hub.challenge")};
    }
    return {403, "text/plain", "verification failed"};
  }
  if (request.method != "POST") return {405, "text/plain", "method not allowed"};
  std::string signature = net::FindHeader(request.headers, "X-Hub-Signature-256");
  if (signature.empty()) return {401, "text/plain", "missing X-Hub-Signature-256"};
  if (!VerifySignature(request.raw_body, signature)) return {403, "text/plain", "bad signature"};
  nlohmann::json event = nlohmann::json::parse(request.raw_body, nullptr, false);
  if (event.is_discarded()) return {400, "text/plain", "body is not JSON"};
  if (on_event_) on_event_(event);
  return {200, "text/plain", "EVENT_RECEIVED"};
}

}  // namespace aasr::platforms

namespace aasr::platforms {

const char* CommentVerbName(CommentVerb v) {
  switch (v) {
    case CommentVerb::kAdd: return "add";
    case CommentVerb::kEdited: return "edited";
    case CommentVerb::kRemove: return "remove";
    case CommentVerb::kHide: return "hide";
    case CommentVerb::kUnhide: return "unhide";
  }
  return "?";
}

std::vector<CommentChange> CommentChangesFromWebhookEvent(const nlohmann::json& event, Errors* errors) {
  std::vector<CommentChange> out;
  if (!event.is_object() || !event.contains("entry") || !event["entry"].is_array()) return out;
  const auto str = [](const nlohmann::json& j, const char* key) -> std::string {
    if (!j.is_object() || !j.contains(key)) return "";
    const auto& v = j[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    return "";
  };
  static const std::pair<const char*, CommentVerb> kVerbs[] = {{"add", CommentVerb::kAdd},
                                                               {"edited", CommentVerb::kEdited},
                                                               {"remove", CommentVerb::kRemove},
                                                               {"hide", CommentVerb::kHide},
                                                               {"unhide", CommentVerb::kUnhide}};
  for (size_t e = 0; e < event["entry"].size(); ++e) {
    const auto& entry = event["entry"][e];
    if (!entry.is_object() || !entry.contains("changes") || !entry["changes"].is_array()) continue;
    for (size_t c = 0; c < entry["changes"].size(); ++c) {
      const auto& change = entry["changes"][c];
      if (str(change, "field") != "feed" || !change.contains("value")) continue;
      const auto& v = change["value"];
      if (str(v, "item") != "comment") continue;
      const std::string verb = str(v, "verb");
      const auto* known = std::find_if(std::begin(kVerbs), std::end(kVerbs),
                                       [&](const auto& k) { return verb == k.first; });
      if (known == std::end(kVerbs)) continue;
      CommentChange ch;
      ch.verb = known->second;
      ch.where = "webhook entry[" + std::to_string(e) + "].changes[" + std::to_string(c) + "]";
      const bool has_text = ch.verb == CommentVerb::kAdd || ch.verb == CommentVerb::kEdited;
      FetchedComment& fc = ch.comment;
      fc.remote_id = str(v, "comment_id");
      fc.text = str(v, "message");
      if (fc.remote_id.empty() || (has_text && !v.contains("message"))) {
        if (errors) {
          errors->push_back(Error{{ch.where, 0, 0}, "value",
                                  std::string("a comment ") + known->first + " change needs comment_id" +
                                      (has_text ? " and message" : ""),
                                  ErrorCode::kInvalidInput});
        }
        continue;
      }
      fc.root_remote_id = str(v, "post_id");
      fc.parent_remote_id = str(v, "parent_id");
      if (fc.parent_remote_id.empty()) fc.parent_remote_id = fc.root_remote_id;
      if (v.contains("from")) {
        fc.author_id = str(v["from"], "id");
        fc.author_handle = str(v["from"], "name");
      }
      if (v.contains("created_time") && v["created_time"].is_number_integer()) {
        // Any integer may arrive; one outside WallTime's years is reported, not converted.
        if (auto t = net::FromUnixSeconds(v["created_time"].get<int64_t>())) {
          fc.created_at = net::FormatRfc3339(*t);
        } else if (errors) {
          errors->push_back(Error{{ch.where, 0, 0}, "value.created_time",
                                  "created_time " + v["created_time"].dump() + " is not a time between 1677 and 2262",
                                  ErrorCode::kInvalidInput});
        }
      }
      fc.kind = "comment";
      out.push_back(std::move(ch));
    }
  }
  return out;
}

std::vector<FetchedComment> CommentsFromWebhookEvent(const nlohmann::json& event, Errors* errors) {
  std::vector<FetchedComment> out;
  for (CommentChange& ch : CommentChangesFromWebhookEvent(event, errors)) {
    if (ch.verb == CommentVerb::kAdd || ch.verb == CommentVerb::kEdited) out.push_back(std::move(ch.comment));
  }
  return out;
}

}  // namespace aasr::platforms
