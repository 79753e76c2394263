// The route table alone checks session, CSRF and role; patterns with {id}.
#include <catch2/catch.hpp>

#include "bot/review/routes.h"

using namespace aasr;
using review::Access;
using review::Call;
using review::Request;
using review::Response;

namespace {

Request Req(std::string method, std::string path, std::string csrf = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (!csrf.empty()) r.headers["x-csrf-token"] = csrf;
  r.headers["cookie"] = "aasr_session=t";
  return r;
}

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

}  // namespace

TEST_CASE("route table: patterns, ids, session, CSRF and roles in one place", "[review][routes]") {
  std::string role = "moderator";
  bool logged_in = true;
  int auth_calls = 0;
  review::RouteTable t([&](const Request&, Response* refusal) -> std::optional<store::Session> {
    ++auth_calls;
    if (!logged_in) {
      *refusal = review::ErrorResponse(401, "login_required", "log in first");
      return std::nullopt;
    }
    store::Session s;
    s.user = "ana";
    s.role = role;
    s.csrf = "tok";
    return s;
  });
  auto echo = [](const char* what) {
    return [what](const Call& c) {
      return review::JsonResponse(200, {{"what", what}, {"id", c.id}, {"user", c.user()},
                                        {"name", c.Param("name")}});
    };
  };
  t.Add({"POST", "/api/login", Access::kPublic, echo("login")});
  t.Add({"GET", "/api/items/{id}", Access::kUser, echo("item")});
  t.Add({"GET", "/api/items/recent", Access::kUser, echo("recent")});
  t.Add({"POST", "/api/items/{id}/decision", Access::kUser, echo("decide")});
  t.Add({"GET", "/api/users", Access::kAdmin, echo("users"), "the user list is for admins"});
  t.Add({"GET", "/api/users/{name}", Access::kAdmin, echo("user")});
  t.Add({"POST", "/api/outreach/{id}/retry", Access::kAdmin, echo("retry"), "admins only",
         "outbox row"});
  CHECK_THROWS_AS(t.Add({"GET", "/api/items/{id}", Access::kUser, echo("again")}),
                  std::logic_error);

  Response item = t.Dispatch(Req("GET", "/api/items/42"));
  CHECK(item.status == 200);
  CHECK(Body(item)["what"] == "item");
  CHECK(Body(item)["id"] == 42);
  CHECK(Body(item)["user"] == "ana");
  CHECK(Body(t.Dispatch(Req("GET", "/api/items/recent")))["what"] == "recent");  // literal wins
  Response bad_id = t.Dispatch(Req("GET", "/api/items/4x2"));
  CHECK(bad_id.status == 404);
  CHECK(Body(bad_id)["error"] == "no item '4x2'");
  CHECK(Body(t.Dispatch(Req("POST", "/api/outreach/0/retry", "tok")))["error"] ==
        "no outbox row '0'");  // a bad id is a 404 before the role is asked
  CHECK(t.Dispatch(Req("GET", "/api/items/")).status == 404);
  CHECK(t.Dispatch(Req("GET", "/api/nothing")).status == 404);
  CHECK(t.Dispatch(Req("DELETE", "/api/items/1", "tok")).status == 404);  // other method: not a route

  SECTION("POST needs the session's CSRF token") {
    CHECK(t.Dispatch(Req("POST", "/api/items/1/decision")).status == 403);
    CHECK(Body(t.Dispatch(Req("POST", "/api/items/1/decision", "wrong")))["code"] == "csrf");
    CHECK(t.Dispatch(Req("POST", "/api/items/1/decision", "tok")).status == 200);
  }
  SECTION("admin routes refuse moderators with the route's message") {
    Response r = t.Dispatch(Req("GET", "/api/users"));
    CHECK(r.status == 403);
    CHECK(Body(r)["error"] == "the user list is for admins");
    role = "admin";
    CHECK(t.Dispatch(Req("GET", "/api/users")).status == 200);
    CHECK(Body(t.Dispatch(Req("GET", "/api/users/dana")))["name"] == "dana");
  }
  SECTION("no session: 401 on every route but the public ones, known or not") {
    logged_in = false;
    CHECK(t.Dispatch(Req("GET", "/api/items/1")).status == 401);
    CHECK(t.Dispatch(Req("GET", "/api/nothing")).status == 401);
    auth_calls = 0;
    CHECK(t.Dispatch(Req("POST", "/api/login")).status == 200);
    CHECK(auth_calls == 0);
    Response get_login = t.Dispatch(Req("GET", "/api/login"));
    CHECK(get_login.status == 405);
    CHECK(get_login.headers.back() == std::make_pair(std::string("Allow"), std::string("POST")));
  }
}
