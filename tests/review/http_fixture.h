// The review tests' HTTP client (keeps the cookie and CSRF token like a
// browser) and fixture (a temp database, three users, a server on its own
// loopback port in 18300-18399, the log captured).
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <sstream>

#include <cpprest/http_client.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "bot/review/passwords.h"
#include "bot/review/server.h"
#include "bot/store/ingest.h"
#include "bot/store/sqlite_store.h"
#include "aasr/build_paths.h"

namespace aasr::review_test {

namespace http = web::http;
using nlohmann::json;
using namespace aasr;


struct Reply {
  int status = 0;
  json body;
  std::map<std::string, std::string> headers;
};

// A browser-like client: keeps the session cookie and the CSRF token.
class Client {
 public:
  explicit Client(std::string base, std::string address_hint = "")
      : base_(std::move(base)), hint_(std::move(address_hint)) {}

  Reply Call(const std::string& method, const std::string& path, const json& body = nullptr,
             bool send_csrf = true) {
    http::client::http_client client(base_);
    http::http_request req(method);
    req.set_request_uri(path);
    if (!cookie_.empty()) req.headers().add("Cookie", cookie_);
    if (send_csrf && !csrf_.empty()) req.headers().add("X-CSRF-Token", csrf_);
    if (!body.is_null()) {
      // Bytes, not set_body(std::string): see bot/net/http_client.cc (UBSan vptr in cpprestsdk's char->uint8_t cast).
      const std::string text = body.dump();
      req.set_body(std::vector<unsigned char>(text.begin(), text.end()));
      req.headers().set_content_type("application/json");
    }
    http::http_response resp = client.request(req).get();
    Reply r;
    r.status = resp.status_code();
    for (const auto& [k, v] : resp.headers()) r.headers[k] = v;
    std::string text = resp.extract_utf8string(true).get();
    r.body = json::parse(text, nullptr, false);
    return r;
  }

  Reply Login(const std::string& user, const std::string& password) {
    Reply r = Call("POST", "/api/login", json{{"user", user}, {"password", password}});
    if (r.status == 200) {
      std::string set = r.headers["Set-Cookie"];
      cookie_ = set.substr(0, set.find(';'));
      csrf_ = r.body["csrf"].get<std::string>();
    }
    return r;
  }
  const std::string& cookie() const { return cookie_; }
  const std::string& csrf() const { return csrf_; }

 private:
  std::string base_, hint_, cookie_, csrf_;
};

inline std::string TempPath() {
  static std::atomic<int> n{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("aasr-review-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "aasr.db").string();
}

// One server per test on its own loopback port.
struct Fixture {
  std::string db_path = TempPath();
  std::shared_ptr<aasr::ManualClock> clock = std::make_shared<aasr::ManualClock>();
  store::StorePtr st;
  rules::RuleSetPtr rules;
  std::unique_ptr<review::ReviewServer> server;
  std::string base;
  std::ostringstream log;

  // `configure` may set ServerOptions (outreach_db, status) before the start;
  // it gets the fixture too (db_path, clock are ready).
  explicit Fixture(std::function<void(review::ReviewServer&)> mount = nullptr,
                   std::function<void(review::ServerOptions&, Fixture&)> configure = nullptr) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    spdlog::set_level(spdlog::level::debug);
    st = store::OpenSqliteStore(db_path, clock).value();
    auto loaded = rules::RuleSet::LoadDirectory(AASR_SOURCE_DIR "/tests/review/fixtures/rules");
    REQUIRE(loaded.ok());
    rules = loaded.value();
    AddUser("ana", "moderator");
    AddUser("ben", "moderator");
    AddUser("root", "admin");
    static std::atomic<int> port{18300 + (getpid() % 20) * 4};
    for (int attempt = 0; attempt < 20; ++attempt) {
      int p = port++;
      if (port >= 18400) port = 18300;
      review::ServerOptions o;
      o.listen = "http://127.0.0.1:" + std::to_string(p);
      if (configure) configure(o, *this);
      server = std::make_unique<review::ReviewServer>(
          st, [r = rules] { return r; }, clock, o);
      if (mount) mount(*server);
      if (server->Start().ok()) {
        base = o.listen;
        return;
      }
    }
    FAIL("no free port in 18300-18399");
  }
  ~Fixture() {
    server.reset();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "quiet", std::make_shared<spdlog::sinks::null_sink_mt>()));
    std::filesystem::remove_all(std::filesystem::path(db_path).parent_path());
  }
  void AddUser(const std::string& name, const std::string& role) {
    store::Moderator m;
    m.name = name;
    m.role = role;
    m.password_hash = review::HashPassword("password-of-" + name).value();
    REQUIRE(st->PutModerator(m).ok());
  }
  int64_t Ingest(const std::string& remote_id, const std::string& text,
                 const std::string& platform = "facebook", const std::string& handle = "troll") {
    store::NewComment c;
    c.platform = platform;
    c.account = "aasr-page";
    c.remote_id = remote_id;
    c.parent = "post-1";
    c.parent_text = "Seclusion rooms are not classrooms";
    c.author_handle = handle;
    c.text = text;
    auto r = store::ScreenAndStore(*st, *rules, c);
    REQUIRE(r.ok());
    clock->Advance(1000);
    return r.value().item_id;
  }
  Client LoggedIn(const std::string& user) {
    Client c(base);
    REQUIRE(c.Login(user, "password-of-" + user).status == 200);
    return c;
  }
};


}  // namespace aasr::review_test
