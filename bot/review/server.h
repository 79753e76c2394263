// ReviewServer: serves the review page and its JSON API over HTTP
// (Boost.Beast, http_server.h), by default on http://127.0.0.1:8080 only.
//
// Promises: every response carries a Content-Security-Policy that forbids
// inline script and any origin but our own, plus nosniff, no-referrer and
// frame-ancestors 'none'. The transport's bounds (http_server.h): request
// bodies over 1 MiB, whatever the framing, are refused 413 and the
// connection closed; heads over 16 KiB 431; header, body and idle timeouts;
// a cap on connections in all and per address; TRACE/CONNECT refused.
// The access log (spdlog) names method, path, status, time and user, never
// a query string, cookie, token or password.
// Embedding: the daemon mounts its own routes with Mount(prefix, handler)
// before Start(), e.g. Mount("/webhooks/facebook", ...), Mount("/healthz",
// ...); the longest matching prefix wins over /api/ and the page.
// GET /api/events is the one deferred route: a page waits there for the
// next change (events.h) without holding a thread.
// Stop() answers waiting pages 503 and lets the answers go out (at most 2 s)
// before it closes the connections.
// Thread safety: Start/Stop/Mount from one thread; requests are handled
// concurrently on the transport's handler pool.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bot/review/api.h"
#include "bot/review/events.h"
#include "bot/review/http_server.h"
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
  // Limits, timeouts and connection caps (http_server.h; `review:` config).
  TransportOptions transport;
};

// cpprestsdk (the HTTP client now) has a default pool of 40 threads; on the
// small machines the bot runs on, a few threads per core are enough. Call
// once, before any HTTP work (a later call keeps the pool).
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
  void Serve(Request r, Reply reply);
  ServerOptions options_;
  ReviewApi api_;
  StaticFiles files_;
  std::vector<std::pair<std::string, Handler>> mounts_;
  std::unique_ptr<ChangeFeed> feed_;  // GET /api/events
  std::unique_ptr<HttpServer> http_;
};

}  // namespace aasr::review
