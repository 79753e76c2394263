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
//  - The page access token travels in the form body or query as
//    access_token (redacted from logs), with appsecret_proof when the app
//    secret is configured.
// Thread safety: one thread at a time (see Platform).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/form.h"
#include "bot/net/http_client.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

struct FacebookConfig {
  std::string account;
  std::string graph = "https://graph.facebook.com";
  std::string version = "v21.0";
  std::string page_id;
  std::string token;       // a Page access token (from the environment)
  std::string app_secret;  // optional here (appsecret_proof); required by the webhook
  int recent_posts = 25;   // how many recent posts FetchComments looks under
};

class FacebookPlatform : public Platform {
 public:
  FacebookPlatform(FacebookConfig config, net::HttpClient* http, net::Clock* clock);

  std::string name() const override { return "facebook"; }
  Capabilities capabilities() const override;
  Status CheckCredentials() override;
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
  Result<nlohmann::json> Send(net::Request req);
  Result<std::string> Permalink(const std::string& id);

  FacebookConfig config_;
  net::HttpClient* http_;
  net::Clock* clock_;
};

}  // namespace aasr::platforms
