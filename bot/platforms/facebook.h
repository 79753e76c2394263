// FacebookPlatform: the Platform interface over the Graph API for a Page.
//
//  - Publish: text (and link) via POST /{page-id}/feed; one image via
//    POST /{page-id}/photos (multipart `source`, `message`, alt text in
//    `alt_text_custom`); several images are uploaded unpublished and attached
//    with attached_media[i]. The Graph API has no idempotency key, so a post
//    is never retried blindly (Request::retry = false), and before posting
//    FindPublished(post) looks for the same message among the Page's recent
//    posts (answering an earlier, lost attempt). The URL comes from
//    permalink_url.
//  - FetchComments: the Page's recent posts (GET /{page-id}/posts), then
//    GET /{post-id}/comments?filter=stream&order=chronological&since=... with
//    paging.next. The cursor is the newest created_time seen (and the ids at
//    that second). The Graph API gives no follower count or account age.
//  - Moderate: kHide/kUnhide = POST /{comment-id} is_hidden; kDelete =
//    DELETE /{comment-id}; kBlock = POST /{page-id}/blocked user=...;
//    kReport is not offered by the Graph API (an Error says so).
//  - Webhooks: when subscribe_webhooks is set (the account has a
//    verify_token), CheckCredentials and the first FetchComments subscribe
//    the app to the Page's `feed` field (POST /{page-id}/subscribed_apps
//    subscribed_fields=feed; needs pages_manage_metadata: a refusal is a
//    kAuth error naming it) and read GET /{page-id}/subscribed_apps back;
//    CredentialsNote() says what it found.
//  - The page access token travels in the form body or query as
//    access_token (redacted from logs), with appsecret_proof when the app
//    secret is configured.
//  - Errors carry an ErrorCode from the Graph error object's code, not its
//    text (developers.facebook.com/docs/graph-api/guides/error-handling):
//    4, 17, 32, 613 and 80000-80099 (throttling, usually HTTP 400/403, not
//    429) kRateLimited; 190 and 102 (token expired or revoked) kAuth; 1, 2
//    and is_transient kTransient; 100 subcode 33 kNotFound; 10 and 200-299
//    (permissions) kRefused; anything else from the HTTP status.
//  - Throttling (developers.facebook.com/docs/graph-api/overview/rate-limiting):
//    after a throttling error, or when X-App-Usage, X-Page-Usage or
//    X-Business-Use-Case-Usage shows a count at kNearFullPercent or more, no
//    call goes out until estimated_time_to_regain_access (minutes) has passed,
//    or a backoff of its own (1 min doubling to 1 h per throttle in a row;
//    5 min when near full): calls meanwhile fail at once with kRateLimited,
//    since every call a throttled app makes fails and keeps it throttled.
// Thread safety: one thread at a time (see Platform).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/form.h"
#include "bot/net/http_client.h"
#include "bot/net/json_api.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

struct FacebookConfig {
  std::string account;
  std::string graph = "https://graph.facebook.com";
  std::string version = "v26.0";  // current in late 2026 (graph-api/changelog)
  std::string page_id;
  std::string token;       // a Page access token (from the environment)
  std::string app_secret;  // optional here (appsecret_proof); required by the webhook
  int recent_posts = 25;   // how many recent posts FetchComments looks under
  bool subscribe_webhooks = false;  // subscribe the app to the Page's feed (webhooks)
};

class FacebookPlatform : public Platform {
 public:
  static constexpr double kNearFullPercent = 95;

  FacebookPlatform(FacebookConfig config, net::HttpClient* http, net::Clock* clock);
  // Its JSON client's hooks hold `this`.
  FacebookPlatform(const FacebookPlatform&) = delete;
  FacebookPlatform& operator=(const FacebookPlatform&) = delete;

  std::string name() const override { return "facebook"; }
  Capabilities capabilities() const override;
  Status CheckCredentials() override;
  std::string CredentialsNote() const override { return subscription_; }
  Result<Published> Publish(const ComposedPost& post) override;
  Result<std::optional<Published>> FindPublished(const std::string& idempotency_key) override;
  Result<std::optional<Published>> FindPublished(const ComposedPost& post) override;
  Result<CommentBatch> FetchComments(const std::string& cursor) override;

  // One element of GET /{post-id}/comments' "data" as a comment under
  // `post_id`; *created_unix is its created_time (0 when unreadable).
  // remote_id is empty when the element has no id (the caller skips it). Any
  // JSON value is accepted (it is the Graph API's). Exposed so the parsing is
  // tested and fuzzed without a network; FetchComments uses exactly this.
  static FetchedComment CommentFromGraph(const nlohmann::json& comment, const std::string& post_id,
                                         int64_t* created_unix);
  Status Moderate(ModerationAction action, const FetchedComment& target) override;

  // The ErrorCode for a Graph API error answer (any body, any status; see
  // above). Exposed so the table is tested without a network.
  static ErrorCode CodeForGraphError(const std::string& body, int http_status);
  // The highest usage percentage and estimated_time_to_regain_access
  // (minutes) in X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage;
  // unreadable headers count as absent (they are the server's).
  struct Usage {
    double percent = 0;
    int64_t regain_minutes = 0;
    std::string header;  // the header that gave `percent`
  };
  static Usage UsageFromHeaders(const net::Headers& headers);
  std::string SelfAuthorId() const override { return config_.page_id; }
  // Reply: public = POST /{comment-id}/comments message (never retried
  // blindly; FindReply looks for the Page's comment with that text under
  // it); private = POST /{page-id}/messages {"recipient": {"comment_id"},
  // "message": {"text"}} (Private Replies: once per comment, within 7 days;
  // Facebook's error #10 says when the window has passed). FindReply cannot
  // check a private reply and says so.
  Result<Published> Reply(const ReplyRequest& r) override;
  Result<std::optional<Published>> FindReply(const ReplyRequest& r) override;

 private:
  std::string Url(const std::string& path) const;
  net::Params Auth() const;
  Result<nlohmann::json> Get(const std::string& path, net::Params query);
  Result<nlohmann::json> GetUrl(const std::string& url);
  Result<nlohmann::json> Post(const std::string& path, net::Params form, bool retry);
  // One call through the shared JSON client (bot/net/json_api.h), whose
  // hooks are the Graph API's rules: no call while throttled, usage headers
  // read on every answer, errors classified by the Graph code.
  Result<nlohmann::json> Send(net::Request req);
  net::JsonApiHooks GraphHooks();
  Result<std::string> Permalink(const std::string& id);

  // Subscribes the app to the Page's feed once (see above).
  Status EnsureSubscribed();
  // Records what the usage headers and a throttling error say.
  void Throttle(net::WallTime until, const std::string& because);

  FacebookConfig config_;
  net::HttpClient* http_;
  net::Clock* clock_;
  net::JsonApi api_;  // its hooks hold `this`: the adapter is neither copied nor moved
  net::WallTime throttled_until_{};  // no call before this
  std::string throttled_because_;
  int throttles_in_a_row_ = 0;
  bool subscribed_ = false;
  std::string subscription_;  // for CredentialsNote()
};

}  // namespace aasr::platforms
