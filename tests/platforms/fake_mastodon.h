// FakeMastodon: a Mastodon server on 127.0.0.1 that follows the documented
// API (docs.joinmastodon.org): paths, form and multipart bodies, status codes,
// Link headers and the documented JSON shapes of Account, Status,
// MediaAttachment, Notification, Context, Relationship and Report.
//
// As the server does:
//  - GET /api/v1/notifications withholds what the notification policy
//    filters unless include_filtered=true (Mastodon 4.3). The policy starts
//    as the server's default (for_private_mentions and for_limited_accounts
//    "filter", the others "accept"); "drop" creates no notification at all.
//  - GET /api/v1/statuses/:id/context answers ancestors and descendants
//    (depth first); authenticated, the whole thread (up to 4,096), without a
//    token at most 40 ancestors, 60 descendants and depth 20; statuses of
//    accounts we block or mute are left out.
//  - Statuses are rendered as TextFormatter does: <p>/<br />, links as
//    <a …><span class="invisible">https://</span><span class="ellipsis">…30
//    chars</span><span class="invisible">rest</span></a>, hashtags as
//    <a … class="mention hashtag" rel="tag">#<span>tag</span></a>, mentions
//    as <span class="h-card" translate="no"><a … class="u-url mention">@<span>
//    username</span></a></span> (the username only, also for remote ones).
//  - POST /api/v1/statuses takes in_reply_to_id (404 "Record not found" for
//    an unknown status, as Status.find does) and visibility (public,
//    unlisted, private, direct; 422 otherwise); a reply appears in the
//    parent's context as a descendant.
//  - Idempotency-Key answers the first status for one hour, as
//    PostStatusService's redis.setex(idempotency_key, 3_600, @status.id):
//    with a clock, a key 3,600 s old is forgotten and the same request
//    makes a second status (ExpireIdempotencyKeys() is that hour passing
//    without a clock); the text is validated
//    as StatusLengthValidator counts it, media against image_size_limit and
//    description_limit, with the server's 422 messages.
//  - Quotes (4.5): AddQuote makes a status whose `quote` is a Quote entity
//    and a "quote" notification; GET /api/v1/statuses/:id answers it; POST
//    /api/v1/statuses/:id/quotes/:quoting_status_id/revoke answers 403
//    "This action is not allowed" unless :id is ours, 404 "Record not found"
//    for no such quote, else the quoting status with the quote revoked.
//  - X-RateLimit-Limit/Remaining/Reset on every authenticated answer, of
//    the most limited bucket that applies (RateLimitHeaders#api_throttle_data):
//    the account-wide 300 per 5 minutes (api_requests_left; at 0 every call
//    answers 429 {"error":"Too many requests"} with Limit 300), POST
//    /api/v2/media also its own 30 per 30 minutes (media_uploads_left, a 429
//    there says Limit 30 and blocks media only), POST /api/v1/statuses the
//    :statuses family's 300 per 3 hours (statuses_left; override headers).
//
// Fault modes, consumed in order by the next matching request:
//   500 answers, 429 with Retry-After, slow answers (delay past the client's
//   timeout, after the server has ACTED, as a real slow server would),
//   truncated JSON bodies, duplicated notifications, media stuck in 206.
// Everything the server saw is in requests() for assertions.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/net/clock.h"
#include "tests/net/loopback_server.h"

namespace aasr::testing {

class FakeMastodon {
 public:
  struct Fault {
    enum class Kind { k500, k429, kSlow, kTruncatedJson };
    std::string path_prefix;  // e.g. "/api/v1/statuses"
    Kind kind = Kind::k500;
    int retry_after_s = 0;  // k429
    int delay_ms = 0;       // kSlow
  };

  explicit FakeMastodon(std::string token = "masto-token-123");

  std::string url() const { return server_->base_url(); }
  std::vector<ServerRequest> requests() { return server_->requests(); }
  std::vector<ServerRequest> requests_to(const std::string& method, const std::string& path_prefix);

  void AddFault(Fault f) { faults_.push_back(std::move(f)); }
  void clear_requests_for_test() { server_->clear_requests(); }
  // Media uploads answer 202 and then 206 this many times before 200.
  int media_processing_polls = 0;
  // Each notification page is delivered twice in the array (duplicate delivery).
  bool duplicate_notifications = false;

  // A reply (or mention, with in_reply_to empty) from another account that
  // mentions us. Returns the notification id, or "" when the policy drops it.
  std::string AddMention(const std::string& from_acct, const std::string& html, const std::string& in_reply_to,
                         int account_age_days = 400, int followers = 12);
  // A reply that does not mention us (no notification). Returns the status id.
  std::string AddReply(const std::string& from_acct, const std::string& html, const std::string& in_reply_to,
                       int account_age_days = 400);
  // A status quoting `quoted_id` (Mastodon 4.5): its `quote` is a Quote
  // entity in `state` ("accepted": quoted_status is the status; "pending":
  // null), and a "quote" notification is made for the quoted status's author
  // when that is us (filtered or dropped by the policy as a mention is).
  // Returns the quoting status's id.
  std::string AddQuote(const std::string& from_acct, const std::string& html, const std::string& quoted_id,
                       const std::string& state = "accepted", int account_age_days = 400);
  // The quote's state as the server holds it ("" when there is no such quote).
  std::string QuoteState(const std::string& quoting_id) const;
  // The server predates 4.5: no quote notifications, no revoke route.
  bool before_4_5 = false;
  // The last notification AddMention made was filtered by the policy.
  bool last_mention_filtered() const { return last_filtered_; }

  // NotificationPolicy (GET /api/v2/notifications/policy): "accept", "filter" or "drop".
  struct Policy {
    std::string for_not_following = "accept";
    std::string for_not_followers = "accept";
    std::string for_new_accounts = "accept";  // created in the past 30 days
    std::string for_private_mentions = "filter";
    std::string for_limited_accounts = "filter";
  } policy;
  std::vector<std::string> limited_accts;  // limited by a moderator
  std::vector<std::string> following;      // accts we follow (never filtered as "not following")

  // Instance limits as GET /api/v2/instance reports them; a negative value
  // leaves the field out (an older server).
  int max_characters = 500;
  int characters_reserved_per_url = 23;
  long long image_size_limit = 16777216;
  int description_limit = 1500;  // 4.4+
  int media_uploads_left = 30;   // throttle_api_media
  // throttle_authenticated_api: 300 per 5 minutes for everything. With a
  // clock the bucket refills at each 5-minute boundary it passes (the
  // X-RateLimit-Reset it announced); without one it never refills.
  int api_requests_left = 300;
  int statuses_left = 300;  // RateLimiter family :statuses, 300 per 3 hours
  net::Clock* clock = nullptr;

  // The server's hour has passed: Idempotency-Keys are forgotten.
  void ExpireIdempotencyKeys() { idempotency_.clear(); }
  // Sets a status's created_at (e.g. to put our post outside a window).
  void SetCreatedAt(const std::string& status_id, const std::string& created_at);

  const std::vector<nlohmann::json>& statuses() const { return statuses_; }
  const nlohmann::json& media(const std::string& id) { return media_[id]; }
  std::vector<std::string> blocked;
  std::vector<std::string> muted;
  std::vector<nlohmann::json> reports;

 private:
  ServerResponse Handle(const ServerRequest& r);
  ServerResponse Faulted(const ServerRequest& r);  // a queued fault, else Answer
  ServerResponse Answer(const ServerRequest& r);
  nlohmann::json Account(const std::string& id, const std::string& acct, int age_days, int followers) const;
  nlohmann::json MakeStatus(const std::string& id, const nlohmann::json& account, const std::string& html,
                            const std::string& in_reply_to, const nlohmann::json& media) const;
  // TextFormatter#to_s for a local status's text; fills mentions and tags.
  std::string Render(const std::string& text, nlohmann::json* mentions, nlohmann::json* tags) const;
  bool Filtered(const nlohmann::json& account, int age_days, bool* drop) const;
  std::string NewStatus(const std::string& from_acct, const std::string& html, const std::string& in_reply_to,
                        int account_age_days, int followers, nlohmann::json* account);

  std::string token_;
  std::unique_ptr<LoopbackServer> server_;
  std::deque<Fault> faults_;
  int next_id_ = 109000000;
  struct KeptKey {
    std::string status_id;
    net::WallTime at;
  };
  std::map<std::string, KeptKey> idempotency_;  // key -> status, when stored
  std::vector<nlohmann::json> statuses_;            // ours
  std::map<std::string, nlohmann::json> all_statuses_;
  std::map<std::string, nlohmann::json> media_;
  std::map<std::string, int> media_polls_left_;
  std::vector<nlohmann::json> notifications_;  // ascending id
  std::vector<std::string> filtered_;          // notification ids the policy filtered
  std::map<std::string, std::string> quotes_;
  std::string api_reset_;  // the announced reset of the api bucket
  void RefillApi();
  void AddRateHeaders(ServerResponse* resp, const std::string& limit, int remaining, const std::string& reset) const;  // quoting status id -> quoted status id
  bool last_filtered_ = false;
};

}  // namespace aasr::testing
