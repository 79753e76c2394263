#include "bot/review/server.h"

#include <pplx/threadpool.h>
#include <thread>

#include <algorithm>
#include <chrono>
#include <cctype>

#include <cpprest/http_listener.h>
#include <cpprest/uri.h>
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

namespace http = web::http;
using http::experimental::listener::http_listener;

namespace {

constexpr size_t kMaxBody = 1 << 20;

// 'self' only; no inline script or style, no plugins, no framing.
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

std::string Decode(std::string s) {
  std::replace(s.begin(), s.end(), '+', ' ');
  try {
    return web::uri::decode(s);
  } catch (...) {
    return s;
  }
}

void AddSecurityHeaders(Response* r) {
  r->headers.push_back({"Content-Security-Policy", kCsp});
  r->headers.push_back({"X-Content-Type-Options", "nosniff"});
  r->headers.push_back({"Referrer-Policy", "no-referrer"});
  r->headers.push_back({"X-Frame-Options", "DENY"});
}

}  // namespace

struct ReviewServer::Listener {
  std::unique_ptr<http_listener> listener;
};

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

Status ReviewServer::Start() {
  if (listener_) return Ok{};
  try {
    auto l = std::make_unique<Listener>();
    l->listener = std::make_unique<http_listener>(web::uri(options_.listen));
    l->listener->support([this](http::http_request req) {
      auto started = std::chrono::steady_clock::now();
      Request r;
      r.method = req.method();
      r.path = Decode(req.relative_uri().path());
      for (const auto& [k, v] : web::uri::split_query(req.relative_uri().query()))
        r.query[Decode(k)] = Decode(v);
      for (const auto& [k, v] : req.headers()) {
        std::string name = k;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        r.headers[name] = v;
      }
      r.remote_address = req.remote_address();
      // Behind a proxy that passes the page's sub-path on (client_address.h).
      StripBasePath(options_.api.proxy.base_path, &r);
      auto reply = [this, req, started](const Request& r, Response resp) mutable {
        http::http_response out(static_cast<http::status_code>(resp.status));
        for (const auto& [k, v] : resp.headers) out.headers().add(k, v);
        out.headers().set_content_type(resp.content_type);
        out.set_body(std::vector<unsigned char>(resp.body.begin(), resp.body.end()));
        out.headers().set_content_type(resp.content_type);
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            started)
                      .count();
        spdlog::debug("{} {} {} {:.1f}ms", LogSafe(r.method), LogSafe(r.path), resp.status, ms);
        ++replies_in_flight_;
        req.reply(out).then([this](pplx::task<void> t) {
          try {
            t.get();
          } catch (const std::exception& e) {
            spdlog::debug("reply failed: {}", e.what());
          }
          --replies_in_flight_;
        });
      };
      if (req.headers().content_length() > kMaxBody) {
        Response resp = ErrorResponse(413, "too_large", "request body over 1 MiB");
        AddSecurityHeaders(&resp);
        reply(r, resp);
        return;
      }
      req.extract_vector().then([this, r, reply](pplx::task<std::vector<unsigned char>> t) mutable {
        try {
          auto body = t.get();
          r.body.assign(body.begin(), body.end());
        } catch (const std::exception& e) {
          Response resp = ErrorResponse(400, "bad_request", "could not read the request body");
          AddSecurityHeaders(&resp);
          reply(r, resp);
          return;
        }
        // Live pages wait here for the next change; replied to later (events.h).
        if (r.method == "GET" && r.path == "/api/events") {
          try {
            ServeEvents(*feed_, api_, r, [r, reply](Response resp) mutable {
              AddSecurityHeaders(&resp);
              reply(r, std::move(resp));
            });
          } catch (const std::exception& e) {
            spdlog::error("{} {}: {}", LogSafe(r.method), LogSafe(r.path), e.what());
            Response resp = ErrorResponse(500, "internal", "internal error; see the server log");
            AddSecurityHeaders(&resp);
            reply(r, resp);
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
        reply(r, std::move(resp));
      });
    });
    feed_->Start();
    l->listener->open().wait();
    listener_ = std::move(l);
  } catch (const std::exception& e) {
    return Error{{options_.listen, 0, 0}, "listen", std::string("cannot listen: ") + e.what()};
  }
  spdlog::info("review server listening on {}", options_.listen);
  return Ok{};
}

void ReviewServer::Stop() {
  if (!listener_) return;
  // Waiting pages get a 503 now, so they reconnect instead of hanging.
  feed_->Stop();
  // ...and are written before the listener closes their connections (at
  // most 2 s: a client that stopped reading must not hold up the stop).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (replies_in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  try {
    listener_->listener->close().wait();
  } catch (const std::exception& e) {
    spdlog::warn("closing the review server: {}", e.what());
  }
  listener_.reset();
}

}  // namespace aasr::review
