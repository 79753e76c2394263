// review_bench_cpprest: the review API served the way it was before the
// Beast transport (cpprestsdk's http_listener, bodies read whole, a 1 MiB
// check on Content-Length only), so bench/review_bench.sh can print "before"
// and "after" from one run. Figures, not a product: no events, no page.
// Usage: review_bench_cpprest DB_FILE RULES_DIR URL   (SIGTERM stops it)
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

#include <cpprest/http_listener.h>
#include <cpprest/uri.h>
#include <pplx/threadpool.h>

#include "bot/review/server.h"
#include "bot/rules/rules.h"
#include "bot/store/sqlite_store.h"

using namespace aasr;
namespace http = web::http;

namespace {

std::string Decode(std::string s) {
  std::replace(s.begin(), s.end(), '+', ' ');
  try {
    return web::uri::decode(s);
  } catch (...) {
    return s;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DB_FILE RULES_DIR URL\n", argv[0]);
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  review::SizeServerThreadPool();
  auto clock = std::make_shared<SystemClock>();
  auto st = store::OpenSqliteStore(argv[1], clock);
  auto rules = rules::RuleSet::LoadDirectory(argv[2]);
  if (!st.ok() || !rules.ok()) {
    std::fprintf(stderr, "cannot open the database or the rules\n");
    return 2;
  }
  review::ServerOptions o;
  o.listen = argv[3];
  review::ReviewServer server(st.value(), [r = rules.value()] { return r; }, clock, o);  // Dispatch only
  http::experimental::listener::http_listener listener{web::uri(argv[3])};
  listener.support([&server](http::http_request req) {
    review::Request r;
    r.method = req.method();
    r.path = Decode(req.relative_uri().path());
    for (const auto& [k, v] : web::uri::split_query(req.relative_uri().query())) r.query[Decode(k)] = Decode(v);
    for (const auto& [k, v] : req.headers()) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      r.headers[name] = v;
    }
    r.remote_address = req.remote_address();
    auto reply = [req](const review::Response& resp) mutable {
      http::http_response out(static_cast<http::status_code>(resp.status));
      for (const auto& [k, v] : resp.headers) out.headers().add(k, v);
      out.set_body(std::vector<unsigned char>(resp.body.begin(), resp.body.end()));
      out.headers().set_content_type(resp.content_type);
      req.reply(out).then([](pplx::task<void> t) {
        try {
          t.get();
        } catch (...) {
        }
      });
    };
    if (req.headers().content_length() > (1u << 20)) {
      reply(review::ErrorResponse(413, "too_large", "request body over 1 MiB"));
      return;
    }
    req.extract_vector().then([&server, r, reply](pplx::task<std::vector<unsigned char>> t) mutable {
      try {
        auto body = t.get();
        r.body.assign(body.begin(), body.end());
        reply(server.Dispatch(r));
      } catch (const std::exception&) {
        reply(review::ErrorResponse(400, "bad_request", "could not read the request body"));
      }
    });
  });
  listener.open().wait();
  std::cout << "cpprestsdk listener on " << argv[3] << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  listener.close().wait();
  return 0;
}
