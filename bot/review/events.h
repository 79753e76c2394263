// ChangeFeed: tells open review pages that the queue changed, by long
// polling (GET /api/events?since=N), so a page learns of a new or decided
// item within a second without reloading.
//
// Promises:
// - The feed says only "changed, version N" (plus the open and crisis
//   counts for the tab title); the page refetches from the API, which stays
//   the source of truth.
// - The version is read from the database (the newest audit row's id: every
//   queueing, claim, decision, undo and platform outcome writes one), polled
//   every poll_interval_ms. So a change made by another process on the same
//   database (the daemon while `aasr-bot serve` runs, `queue ingest`) is seen
//   as surely as one made through this server; Poke() only shortens the wait.
// - A waiting request holds no thread: it is a callback answered from the
//   poll thread (cpprestsdk lets a request be replied to later, from any
//   thread). Waiters are bounded per session and in total; beyond that Wait
//   refuses and the route answers 429 with Retry-After.
// - Every waiter is answered exactly once: on a change, when its hold time
//   (on the injected clock) runs out (changed=false), or on Stop() (503).
// Thread safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/review/http_types.h"
#include "bot/store/store.h"
#include "bot/util/clock.h"
#include "bot/util/error.h"

namespace aasr::review {

class ReviewApi;

struct ChangeFeedOptions {
  int64_t poll_interval_ms = 250;
  int64_t hold_ms = 25'000;  // below common proxies' 30 to 60 s idle timeouts
  int max_per_session = 4;   // a few tabs of one moderator
  int max_total = 256;
};

// The database's change counter; any value that differs from the last one
// means "something changed".
using VersionSource = std::function<Result<int64_t>()>;
// What the page shows without refetching (counts for the title), computed
// once per change, not once per waiter.
using SummarySource = std::function<Result<nlohmann::json>()>;

class ChangeFeed {
 public:
  ChangeFeed(VersionSource version, SummarySource summary,
             std::shared_ptr<const aasr::Clock> clock, ChangeFeedOptions options = {});
  ~ChangeFeed();  // Stop()
  ChangeFeed(const ChangeFeed&) = delete;

  // Starts the poll thread (reads the version once first).
  void Start();
  // Answers every waiter 503 and joins the poll thread; Wait then refuses
  // until Start() again.
  void Stop();
  // Re-reads the version now (after a write made through this process).
  void Poke();

  enum class Admit { kAnswered, kWaiting, kSessionFull, kServerFull, kStopped };
  // since < 0 or since != the current version: answers at once. Otherwise
  // `reply` is called later from the poll thread. `session` bounds one
  // moderator's waiters. `reply` must not block.
  Admit Wait(int64_t since, const std::string& session, std::function<void(Response)> reply);

  int64_t version() const;
  size_t waiting() const;
  // The body of an answer: {"version", "changed", "open", "crisis", ...}.
  Response Answer(bool changed) const;

 private:
  struct Waiter {
    std::string session;
    int64_t deadline_ms;  // monotonic (Clock::MonotonicMs)
    std::function<void(Response)> reply;
  };
  void Run();
  void ReadVersion(std::vector<Waiter>* to_answer);

  VersionSource version_source_;
  SummarySource summary_source_;
  std::shared_ptr<const aasr::Clock> clock_;
  ChangeFeedOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false, stopped_ = false, poked_ = false, read_failed_ = false;
  int64_t version_ = -1;
  nlohmann::json summary_ = nlohmann::json::object();
  std::vector<Waiter> waiters_;
  std::map<std::string, int> per_session_;
  std::thread thread_;
};

// The sources over a Store: the newest audit row's id, and the counts of open
// items and of open crisis items ("crisis_more": true past 200).
VersionSource StoreVersion(store::StorePtr store);
SummarySource StoreSummary(store::StorePtr store);

// GET /api/events?since=N for an authenticated caller: answers through
// `reply` now or later. A malformed `since` is a 400 naming the parameter.
void ServeEvents(ChangeFeed& feed, ReviewApi& api, const Request& r,
                 std::function<void(Response)> reply);

}  // namespace aasr::review
