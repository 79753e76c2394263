// The reply routes (issue 12 §1) over real HTTP: saved replies offered
// (crisis first), the platform's limit and private-reply rules enforced by
// the server, one reply per key, the audit in the item's history.
#include <fstream>

#include "bot/replies/reply_store.h"
#include "tests/review/http_fixture.h"

using namespace aasr::review_test;

namespace {

std::string SavedFile(const std::string& db_path) {
  std::string path = std::filesystem::path(db_path).parent_path() / "replies.yaml";
  std::ofstream(path) << R"(org: AASR
replies:
  - name: thanks
    text: "Thank you {author}."
  - name: crisis-en
    title: Crisis
    offer_first_for: [crisis]
    text: "{author}, you are not alone. Call or text 988. - {org}"
)";
  return path;
}

Fixture WithReplies() {
  return Fixture(nullptr, [](review::ServerOptions& o, Fixture& f) {
    o.replies_db = f.db_path;
    o.saved_replies = SavedFile(f.db_path);
  });
}

}  // namespace

TEST_CASE("replies API: templates crisis first - queue once per key - audited in the item", "[review][replies]") {
  Fixture f = WithReplies();
  const int64_t id = f.Ingest("m1", "some days I want to die after what happened to my son", "mastodon", "dana@school.social");
  REQUIRE(id > 0);
  Client ana = f.LoggedIn("ana");
  Reply g = ana.Call("GET", "/api/items/" + std::to_string(id) + "/replies");
  REQUIRE(g.status == 200);
  CHECK(g.body["capabilities"]["public"] == true);
  CHECK(g.body["capabilities"]["private"] == true);
  CHECK(g.body["capabilities"]["counting"] == "mastodon");
  CHECK(g.body["prefix"] == "@dana@school.social ");
  REQUIRE(g.body["templates"].size() == 2);
  CHECK(g.body["templates"][0]["name"] == "crisis-en");
  CHECK(g.body["templates"][0]["offered_first"] == true);
  CHECK(g.body["templates"][0]["text"] == "dana@school.social, you are not alone. Call or text 988. - AASR");

  json body = {{"text", "You are not alone."}, {"private", true}, {"template", "crisis-en"}, {"key", "k-1"}};
  Reply p = ana.Call("POST", "/api/items/" + std::to_string(id) + "/replies", body);
  INFO(p.body.dump());
  REQUIRE(p.status == 201);
  CHECK(p.body["reply"]["state"] == "planned");
  CHECK(p.body["reply"]["private"] == true);
  Reply again = ana.Call("POST", "/api/items/" + std::to_string(id) + "/replies", body);
  CHECK(again.status == 200);
  CHECK(again.body["reply"]["id"] == p.body["reply"]["id"]);
  Reply g2 = ana.Call("GET", "/api/items/" + std::to_string(id) + "/replies");
  CHECK(g2.body["replies"].size() == 1);
  Reply item = ana.Call("GET", "/api/items/" + std::to_string(id));
  bool audited = false;
  for (const auto& a : item.body["audit"]) audited = audited || (a["action"] == "reply.queued" && a["actor"] == "ana");
  CHECK(audited);
  // Without the CSRF token nothing is queued.
  Reply no_csrf = ana.Call("POST", "/api/items/" + std::to_string(id) + "/replies",
                           json{{"text", "x"}, {"key", "k-9"}}, false);
  CHECK(no_csrf.status == 403);
}

TEST_CASE("replies API refuses what the platform would", "[review][replies]") {
  Fixture f = WithReplies();
  const int64_t masto = f.Ingest("m2", "you are an idiot", "mastodon", "troll@bad.example");
  const int64_t bsky = f.Ingest("at://did:plc:x/app.bsky.feed.post/3k", "you are an idiot", "bluesky", "troll.bsky.social");
  const int64_t fb = f.Ingest("c_1", "you are an idiot", "facebook", "Troll Person");
  Client ana = f.LoggedIn("ana");
  auto post = [&](int64_t item, json b) { return ana.Call("POST", "/api/items/" + std::to_string(item) + "/replies", b); };

  // Mastodon counts "@troll " (the username only) + the text: 500 at most.
  Reply fits = post(masto, {{"text", std::string(493, 'a')}, {"key", "a"}});
  CHECK(fits.status == 201);
  Reply too_long = post(masto, {{"text", std::string(494, 'a')}, {"key", "b"}});
  CHECK(too_long.status == 422);
  CHECK(too_long.body["code"] == "too_long");
  CHECK(too_long.body["limit"] == 500);
  CHECK(too_long.body["length"] == 501);

  Reply priv = post(bsky, {{"text", "hello"}, {"private", true}, {"key", "c"}});
  CHECK(priv.status == 422);
  CHECK(priv.body["code"] == "not_offered");
  CHECK(priv.body["error"].get<std::string>().find("Private messages are not offered") != std::string::npos);
  CHECK(post(bsky, {{"text", std::string(301, 'b')}, {"key", "d"}}).status == 422);

  CHECK(post(fb, {{"text", std::string(2001, 'c')}, {"private", true}, {"key", "e"}}).body["limit"] == 2000);
  f.clock->Advance(8LL * 24 * 3600 * 1000);
  ana = f.LoggedIn("ana");  // the session did not last the week
  Reply late = post(fb, {{"text", "Sorry we missed this."}, {"private", true}, {"key", "f"}});
  CHECK(late.status == 422);
  CHECK(late.body["code"] == "window_closed");
  CHECK(post(fb, {{"text", "Sorry we missed this."}, {"key", "g"}}).status == 201);  // public still fine

  CHECK(post(fb, {{"text", "   "}, {"key", "h"}}).status == 422);
  CHECK(post(fb, {{"text", "no key"}}).status == 422);
  CHECK(post(999, {{"text", "x"}, {"key", "j"}}).status == 404);
}
