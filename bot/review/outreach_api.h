// OutreachApi: the review page's Outreach view of the outbox (issue 4:
// failed posts "stay visible as failed with the platform's error").
//
// Promises:
// - List() answers the outbox rows, failed first, then planned (default), or
//   the states asked for, each group newest first, with the composed post
//   text and images exactly as they will be (or were) sent.
// - Retry() puts one failed row back to planned (attempts reset, due now)
//   and writes an "outreach.retry" row to the moderation store's audit log;
//   any other state answers 409, so nothing sending or published is sent
//   again by this route. Role and CSRF checks are the caller's (ReviewApi).
// Inputs: the outreach database file (the moderation store's file in a
// daemon deployment; OutreachStore keeps to its outreach_ tables), the
// moderation store for the audit, the clock.
// Errors: a database that cannot be opened or read answers 500 naming the
// file; the server log has the details.
// Thread safety: any thread; one OutreachStore connection (one per thread is
// its contract) is opened on first use and guarded by a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "bot/outreach/store.h"
#include "bot/review/http_types.h"
#include "bot/store/store.h"
#include "bot/util/clock.h"

namespace aasr::review {

class OutreachApi {
 public:
  OutreachApi(std::string db_path, store::StorePtr audit_store,
              std::shared_ptr<const aasr::Clock> clock);

  // GET /api/outreach?state=failed|planned|sending|published|all (or a comma
  // list)&limit=N (default 100, at most 500).
  Response List(const Request& r);
  // POST /api/outreach/{id}/retry by `actor` (an admin).
  Response Retry(int64_t id, const std::string& actor);

 private:
  // The connection, opened on first use; null with *error set when it cannot be.
  outreach::OutreachStore* StoreLocked(Response* error);

  std::string db_path_;
  store::StorePtr audit_;
  std::shared_ptr<const aasr::Clock> clock_;
  std::mutex mu_;
  std::unique_ptr<outreach::OutreachStore> store_;
};

}  // namespace aasr::review
