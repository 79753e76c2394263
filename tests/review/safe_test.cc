// Decisions that are safe to make and to reverse (issue 12 section 3) and
// managing users (section 5), over real HTTP on loopback.
#include <catch2/catch.hpp>

#include <algorithm>

#include "http_fixture.h"

using namespace aasr::review_test;

namespace {

std::vector<std::string> Kinds(store::Store& st, int64_t item, const std::string& state) {
  std::vector<std::string> out;
  const auto actions = st.ActionsForItem(item).value();
  for (const auto& a : actions)
    if (state.empty() || a.state == state) out.push_back(a.kind);
  return out;
}

void CarryOut(store::Store& st, int64_t item) {
  const auto actions = st.ActionsForItem(item).value();
  for (const auto& a : actions)
    if (a.state == "pending") {
      Status s = st.MarkActionDone(a.id);
      INFO((s.ok() ? std::string() : FormatErrors(s.errors())));
      REQUIRE(s.ok());
    }
}

}  // namespace

TEST_CASE("removing a crisis comment needs confirm: true, one by one and in bulk",
          "[review][http][safe]") {
  Fixture f;
  int64_t crisis = f.Ingest("k1", "some days I want to die", "facebook", "parent");
  int64_t other = f.Ingest("k2", "You are an idiot");
  Client ana = f.LoggedIn("ana");
  const std::string path = "/api/items/" + std::to_string(crisis) + "/decision";
  Reply refused = ana.Call("POST", path, json{{"decision", "remove"}});
  CHECK(refused.status == 422);
  CHECK(refused.body["code"] == "confirm_required");
  CHECK(f.st->GetItem(crisis).value()->state == store::ItemState::kPending);
  CHECK(ana.Call("POST", path, json{{"decision", "remove"}, {"confirm", "yes"}}).status == 422);

  Reply bulk = ana.Call("POST", "/api/bulk", json{{"ids", {crisis, other}}, {"decision", "remove"}});
  REQUIRE(bulk.status == 200);
  CHECK(bulk.body["decided"] == 1);
  CHECK(bulk.body["results"][0]["status"] == 422);
  CHECK(bulk.body["results"][0]["code"] == "confirm_required");
  CHECK(bulk.body["results"][1]["status"] == 200);

  Reply ok = ana.Call("POST", path, json{{"decision", "remove"}, {"confirm", true}});
  REQUIRE(ok.status == 200);
  CHECK(ok.body["item"]["state"] == "removed");
  // Approving or escalating a crisis item needs no confirmation.
  int64_t crisis2 = f.Ingest("k3", "I want to end it all", "facebook", "parent");
  CHECK(ana.Call("POST", "/api/items/" + std::to_string(crisis2) + "/decision",
                 json{{"decision", "escalate"}}).status == 200);
}

TEST_CASE("reopen at any time reverses the platform action: unhide after remove, hide after "
          "approve of a hide verdict", "[review][http][safe]") {
  Fixture f;
  Client ana = f.LoggedIn("ana");
  Client ben = f.LoggedIn("ben");
  int64_t insult = f.Ingest("o1", "You are an idiot", "facebook");
  std::string base = "/api/items/" + std::to_string(insult);
  REQUIRE(ana.Call("POST", base + "/decision", json{{"decision", "remove"}}).status == 200);
  CarryOut(*f.st, insult);  // the daemon hid it
  f.clock->Advance(11LL * 3600 * 1000);  // hours later (sessions last 12 h)
  CHECK(ana.Call("POST", base + "/undo").body["code"] == "too_late");
  CHECK(ben.Call("POST", base + "/decision", json{{"decision", "approve"}}).body["code"] ==
        "conflict");
  Reply reopened = ben.Call("POST", base + "/reopen", json{{"note", "was quoting someone"}});
  REQUIRE(reopened.status == 200);
  CHECK(reopened.body["item"]["state"] == "pending");
  CHECK(Kinds(*f.st, insult, "pending") == std::vector<std::string>{"unhide"});
  Reply item = ben.Call("GET", base);
  CHECK(item.body["audit"][0]["action"] == "reopen");
  CHECK(item.body["audit"][0]["actor"] == "ben");
  CHECK(item.body["audit"][0]["note"] == "was quoting someone");
  CHECK(ben.Call("POST", base + "/reopen").status == 422);  // open already
  CHECK(ben.Call("POST", base + "/undo").status == 422);    // nothing to undo after a reopen
  CHECK(ben.Call("POST", base + "/decision", json{{"decision", "approve"}}).status == 200);

  // Spam the rules hid at once, approved (unhidden), then reopened: hidden again.
  int64_t spam = f.Ingest("o2", "Crypto giveaway! double your bitcoin", "facebook");
  CarryOut(*f.st, spam);
  std::string sbase = "/api/items/" + std::to_string(spam);
  REQUIRE(ana.Call("POST", sbase + "/decision", json{{"decision", "approve"}}).status == 200);
  CarryOut(*f.st, spam);
  CHECK(f.st->GetItem(spam).value()->hidden == false);
  f.clock->Advance(11 * 60 * 1000);
  REQUIRE(ana.Call("POST", sbase + "/reopen").status == 200);
  CHECK(Kinds(*f.st, spam, "pending") == std::vector<std::string>{"hide"});
  CHECK(f.st->GetItem(spam).value()->hidden == true);

  // A decision whose action was never carried out: reopen just cancels it.
  int64_t quick = f.Ingest("o3", "what a moron", "facebook");
  std::string qbase = "/api/items/" + std::to_string(quick);
  REQUIRE(ana.Call("POST", qbase + "/decision", json{{"decision", "remove"}}).status == 200);
  REQUIRE(ana.Call("POST", qbase + "/reopen").status == 200);
  CHECK(Kinds(*f.st, quick, "pending").empty());
  CHECK(Kinds(*f.st, quick, "cancelled") == std::vector<std::string>{"hide"});
  CHECK(f.st->GetItem(quick).value()->hidden == false);
  CHECK(ana.Call("POST", "/api/items/9999/reopen").status == 404);
  CHECK(ana.Call("POST", qbase + "/reopen", json(), /*send_csrf=*/false).status == 403);
}

TEST_CASE("claims: others see who holds one and when it lapses - renewing is quiet - release",
          "[review][http][safe]") {
  Fixture f;
  int64_t id = f.Ingest("c1", "You are an idiot");
  std::string base = "/api/items/" + std::to_string(id);
  Client ana = f.LoggedIn("ana");
  Client ben = f.LoggedIn("ben");
  Reply claimed = ana.Call("POST", base + "/claim");
  REQUIRE(claimed.status == 200);
  const int64_t lapses = claimed.body["item"]["claim_expires_ms"].get<int64_t>();
  CHECK(lapses == f.clock->NowMs() + 5 * 60 * 1000);
  Reply q = ben.Call("GET", "/api/queue");
  CHECK(q.body["items"][0]["claimed_by"] == "ana");
  CHECK(q.body["items"][0]["claim_expires_ms"] == lapses);
  Reply taken = ben.Call("POST", base + "/claim");
  CHECK(taken.status == 409);
  CHECK(taken.body["item"]["claimed_by"] == "ana");
  f.clock->Advance(60 * 1000);
  REQUIRE(ana.Call("POST", base + "/claim").status == 200);  // renewed while open
  CHECK(ana.Call("GET", base).body["item"]["claim_expires_ms"] == f.clock->NowMs() + 5 * 60 * 1000);
  int claims = 0;
  Reply view = ana.Call("GET", base);
  for (auto& e : view.body["audit"]) claims += e["action"] == "claim";
  INFO(view.body["audit"].dump());
  CHECK(claims == 1);
  CHECK(ben.Call("DELETE", base + "/claim").body["item"]["claimed_by"] == "ana");  // not ben's
  CHECK(ana.Call("DELETE", base + "/claim").body["item"]["claimed_by"] == "");
  CHECK(ben.Call("POST", base + "/claim").status == 200);
  f.clock->Advance(5 * 60 * 1000 + 1);  // lapsed: anyone may take it
  CHECK(ana.Call("GET", "/api/queue").body["items"][0]["claimed_by"] == "");
  CHECK(ana.Call("POST", base + "/claim").status == 200);
}

TEST_CASE("users: admins add (one-time password), change roles, disable and reset - sessions end",
          "[review][http][users]") {
  Fixture f;
  Client root = f.LoggedIn("root");
  Client ana = f.LoggedIn("ana");
  CHECK(ana.Call("POST", "/api/users", json{{"name", "cleo"}, {"role", "moderator"}}).status == 403);
  Reply added = root.Call("POST", "/api/users", json{{"name", "cleo"}, {"role", "moderator"}});
  REQUIRE(added.status == 200);
  const std::string pw = added.body["password"].get<std::string>();
  CHECK(pw.size() >= 16);
  CHECK(added.body["user"]["role"] == "moderator");
  CHECK(root.Call("GET", "/api/users").body.dump().find(pw) == std::string::npos);
  CHECK(root.Call("POST", "/api/users", json{{"name", "cleo"}, {"role", "admin"}}).status == 409);
  CHECK(root.Call("POST", "/api/users", json{{"name", "bad name"}, {"role", "admin"}}).status == 422);
  CHECK(root.Call("POST", "/api/users", json{{"name", "dora"}, {"role", "owner"}}).status == 422);
  Client cleo(f.base);
  REQUIRE(cleo.Login("cleo", pw).status == 200);

  SECTION("role") {
    Reply r = root.Call("POST", "/api/users/cleo/role", json{{"role", "admin"}});
    REQUIRE(r.status == 200);
    CHECK(r.body["user"]["role"] == "admin");
    CHECK(cleo.Call("GET", "/api/session").body["role"] == "admin");
    CHECK(root.Call("POST", "/api/users/root/role", json{{"role", "moderator"}}).status == 403);
    CHECK(root.Call("POST", "/api/users/nobody/role", json{{"role", "admin"}}).status == 404);
  }
  SECTION("disable ends the sessions and refuses logins; enable lets them back") {
    Reply d = root.Call("POST", "/api/users/cleo/disable");
    REQUIRE(d.status == 200);
    CHECK(d.body["user"]["disabled"] == true);
    CHECK(cleo.Call("GET", "/api/queue").status == 401);
    Client again(f.base);
    CHECK(again.Login("cleo", pw).status == 401);
    CHECK(root.Call("POST", "/api/users/root/disable").status == 403);
    CHECK(root.Call("POST", "/api/users/cleo/enable").status == 200);
    CHECK(again.Login("cleo", pw).status == 200);
  }
  SECTION("reset gives a new one-time password and ends the sessions") {
    Reply r = root.Call("POST", "/api/users/cleo/reset");
    REQUIRE(r.status == 200);
    const std::string pw2 = r.body["password"].get<std::string>();
    CHECK(pw2 != pw);
    CHECK(cleo.Call("GET", "/api/queue").status == 401);
    Client again(f.base);
    CHECK(again.Login("cleo", pw).status == 401);
    CHECK(again.Login("cleo", pw2).status == 200);
  }
  SECTION("every change is audited, never with a password") {
    root.Call("POST", "/api/users/cleo/reset");
    Reply audit = root.Call("GET", "/api/audit?actor=root");
    std::vector<std::string> actions;
    for (auto& e : audit.body["entries"]) actions.push_back(e["action"].get<std::string>());
    CHECK(actions[0] == "user.reset");
    CHECK(std::find(actions.begin(), actions.end(), "user.add") != actions.end());
    CHECK(audit.body.dump().find(pw) == std::string::npos);
  }
}

TEST_CASE("a password change in the store ends every session of that user", "[review][store][users]") {
  Fixture f;
  Client ana = f.LoggedIn("ana");
  Client ana2 = f.LoggedIn("ana");
  Client ben = f.LoggedIn("ben");
  store::Moderator m = f.st->GetModerator("ana").value().value();
  m.role = "admin";  // a role change alone keeps the sessions
  REQUIRE(f.st->PutModerator(m).ok());
  CHECK(ana.Call("GET", "/api/queue").status == 200);
  m.password_hash = review::HashPassword("a new password for ana").value();
  REQUIRE(f.st->PutModerator(m).ok());
  CHECK(ana.Call("GET", "/api/queue").status == 401);
  CHECK(ana2.Call("GET", "/api/queue").status == 401);
  CHECK(ben.Call("GET", "/api/queue").status == 200);
}
