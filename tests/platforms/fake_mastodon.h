// FakeMastodon: a Mastodon server on 127.0.0.1 that follows the documented
// API (docs.joinmastodon.org): paths, form and multipart bodies, status codes,
// Link headers and the documented JSON shapes of Account, Status,
// MediaAttachment, Notification, Context, Relationship and Report.
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

  // A reply (or mention, with in_reply_to empty) from another account.
  // Returns the notification id.
  std::string AddMention(const std::string& from_acct, const std::string& html, const std::string& in_reply_to,
                         int account_age_days = 400, int followers = 12);

  const std::vector<nlohmann::json>& statuses() const { return statuses_; }
  const nlohmann::json& media(const std::string& id) { return media_[id]; }
  std::vector<std::string> blocked;
  std::vector<std::string> muted;
  std::vector<nlohmann::json> reports;

 private:
  ServerResponse Handle(const ServerRequest& r);
  ServerResponse Answer(const ServerRequest& r);
  nlohmann::json Account(const std::string& id, const std::string& acct, int age_days, int followers) const;
  nlohmann::json MakeStatus(const std::string& id, const nlohmann::json& account, const std::string& html,
                            const std::string& in_reply_to, const nlohmann::json& media) const;

  std::string token_;
  std::unique_ptr<LoopbackServer> server_;
  std::deque<Fault> faults_;
  int next_id_ = 109000000;
  std::map<std::string, std::string> idempotency_;  // key -> status id
  std::vector<nlohmann::json> statuses_;            // ours
  std::map<std::string, nlohmann::json> all_statuses_;
  std::map<std::string, nlohmann::json> media_;
  std::map<std::string, int> media_polls_left_;
  std::vector<nlohmann::json> notifications_;  // ascending id
};

}  // namespace aasr::testing
