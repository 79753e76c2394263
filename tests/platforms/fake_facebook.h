// FakeFacebook: a Graph API server on 127.0.0.1 for one Page, following the
// documented endpoints and shapes (developers.facebook.com/docs/graph-api):
// /{page-id}, /{page-id}/feed, /{page-id}/photos, /{page-id}/posts,
// /{post-id}/comments with cursor paging, POST /{comment-id} is_hidden,
// DELETE /{comment-id}, /{page-id}/blocked, replies POST /{comment-id}/comments
// (message), Private Replies POST /{page-id}/messages (JSON recipient
// {comment_id} + message {text}; once per comment; after 7 days the
// Messenger error #10 subcode 2018278 "sent outside of allowed window"),
// and the error object
// {"error": {"message", "type", "code", "fbtrace_id"}}.
// Any API version /vMAJOR.MINOR/ is served (the one seen is recorded);
// another first path segment answers Graph's "Unknown path components".
// Rate limiting (graph-api/overview/rate-limiting): usage headers
// X-App-Usage / X-Page-Usage / X-Business-Use-Case-Usage on every answer
// when set, and a kThrottle fault answers a throttling error (code 4, 17,
// 32, 613 or 80001, with the documented message and the status given,
// usually 400 or 403) without acting. An expired token (token_expired)
// answers code 190 subcode 463, as Graph does.
// Fault modes: 500s, slow answers (after acting), truncated JSON, throttling.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/net/loopback_server.h"

namespace aasr::testing {

class FakeFacebook {
 public:
  struct Fault {
    enum class Kind { k500, kSlow, kTruncatedJson, kThrottle };
    std::string path_contains;
    Kind kind = Kind::k500;
    int delay_ms = 0;
    int graph_code = 4;     // kThrottle: 4, 17, 32, 613 or 80001
    int http_status = 403;  // kThrottle
    int regain_minutes = 0; // kThrottle: X-Business-Use-Case-Usage estimated_time_to_regain_access
  };
  FakeFacebook(std::string page_id = "104857600000001", std::string token = "EAAG-page-token",
               std::string app_secret = "app-secret-xyz");

  std::string url() const { return server_->base_url(); }
  std::vector<ServerRequest> requests() { return server_->requests(); }
  std::vector<ServerRequest> requests_to(const std::string& method, const std::string& path_contains);
  void AddFault(Fault f) { faults_.push_back(std::move(f)); }

  // A comment by a visitor on one of our posts; created_time in seconds since epoch.
  std::string AddComment(const std::string& post_id, const std::string& from_name, const std::string& message,
                         int64_t created, const std::string& parent = "");

  struct Post {
    std::string id, message, link;
    nlohmann::json attached;
    std::vector<std::string> photos;  // alt texts
  };
  std::vector<Post> posts;
  std::map<std::string, nlohmann::json> comments;  // id -> comment (+ "post_id", "is_hidden")
  std::vector<std::string> blocked;
  std::map<std::string, nlohmann::json> private_replies;  // comment id -> {message_id, text}
  int page_size = 2;
  // Usage headers put on every answer when not null (JSON as documented).
  nlohmann::json app_usage, page_usage, buc_usage;
  bool token_expired = false;
  // Webhook subscription (POST/GET /{page-id}/subscribed_apps): the token's
  // pages_manage_metadata permission, and the fields our app is subscribed to.
  bool manage_metadata = true;
  std::vector<std::string> subscribed_fields;
  std::vector<std::string> versions_seen;  // "v26.0", ... per request
  int64_t now_unix = 0;  // the server's clock (0: the real time)

 private:
  ServerResponse Handle(const ServerRequest& r);
  ServerResponse Route(const ServerRequest& r, std::map<std::string, std::string>& params);
  ServerResponse Throttled(const Fault& f);
  int64_t Now() const;
  ServerResponse Answer(const ServerRequest& r, const std::map<std::string, std::string>& params);

  std::string page_id_, token_, app_secret_;
  std::unique_ptr<LoopbackServer> server_;
  std::deque<Fault> faults_;
  int next_ = 1000;
  std::map<std::string, std::string> photo_alt_;  // unpublished photo id -> alt
};

}  // namespace aasr::testing
