// Outbox: every post is a durable row before anything is sent, and is sent
// exactly once.
//
// States: planned -> sending -> published (remote id, url)
//                            -> planned again with a later next_attempt_at
//                               (a failure, retried with exponential backoff)
//                            -> failed (after max_attempts, or at once when
//                               the error's code says a retry cannot help:
//                               FinalError; the platform's error stays on the
//                               row for people to see)
//
// Exactly once. The row is marked `sending` (and the attempt counted) in the
// database before Platform::Publish is called, with the row's stable
// idempotency key. If the process dies between the platform accepting the
// post and the row being marked published, the row is found `sending` on the
// next start: Reconcile() asks the platform FindPublished(post) (by key, or by
// matching recent posts where the platform has no key lookup); if the post is
// there the row becomes published with its remote id, otherwise it is retried
// with the same key (Mastodon's Idempotency-Key, Bluesky's deterministic
// record key make a repeated request harmless). A retry after an earlier
// attempt also checks FindPublished first. Enqueue() with a key already in
// the outbox returns the existing row: planning twice cannot post twice.
//
// Nothing is silently lost: a post that cannot be composed is recorded as a
// failed row carrying the error (EnqueueFailed).
// Thread safety: one Outbox per thread; the store serialises writers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bot/util/clock.h"
#include "bot/outreach/planner.h"
#include "bot/outreach/store.h"
#include "bot/platforms/platform.h"

namespace aasr::outreach {

// Whether a failed Publish is final at once, decided by the Error's code and
// never by its text: the platform refused this post as it is (kInvalidInput:
// too long, bad media; kRefused: a 4xx such as a 422 or Graph permission
// error; kUnsupported; kNotFound) - the same post would be refused again.
// Transient, rate-limited, auth (a new token may come with a reload),
// conflict and unknown errors are retried with backoff.
bool FinalError(const Errors& errors);

struct RetryPolicy {
  int max_attempts = 5;
  int64_t base_delay_seconds = 60;  // 1, 2, 4, 8 ... minutes
  int64_t max_delay_seconds = 3600;

  int64_t DelayAfter(int attempts) const;
};

// The platform adapter for an account, or nullptr if the account is unknown.
using PlatformFor = std::function<platforms::Platform*(const std::string& account)>;

struct SendReport {
  int published = 0;
  int retrying = 0;
  int failed = 0;
  int reconciled = 0;  // rows found already published on the platform
  Errors errors;       // what went wrong, per row (subject "outbox row N")
  struct PerAccount {
    int published = 0, retrying = 0, failed = 0;
  };
  std::map<std::string, PerAccount> by_account;  // for metrics
};

class Outbox {
 public:
  Outbox(OutreachStore& store, const Clock& clock, RetryPolicy policy = {})
      : store_(store), clock_(clock), policy_(policy) {}

  // A planned row for `entry` carrying `post` (its idempotency key is set
  // from the entry). Returns the row id (the existing one for a known key).
  Result<int64_t> Enqueue(const PlanEntry& entry, platforms::ComposedPost post);
  // A failed row recording why `entry` could not be composed.
  Result<int64_t> EnqueueFailed(const PlanEntry& entry, const Errors& why);

  // Resolves rows left `sending` by a crash. Call on start (SendDue does too).
  SendReport Reconcile(const PlatformFor& platform_for);

  // Reconciles, then publishes every due row once.
  SendReport SendDue(const PlatformFor& platform_for);

  // Publishes one row now, whatever its next_attempt_at (`aasr-bot post`):
  // a planned or sending row goes through the same path as SendDue (a row
  // with an earlier attempt asks FindPublished first); a published or failed
  // row is left as it is.
  SendReport SendNow(int64_t row_id, platforms::Platform& platform);

 private:
  void SendOne(const OutboxRow& row, platforms::Platform& platform, SendReport* report);
  // `code` is the platform error's code (kept on the report's Error);
  // `final` ends the row now whatever the attempts.
  void RecordFailure(const OutboxRow& row, int attempts, const std::string& error, SendReport* report,
                     ErrorCode code = ErrorCode::kUnknown, bool final = false);

  OutreachStore& store_;
  const Clock& clock_;
  RetryPolicy policy_;
};

}  // namespace aasr::outreach
