#include "bot/review/server.h"

#include <pplx/threadpool.h>
#include <thread>

#include <algorithm>
#include <chrono>
#include <cctype>

#include <spdlog/spdlog.h>

#include "bot/review/client_address.h"
#include "bot/util/logging.h"

namespace aasr::review {

void SizeServerThreadPool() {
  try {
    crossplat::threadpool::initialize_with_threads(std::max(4u, 2 * std::thread::hardware_concurrency()));
  } catch (const std::exception&) {
    // Already initialised (the pool was used earlier): keep it.
  }
}

namespace {

// 'self' only; no inline script or style, no plugins, no framing.
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

void AddSecurityHeaders(Response* r) {
  r->headers.push_back({"Content-Security-Policy", kCsp});
  r->headers.push_back({"X-Content-Type-Options", "nosniff"});
  r->headers.push_back({"Referrer-Policy", "no-referrer"});
  r->headers.push_back({"X-Frame-Options", "DENY"});
}

}  // namespace

ReviewServer::ReviewServer(store::StorePtr store, RulesProvider rules,
                           std::shared_ptr<const aasr::Clock> clock, ServerOptions options)
    : options_(std::move(options)),
      api_(store, std::move(rules), clock, options_.api),
      files_(options_.web_dir) {
  if (!options_.outreach_db.empty())
    api_.SetOutreach(std::make_unique<OutreachApi>(options_.outreach_db, store, clock));
  if (!options_.replies_db.empty()) {
    ReviewApi* api = &api_;
    api_.SetReplies(std::make_unique<RepliesApi>(options_.replies_db, options_.saved_replies, store, clock,
                                                 [api](const std::string& p) { return api->CapabilitiesFor(p); }));
  }
  if (options_.status) api_.SetStatusProvider(options_.status);
  feed_ = std::make_unique<ChangeFeed>(StoreVersion(store), StoreSummary(store), clock,
                                       options_.events);
}

ReviewServer::~ReviewServer() { Stop(); }

void ReviewServer::Mount(const std::string& prefix, Handler handler) {
  mounts_.emplace_back(prefix, std::move(handler));
  std::stable_sort(mounts_.begin(), mounts_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

Response ReviewServer::Dispatch(const Request& r) {
  Response resp;
  bool handled = false;
  for (const auto& [prefix, handler] : mounts_) {
    if (r.path.compare(0, prefix.size(), prefix) == 0) {
      resp = handler(r);
      handled = true;
      break;
    }
  }
  if (!handled) {
    if (r.path.rfind("/api/", 0) == 0) {
      resp = api_.Handle(r);
      // A write made here: tell waiting pages now rather than at the next poll.
      if (r.method == "POST") feed_->Poke();
    } else {
      resp = files_.Serve(r);
    }
  }
  AddSecurityHeaders(&resp);
  if (options_.api.proxy.hsts) resp.headers.push_back({"Strict-Transport-Security", kHsts});
  return resp;
}

// One request, on the transport's handler pool.
void ReviewServer::Serve(Request r, Reply reply) {
  const auto started = std::chrono::steady_clock::now();
  // Behind a proxy that passes the page's sub-path on (client_address.h).
  StripBasePath(options_.api.proxy.base_path, &r);
  auto answer = [r, reply, started](Response resp) {
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    spdlog::debug("{} {} {} {:.1f}ms", LogSafe(r.method), LogSafe(r.path), resp.status, ms);
    reply(std::move(resp));
  };
  // Live pages wait here for the next change; answered later (events.h).
  if (r.method == "GET" && r.path == "/api/events") {
    try {
      ServeEvents(*feed_, api_, r, [answer](Response resp) {
        AddSecurityHeaders(&resp);
        answer(std::move(resp));
      });
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", LogSafe(r.method), LogSafe(r.path), e.what());
      Response resp = ErrorResponse(500, "internal", "internal error; see the server log");
      AddSecurityHeaders(&resp);
      answer(std::move(resp));
    }
    return;
  }
  Response resp;
  try {
    resp = Dispatch(r);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", LogSafe(r.method), LogSafe(r.path), e.what());
    resp = ErrorResponse(500, "internal", "internal error; see the server log");
    AddSecurityHeaders(&resp);
  }
  answer(std::move(resp));
}

Status ReviewServer::Start() {
  if (http_) return Ok{};
  auto http = std::make_unique<HttpServer>(
      options_.transport, [this](Request r, Reply reply) { Serve(std::move(r), std::move(reply)); },
      [](int status, const std::string& code, const std::string& message) {
        Response resp = ErrorResponse(status, code, message);
        AddSecurityHeaders(&resp);
        return resp;
      });
  feed_->Start();
  Status listening = http->Listen(options_.listen);
  if (!listening.ok()) {
    feed_->Stop();
    return listening;
  }
  http_ = std::move(http);
  spdlog::info("review server listening on {}", options_.listen);
  return Ok{};
}

void ReviewServer::Stop() {
  if (!http_) return;
  http_->StopAccepting();
  // Waiting pages get a 503 now, so they reconnect instead of hanging...
  feed_->Stop();
  // ...and it is written before the connections close (at most 2 s: a
  // client that stopped reading must not hold up the stop).
  http_->Stop(std::chrono::seconds(2));
  http_.reset();
}

}  // namespace aasr::review
