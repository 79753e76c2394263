// FacebookWebhook: the Graph API webhook endpoint, independent of any HTTP
// server so the review server can mount it (GET and POST on one path).
//
//  - GET (subscription handshake): hub.mode=subscribe and hub.verify_token
//    equal to ours -> 200 with hub.challenge as the body; otherwise 403.
//  - POST (events): X-Hub-Signature-256 must be "sha256=" + the hex
//    HMAC-SHA256 of the RAW body with the app secret (OpenSSL), compared in
//    constant time. Missing header -> 401; wrong or malformed -> 403; only
//    then is the body parsed (invalid JSON -> 400) and handed to on_event;
//    200 "EVENT_RECEIVED".
// Nothing about the request is trusted before the signature matches.
// Thread safety: Handle is const and may run on many threads if on_event can.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/form.h"
#include "bot/net/http_client.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

struct WebhookRequest {
  std::string method;   // "GET" or "POST"
  net::Params query;    // decoded query parameters
  net::Headers headers;
  std::string raw_body;  // exactly the bytes received
};

struct WebhookResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

class FacebookWebhook {
 public:
  using EventHandler = std::function<void(const nlohmann::json& event)>;
  FacebookWebhook(std::string app_secret, std::string verify_token, EventHandler on_event);

  WebhookResponse Handle(const WebhookRequest& request) const;

  // True iff header == "sha256=<hex of HMAC-SHA256(app_secret, body)>".
  bool VerifySignature(const std::string& raw_body, const std::string& header) const;

 private:
  std::string app_secret_;
  std::string verify_token_;
  EventHandler on_event_;
};

// What happened to a comment, from a Page `feed` change with item "comment"
// (developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed):
// verb "add" or "edited" (value: comment_id, post_id, parent_id, from {id,
// name}, message, created_time in Unix seconds), "remove" (deleted by its
// author or the Page; no message), "hide" or "unhide" (by the Page).
enum class CommentVerb { kAdd, kEdited, kRemove, kHide, kUnhide };
const char* CommentVerbName(CommentVerb v);  // "add", "edited", ...

struct CommentChange {
  CommentVerb verb = CommentVerb::kAdd;
  FetchedComment comment;  // remove/hide/unhide: ids and author; text may be empty
  std::string where;       // "webhook entry[0].changes[1]", for logs
};

// Every comment change an event (the POST body, already verified) carries,
// in order. Other items and verbs are ignored; a change missing comment_id
// (or message, for add and edited) is reported in *errors naming the entry.
std::vector<CommentChange> CommentChangesFromWebhookEvent(const nlohmann::json& event, Errors* errors);

// The add and edited changes' comments only (the fuzz target's view).
std::vector<FetchedComment> CommentsFromWebhookEvent(const nlohmann::json& event, Errors* errors);

// Lowercase hex HMAC-SHA256 (also the Graph API's appsecret_proof).
std::string HmacSha256Hex(const std::string& key, const std::string& data);

}  // namespace aasr::platforms
