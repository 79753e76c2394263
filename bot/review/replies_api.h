// RepliesApi: answering people from an item (issue 12 §1), under
// /api/items/{id}/replies.
//
// Routes (the caller, ReviewApi, has checked the session and the CSRF token):
// - GET: what the page needs to compose: the platform's reply capabilities
//   (public, private, the plain-words note, the limits, how the platform
//   counts), the text the adapter puts first (Mastodon: "@author "), the
//   saved replies rendered for this item (crisis ones first for a crisis
//   item), the saved replies file's error if an edit was rejected, and this
//   item's replies with their state and link.
// - POST {"text", "private", "template", "key"}: queues a reply through the
//   replies outbox (bot/replies/reply_store.h: exactly once, retried,
//   audited). Refused with 422 and a clear reason, before anything is
//   queued, whatever the platform would refuse: empty or invalid UTF-8 text,
//   a private reply where the platform has none, text over the platform's
//   limit counted as the platform counts it, a Facebook private reply more
//   than 7 days after the comment was received. The same `key` again
//   answers the first reply (200), never a second one.
// Thread safety: any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/platforms/platform.h"
#include "bot/replies/reply_store.h"
#include "bot/replies/saved.h"
#include "bot/review/http_types.h"
#include "bot/store/store.h"
#include "bot/util/clock.h"

namespace aasr::review {

class RepliesApi {
 public:
  using CapabilitiesFor = std::function<platforms::Capabilities(const std::string& platform)>;
  RepliesApi(std::string db_path, std::string saved_replies_path, store::StorePtr store,
             std::shared_ptr<const aasr::Clock> clock, CapabilitiesFor capabilities);

  Response Get(int64_t item_id);
  Response Post(int64_t item_id, const Request& r, const std::string& actor);

  static constexpr int64_t kFacebookPrivateWindowMs = 7LL * 24 * 3600 * 1000;

 private:
  replies::ReplyStore* StoreLocked(Response* error);

  std::string db_path_;
  replies::SavedRepliesFile saved_;
  store::StorePtr store_;
  std::shared_ptr<const aasr::Clock> clock_;
  CapabilitiesFor capabilities_;
  std::mutex mu_;
  std::unique_ptr<replies::ReplyStore> replies_;
};

// A reply row as the page shows it.
nlohmann::json ReplyJson(const replies::ReplyRow& r);

}  // namespace aasr::review
