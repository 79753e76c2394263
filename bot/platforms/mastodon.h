// MastodonPlatform: the Platform interface over Mastodon's REST API.
//
//  - Publish: each image via POST /api/v2/media (multipart, `description` =
//    alt text); a 202 answer is polled with GET /api/v1/media/:id while it
//    answers 206, up to media_poll_limit times (then an Error: nothing is
//    posted with a half-processed image). Then POST /api/v1/statuses (form:
//    status, media_ids[], visibility, language) with Idempotency-Key = the
//    post's key, so a retry within the server's hour returns the same status.
//  - Limits: GET /api/v2/instance (configuration.statuses.max_characters,
//    configuration.statuses.max_media_attachments) on CheckCredentials.
//  - FetchComments: GET /api/v1/notifications?types[]=mention, forward from
//    the cursor with min_id, following Link rel="prev" page by page; the
//    cursor is the newest notification id seen. An empty cursor takes only
//    the newest page (no history import). Replies get their thread root from
//    GET /api/v1/statuses/:id/context. Duplicates (same status) are dropped.
//  - Moderate: Mastodon cannot hide a reply on your post. kHide carries out
//    `hide_policy` (block and/or mute the author, report to the instance) and
//    returns an Error with subject "not hidden on Mastodon" saying what it did;
//    kUnhide undoes the block/mute. kBlock blocks; kReport reports
//    (POST /api/v1/reports with status_ids[]); kDelete is not possible.
// Errors carry Mastodon's {"error": "..."} text; the token is never logged.
// Thread safety: one thread at a time (see Platform).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bot/net/http_client.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

struct MastodonConfig {
  std::string account;   // our account name in the config
  std::string instance;  // "https://mastodon.example", no trailing slash
  std::string token;     // OAuth bearer token (from the environment)
  std::string visibility = "public";
  std::string language;  // ISO 639-1, optional
  struct HidePolicy {
    bool block = true;
    bool mute = false;
    bool report = true;
  } hide_policy;
  int media_poll_limit = 30;               // polls of GET /api/v1/media/:id
  net::Millis media_poll_interval{1000};
};

class MastodonPlatform : public Platform {
 public:
  // `http` is owned by the caller and shared by this account's calls only
  // (its budgets are the account's budgets).
  MastodonPlatform(MastodonConfig config, net::HttpClient* http, net::Clock* clock);

  std::string name() const override { return "mastodon"; }
  Capabilities capabilities() const override;
  Status CheckCredentials() override;
  Result<Published> Publish(const ComposedPost& post) override;
  Result<std::optional<Published>> FindPublished(const std::string& idempotency_key) override;
  Result<std::optional<Published>> FindPublished(const ComposedPost& post) override;
  Result<CommentBatch> FetchComments(const std::string& cursor) override;
  Status Moderate(ModerationAction action, const FetchedComment& target) override;

  const std::string& account_id() const { return account_id_; }
  std::string SelfAuthorId() const override { return account_id_; }

 private:
  net::Request Api(const std::string& method, const std::string& path) const;
  Result<std::string> Call(net::Request request, std::initializer_list<int> ok_statuses = {200});
  Result<std::string> UploadMedia(const Image& image);
  Status EnsureAccount();
  Result<std::string> RootOf(const std::string& status_id);

  MastodonConfig config_;
  net::HttpClient* http_;
  net::Clock* clock_;
  std::string account_id_;
  int max_characters_ = 500;
  int characters_per_url_ = 23;  // configuration.statuses.characters_reserved_per_url
  int max_images_ = 4;
  bool limits_loaded_ = false;  // from /api/v2/instance, once per process
};

// The Link header's URL for a rel ("next", "prev"), or "".
std::string LinkUrl(const std::string& link_header, const std::string& rel);

}  // namespace aasr::platforms
