// Outbox: the alerts tables (bot/sql migration 7) as one repository.
//
//   alert_events      what happened; item events written by triggers in the
//                     transaction that made them, others by Record()
//   alert_deliveries  one row per (event, channel): pending -> sent, or
//                     digest (held) -> summarized, or summarized (flood),
//                     suppressed (the item was decided first), failed (given up)
//
// Promises: Record() with a dedupe key records an event once however often
// it is called (scans are idempotent). Route() fans new events out to their
// channels and moves its cursor in ONE transaction, so a crash never routes
// an event twice or skips one. A delivery's id makes its dedupe key.
// Thread safety: one Outbox per thread (it owns one connection).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bot/alerts/alert.h"
#include "bot/sql/db.h"
#include "bot/util/error.h"

namespace aasr::alerts {

struct Delivery {
  int64_t id = 0;
  std::string channel, state;
  int64_t due_ms = 0;
  int attempts = 0;
  std::string last_error;
  Event event;
};

// The key a delivery is sent with: "aasr-a<id>-<channel>"; batches "aasr-s…" / "aasr-d…".
std::string DeliveryKey(int64_t delivery_id, const std::string& channel);

class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> Open(const std::string& database);

  // Returns the event id (0 when the dedupe key was already recorded).
  Result<int64_t> Record(const std::string& kind, int64_t item_id, const std::string& subject,
                         const std::string& detail, const std::string& dedupe, int64_t now_ms);
  // Routes every event recorded since the last call; returns deliveries made.
  Result<int> Route(const Router& router, int64_t now_ms);
  // Records crisis_undecided for crisis items still pending or escalated
  // `minutes` after they were queued (once per item).
  Result<int> ScanCrisisUndecided(int minutes, int64_t now_ms);

  // Due deliveries of one channel in one state ("pending" or "digest"), oldest first.
  Result<std::vector<Delivery>> Due(const std::string& channel, const std::string& state, int64_t now_ms,
                                    int limit);
  Status Mark(const std::vector<int64_t>& ids, const std::string& state, const std::string& batch,
              int64_t now_ms);
  // A failed attempt: counted, its error kept, due again at due_ms.
  Status MarkAttempt(const std::vector<int64_t>& ids, const std::string& error, int64_t due_ms);
  Status MarkFailed(const std::vector<int64_t>& ids, const std::string& error);

  // channel -> state -> deliveries.
  Result<std::map<std::string, std::map<std::string, int64_t>>> Counts();
  struct Ages {
    int64_t oldest_crisis_ms = 0;   // created_ms of the oldest undecided crisis item; 0: none
    int64_t oldest_pending_ms = 0;  // of the oldest pending item; 0: none
  };
  Result<Ages> OldestOpen();
  Result<std::vector<Delivery>> ForEvent(int64_t event_id);

 private:
  explicit Outbox(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
  Result<std::vector<Delivery>> Read(sql::Stmt& st);
  std::unique_ptr<sql::Db> db_;
};

}  // namespace aasr::alerts
