// RouteTable: the review API's routes, method + path pattern -> handler, and
// the one place that checks the session, the CSRF token and the role.
//
// Adding a route, from any file that can reach the ReviewApi:
//
//   api.routes().Add({"POST", "/api/items/{id}/reply", Access::kUser,
//                     [&](const Call& c) { return Reply(c.id, c.request, c.user()); }});
//
// Promises:
// - Patterns are literal segments and `{name}` segments (one non-empty
//   segment each). `{id}` only holds a positive integer: anything else is a
//   404 "no <id_of> '<segment>'" (a route names what its id is of).
// - Access::kPublic routes run without a session. Every other route needs a
//   live session (401 `login_required`), and every method but GET/HEAD the
//   session's token in X-CSRF-Token (403 `csrf`), after the write guard
//   (SetWriteGuard) let it through; Access::kAdmin also the
//   admin role (403 `forbidden` with the route's admin_only message).
// - A path no route knows answers 404 `not_found` (401 first when there is
//   no session, so the API's shape is not shown to strangers), and so does
//   a known path with another method, except a public one (GET /api/login),
//   which answers 405 `method` with an Allow header.
// - Adding the same method and pattern twice throws std::logic_error: two
//   files claiming one route is a programming mistake, found at start-up.
// Thread safety: Add() before serving; Dispatch() from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/review/http_types.h"
#include "bot/store/store.h"
#include "bot/util/error.h"

namespace aasr::review {

enum class Access { kPublic, kUser, kAdmin };

// One request as a route handler sees it.
struct Call {
  const Request& request;
  const store::Session& session;                // empty on kPublic routes
  std::map<std::string, std::string> params;    // the {name} segments
  int64_t id = 0;                               // the {id} segment, when the pattern has one
  const std::string& user() const { return session.user; }
  bool admin() const { return session.role == "admin"; }
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

using RouteHandler = std::function<Response(const Call&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/items/{id}/decision"
  Access access = Access::kUser;
  RouteHandler handler;
  std::string admin_only = "this is for admins";  // 403 message (kAdmin)
  std::string id_of = "item";                      // 404 "no item 'abc'"
};

class RouteTable {
 public:
  // The session of the request, or nullopt with *refusal set (401/500).
  using Authenticator =
      std::function<std::optional<store::Session>(const Request&, Response* refusal)>;
  explicit RouteTable(Authenticator authenticate) : authenticate_(std::move(authenticate)) {}

  // Called for every request whose method is not GET/HEAD, public routes
  // (login) included, before the session is looked up: a Response refuses
  // it (ReviewApi: the Origin check). Unset: nothing is checked.
  using WriteGuard = std::function<std::optional<Response>(const Request&)>;
  void SetWriteGuard(WriteGuard guard) { write_guard_ = std::move(guard); }

  void Add(Route route);
  Response Dispatch(const Request& r) const;

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;  // literal, or "{name}"
  };
  Authenticator authenticate_;
  WriteGuard write_guard_;
  std::vector<Compiled> routes_;
};

// Shared by route handlers.
Response JsonResponse(int status, const nlohmann::json& body);
Response ErrorResponse(int status, const std::string& code, const std::string& message);
// The body as a JSON object ({} when empty); an Error says what is wrong.
Result<nlohmann::json> ParseJsonBody(const Request& r);
// A positive decimal integer, the whole string.
std::optional<int64_t> ParseId(const std::string& s);
std::vector<std::string> SplitString(const std::string& s, char sep);

}  // namespace aasr::review
