// End-to-end helpers: a moderator's session on the daemon's review JSON API
// (bot/review/README.md: login sets the aasr_session cookie and returns the
// CSRF token every later POST must carry), and `aasr-bot users add` run as
// the real CLI against the workspace's database.
// Thread safety: one ReviewSession per test thread.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/net/clock.h"
#include "bot/net/http_client.h"
#include "tests/daemon/daemon_process.h"

namespace aasr::testing {

// `aasr-bot users add NAME --role ROLE --db var/aasr.db`, password on stdin,
// run in the workspace like an operator would. Returns the exit status.
inline int AddUserWithCli(const DaemonWorkspace& ws, const std::string& name, const std::string& role,
                          const std::string& password) {
  const std::string cmd = "cd '" + ws.path() + "' && printf '%s\\n' '" + password + "' | '" + BotExecutable() +
                          "' users add " + name + " --role " + role + " --db var/aasr.db >> users.log 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class ReviewSession {
 public:
  explicit ReviewSession(std::string base) : base_(std::move(base)), random_(7), http_(Opts(), net::SystemClock::Get(), &random_) {}

  // Logs in; REQUIREs success.
  void Login(const std::string& user, const std::string& password) {
    net::Request r;
    r.method = "POST";
    r.url = base_ + "/api/login";
    r.headers = {{"Content-Type", "application/json"}};
    r.body = nlohmann::json{{"user", user}, {"password", password}}.dump();
    auto resp = http_.Send(r);
    REQUIRE(resp.ok());
    INFO("login " << user << ": " << resp.value().status << " " << resp.value().body);
    REQUIRE(resp.value().status == 200);
    csrf_ = nlohmann::json::parse(resp.value().body)["csrf"].get<std::string>();
    const std::string set_cookie = resp.value().header("Set-Cookie");
    const auto end = set_cookie.find(';');
    cookie_ = set_cookie.substr(0, end);
    REQUIRE(cookie_.rfind("aasr_session=", 0) == 0);
  }

  // The answer's status and parsed body (null when not JSON).
  std::pair<int, nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const nlohmann::json& body = nullptr) {
    net::Request r;
    r.method = method;
    r.url = base_ + path;
    r.headers = {{"Cookie", cookie_}, {"X-CSRF-Token", csrf_}};
    if (!body.is_null()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body.dump();
    }
    r.retry = method == "GET";
    auto resp = http_.Send(r);
    REQUIRE(resp.ok());
    return {resp.value().status, nlohmann::json::parse(resp.value().body, nullptr, false)};
  }
  nlohmann::json Get(const std::string& path) {
    auto [status, body] = Call("GET", path);
    INFO("GET " << path << " -> " << status << " " << body.dump());
    REQUIRE(status == 200);
    return body;
  }

 private:
  static net::Options Opts() {
    net::Options o;
    o.subject = "review api";
    o.timeout = net::Millis(10000);
    o.max_attempts = 2;
    o.base_backoff = net::Millis(50);
    return o;
  }
  std::string base_;
  net::SeededRandom random_;
  net::HttpClient http_;
  std::string cookie_, csrf_;
};

// The item's audit actions in time order, e.g. "queued approve".
inline std::string AuditTrail(const nlohmann::json& entries) {
  std::vector<std::string> actions;
  for (const auto& e : entries) actions.push_back(e["action"].get<std::string>());
  // /api/audit answers newest first.
  std::string out;
  for (auto it = actions.rbegin(); it != actions.rend(); ++it) out += (out.empty() ? "" : " ") + *it;
  return out;
}

}  // namespace aasr::testing
