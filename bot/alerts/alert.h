// The alert model: what happened (Event), what a channel sends (Message),
// and where alerts go (Router, from the config's `alerts:` section).
//
// Promises:
// - An Event is one row of the alerts outbox (bot/sql migration 7): new
//   items and escalations are recorded by triggers in the transaction that
//   makes them, so an item never exists without its alert event.
// - Crisis and urgent alerts (a crisis or urgent item, a crisis item left
//   undecided) are due at once at any hour; every other alert respects the
//   channel's quiet hours and its digest (hourly, or daily at digest_hour),
//   civil time computed with cctz in the channel's time zone.
// - A Message never carries more of a comment than the channel's `excerpt`
//   characters (0, e-mail's default: none), and always links to the item on
//   the review page (`<review.public_url>/#item=ID`).
// Thread safety: Router and the render functions are pure; share freely.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bot/config/config.h"

namespace aasr::alerts {

// Event kinds (config `routes[].events`).
inline constexpr const char* kNewItem = "new_item";
inline constexpr const char* kEscalated = "escalated";
inline constexpr const char* kCrisisUndecided = "crisis_undecided";
inline constexpr const char* kAccountDown = "account_down";
inline constexpr const char* kPostFailed = "post_failed";
inline constexpr const char* kReloadRejected = "reload_rejected";
inline constexpr const char* kTest = "test";

struct Event {
  int64_t id = 0;
  std::string kind;
  int64_t item_id = 0;  // item events; 0 otherwise
  std::string subject;  // account (account_down, post_failed) or file (reload_rejected)
  std::string detail;   // the error, for events that are one
  int64_t created_ms = 0;
  // Of the item, joined (item events only):
  int priority = 0;
  bool crisis = false;
  std::vector<std::string> categories;
  std::string state, platform, account, author, text;
};

// Due at once, at any hour, past quiet hours and digests.
bool IsUrgent(const Event& e);

struct Message {
  std::string key;       // the dedupe key: the same key is the same alert
  std::string kind;      // an event kind, or "summary" / "digest"
  std::string title;     // one line
  std::string text;      // plain text, a few lines, ending with the link
  std::string link;      // the item, or the queue for summaries
  int priority = 1;      // 0 low .. 3 urgent
  bool crisis = false;
  std::vector<std::string> tags;  // categories
  int count = 1;         // alerts this message carries
};

class Router {
 public:
  Router(config::AlertsConfig config, std::string public_url);

  // The channels an event goes to: every route it matches, once each, in
  // the config's order. Test alerts go nowhere by routing.
  std::vector<std::string> ChannelsFor(const Event& e) const;

  struct Plan {
    bool digest = false;  // held for the channel's digest (or the end of its quiet hours)
    int64_t due_ms = 0;
  };
  Plan Schedule(const config::AlertChannel& c, const Event& e, int64_t now_ms) const;

  std::string ItemLink(int64_t item_id) const;  // <public_url>/#item=ID
  std::string QueueLink() const;                // <public_url>/#queue
  const config::AlertsConfig& config() const { return config_; }

 private:
  config::AlertsConfig config_;
  std::string public_url_;
};

// In quiet hours at now_ms? (no quiet hours: false)
bool InQuietHours(const config::QuietHours& q, int64_t now_ms);
// The first instant at or after now_ms when the quiet hours are over.
int64_t QuietEnds(const config::QuietHours& q, int64_t now_ms);
// The next digest time strictly after now_ms: the next whole local hour, or
// the next digest_hour:00 local.
int64_t NextDigest(const config::AlertChannel& c, int64_t now_ms);

// At most `max_chars` code points of text, "…" when cut; "" for 0.
std::string Excerpt(const std::string& text, int max_chars);

// One alert as channel c sends it.
Message Render(const Event& e, const config::AlertChannel& c, const Router& router, const std::string& key);
// Many alerts in one message: a flood summary ("summary") or a digest
// ("digest"), with counts by kind and category, crisis first, and links.
Message RenderBatch(const std::vector<Event>& events, const std::string& kind, const config::AlertChannel& c,
                    const Router& router, const std::string& key);

}  // namespace aasr::alerts
