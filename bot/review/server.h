// ReviewServer: serves the review page and its JSON API over HTTP
// (cpprestsdk http_listener), by default on http://127.0.0.1:8080 only.
//
// Promises: every response carries a Content-Security-Policy that forbids
// inline script and any origin but our own, plus nosniff, no-referrer and
// frame-ancestors 'none'. Request bodies over 1 MiB are refused (413).
// The access log (spdlog) names method, path, status, time and user, never
// a query string, cookie, token or password.
// Embedding: the daemon mounts its own routes with Mount(prefix, handler)
// before Start(), e.g. Mount("/webhooks/facebook", ...), Mount("/healthz",
// ...); the longest matching prefix wins over /api/ and the page.
// GET /api/events is the one deferred route: a page waits there for the
// next change (events.h) without holding a thread.
// Thread safety: Start/Stop/Mount from one thread; requests are handled
// concurrently on cpprestsdk's thread pool.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bot/review/api.h"
#include "bot/review/events.h"
#include "bot/review/http_types.h"
#include "bot/review/static_files.h"

namespace aasr::review {

struct ServerOptions {
  std::string listen = "http://127.0.0.1:8080";
  std::string web_dir;  // empty: the page compiled into the binary
  ApiOptions api;
  // The outreach database (OutreachStore; in the daemon the moderation
  // store's own file). Empty: the Outreach view says outreach is not
  // configured and /api/outreach answers 404 `not_configured`.
  std::string outreach_db;
  // Replies (bot/replies): the database holding the replies outbox (the
  // moderation store's file) and the saved replies file. Empty db: the
  // reply routes answer 404 `not_configured`.
  std::string replies_db;
  std::string saved_replies = "config/replies.yaml";
  // GET /api/status: hot-reload results, per-account state, version and
  // uptime (shape in README.md). Called on each request, from any thread:
  // it must be thread-safe and quick. Absent: a minimal {"mode":"embedded",
  // "rules":{...}}.
  StatusProvider status;
  // GET /api/events (long polling; events.h): poll interval, hold time, and
  // the bounds on waiting requests per session and in total.
  ChangeFeedOptions events;
};

// cpprestsdk's default pool has 40 threads; on the small machines the bot
// runs on, a few threads per core serve more requests with a shorter tail and
// less memory. Call once, before any HTTP work (a later call keeps the pool).
void SizeServerThreadPool();

class ReviewServer {
 public:
  ReviewServer(store::StorePtr store, RulesProvider rules,
               std::shared_ptr<const aasr::Clock> clock, ServerOptions options = {});
  ~ReviewServer();
  ReviewServer(const ReviewServer&) = delete;

  // Routes every request whose path starts with `prefix` to `handler`.
  void Mount(const std::string& prefix, Handler handler);
  // Binds and starts serving; an Error names the address when it cannot.
  Status Start();
  void Stop();
  const std::string& url() const { return options_.listen; }

  // Dispatches one request as the server would (also used by tests).
  Response Dispatch(const Request& r);

 private:
  struct Listener;
  ServerOptions options_;
  ReviewApi api_;
  StaticFiles files_;
  std::vector<std::pair<std::string, Handler>> mounts_;
  std::unique_ptr<ChangeFeed> feed_;  // GET /api/events
  std::unique_ptr<Listener> listener_;
  // Replies handed to the listener and not yet written: Stop() lets them go
  // out (the 503s to waiting pages) before it closes the connections.
  std::atomic<int> replies_in_flight_{0};
};

}  // namespace aasr::review
