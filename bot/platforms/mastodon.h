// MastodonPlatform: the Platform interface over Mastodon's REST API.
//
//  - Publish: each image via POST /api/v2/media (multipart, `description` =
//    alt text); a 202 answer is polled with GET /api/v1/media/:id while it
//    answers 206, up to media_poll_limit times (then an Error: nothing is
//    posted with a half-processed image). Then POST /api/v1/statuses (form:
//    status, media_ids[], visibility, language) with Idempotency-Key = the
//    post's key, so a retry within the server's hour returns the same status.
//  - Limits: GET /api/v2/instance, cached for a day (CheckCredentials reads
//    it again): configuration.statuses.max_characters,
//    characters_reserved_per_url and max_media_attachments, and
//    configuration.media_attachments.image_size_limit and description_limit
//    (4.4+); each absent field keeps Mastodon's default (500, 23, 4,
//    16 MiB, 1500). Text is counted as the server counts it
//    (outreach::CountMastodonCharacters: graphemes, every URL = the reserved
//    characters, `@user@domain` = `@user`); an image over the size limit or
//    alt text over description_limit is refused before anything is uploaded.
//  - FetchComments: GET /api/v1/notifications?types[]=mention&
//    include_filtered=true (4.3+: without it, mentions the account's
//    notification policy filters - new or moderator-limited accounts, the
//    likeliest abusers - never arrive; older servers ignore the parameter),
//    forward from the cursor with min_id, page by page (each next page asks
//    min_id = the newest id of the last page, so the query is never lost to
//    a Link header that drops a parameter). An empty cursor takes only the
//    newest page (no history import). Replies get their thread root from
//    GET /api/v1/statuses/:id/context.
//    Replies that do not mention the account make no notification: at most
//    every thread_sweep_interval, the account's last thread_window_posts
//    statuses (not replies, not boosts) from the last thread_window_days are
//    read with GET /api/v1/statuses/:id/context (authenticated: the whole
//    thread, up to 4,096 descendants at any depth) and descendants by other
//    accounts not delivered yet are taken in. Duplicates (same status id,
//    from notifications or threads) are dropped.
//    Which thread replies were delivered is remembered in memory and
//    committed when the caller passes back the batch's next_cursor (it
//    stored them); a batch that brought thread replies gets a cursor of its
//    own ("<notification id>+<hash>") so that echo is unambiguous. After a
//    restart the window is delivered once more; the store's ingest is
//    idempotent on the status id.
//  - Quotes (4.5): notifications of type "quote" come too, as kind "quote"
//    with parent and root = our quoted status. kHide of a status that quotes
//    ours revokes the quote (POST /api/v1/statuses/:id/quotes/
//    :quoting_status_id/revoke: our post is detached from theirs) and
//    succeeds; where the server has no such route (404) it falls back to
//    hide_policy as for a reply. kUnhide of a revoked quote is an Error
//    "not unhidden on Mastodon" (kUnsupported): it cannot be restored.
//  - Moderate: Mastodon cannot hide a reply on your post. kHide carries out
//    `hide_policy` (block and/or mute the author, report to the instance) and
//    returns an Error with subject "not hidden on Mastodon" saying what it did;
//    kUnhide undoes the block/mute. kBlock blocks; kReport reports
//    (POST /api/v1/reports with status_ids[]); kDelete is not possible.
//  - Rate limits: each call names its family (net::Request::rate_family):
//    media uploads "media" (30 per 30 min), status creation "statuses" (300
//    per 3 h), everything else the account-wide 300 per 5 min, so an empty
//    media bucket does not stop polling or moderation.
//  - FindPublished(post): matches recent statuses by text as Mastodon
//    renders them (links split into spans, remote mentions shown as
//    `@user`), so a post whose Idempotency-Key has expired (one hour) is
//    found instead of published twice.
// Errors carry Mastodon's {"error": "..."} text; the token is never logged.
// Thread safety: one thread at a time (see Platform).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/http_client.h"
#include "bot/net/json_api.h"
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
  // Replies that do not mention us: which of our posts to read threads of.
  int thread_window_posts = 20;  // the last N statuses (up to 40, one page; 0: no sweep)
  int thread_window_days = 7;    // ... published within D days
  net::Millis thread_sweep_interval{5 * 60 * 1000};  // N+1 calls per sweep
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
  // Reply: POST /api/v1/statuses with in_reply_to_id, the author's @handle
  // first (ReplyText), visibility "direct" when private (else the account's
  // visibility), Idempotency-Key = the reply's key. FindReply: our status
  // answering the comment with that text among GET /api/v1/statuses/:id/context
  // descendants (the key lasts only an hour on the server).
  Result<Published> Reply(const ReplyRequest& r) override;
  Result<std::optional<Published>> FindReply(const ReplyRequest& r) override;

  const std::string& account_id() const { return account_id_; }
  std::string SelfAuthorId() const override { return account_id_; }

  // One element of /api/v1/notifications as a comment: a "mention" whose
  // status has an id, else nullopt. Any JSON value is accepted (it is the
  // server's). A reply's root_remote_id is left empty: FetchComments asks the
  // server for it. Exposed so the parsing is tested and fuzzed without a
  // network; FetchComments uses exactly this.
  static std::optional<FetchedComment> CommentFromNotification(const nlohmann::json& notification,
                                                               net::WallTime now);

 private:
  net::Request Api(const std::string& method, const std::string& path) const;
  // One call through the shared JSON client (bot/net/json_api.h).
  Result<nlohmann::json> Call(const net::Request& request, std::initializer_list<int> ok_statuses = {200});
  Result<std::string> UploadMedia(const Image& image);
  Status EnsureAccount();
  Result<std::string> RootOf(const std::string& status_id);
  Status LoadLimits();
  // Thread replies under our recent posts that are not in `skip` and were
  // not delivered before; appended to `out`.
  Status SweepThreads(const std::set<std::string>& skip, std::vector<FetchedComment>* out);
  // GET /api/v1/statuses/:id; null JSON when it is gone (404).
  Result<nlohmann::json> StatusIfAny(const std::string& status_id);
  // The id of our status that `target` quotes (quote accepted or pending),
  // or "" when it is no quote of ours.
  Result<std::string> QuoteOfOurs(const FetchedComment& target);
  FetchedComment FromStatus(const nlohmann::json& status, const nlohmann::json& account) const;

  MastodonConfig config_;
  net::HttpClient* http_;
  net::JsonApi api_;
  net::Clock* clock_;
  std::string account_id_;
  int max_characters_ = 500;
  int characters_per_url_ = 23;  // configuration.statuses.characters_reserved_per_url
  int max_images_ = 4;
  int64_t image_size_limit_ = 16 * 1024 * 1024;  // configuration.media_attachments.image_size_limit
  int description_limit_ = 1500;                 // configuration.media_attachments.description_limit (4.4+)
  std::optional<net::WallTime> limits_loaded_at_;  // /api/v2/instance, cached a day

  // Thread sweep state (see FetchComments above).
  std::optional<net::WallTime> last_sweep_;
  std::set<std::string> delivered_;  // status ids the caller confirmed storing
  std::set<std::string> pending_;    // delivered in the last batch, not confirmed yet
  std::string pending_cursor_;       // that batch's next_cursor
};

// A status text as FindPublished compares it: every `@user@domain` mention
// reduced to `@user` (as Mastodon displays a resolved one) and whitespace
// removed. Apply to our text and to HtmlToText of the status content.
std::string ComparableStatusText(const std::string& text);

// The Link header's URL for a rel ("next", "prev"), or "".
std::string LinkUrl(const std::string& link_header, const std::string& rel);

}  // namespace aasr::platforms
