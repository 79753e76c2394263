// GET /api/queue filters as moderators type them (issue 12 section 6):
// category and platform in any case, a handle searched as the page shows it.
#include <catch2/catch.hpp>

#include "http_fixture.h"

using namespace aasr::review_test;

TEST_CASE("queue filters ignore case and a search for @handle finds the author",
          "[review][http][filters]") {
  Fixture f;
  f.Ingest("q1", "You are an idiot and so is your whole group", "facebook", "Angry_Dad");
  f.Ingest("q2", "what a moron", "mastodon", "someone");
  Client ana = f.LoggedIn("ana");
  Reply byCategory = ana.Call("GET", "/api/queue?category=HARASSMENT&platform=FaceBook");
  REQUIRE(byCategory.status == 200);
  REQUIRE(byCategory.body["items"].size() == 1);
  CHECK(byCategory.body["items"][0]["author"] == "Angry_Dad");
  CHECK(ana.Call("GET", "/api/queue?category=harassment&platform=facebook").body["items"].size() == 1);
  CHECK(ana.Call("GET", "/api/queue?platform=Nowhere").body["items"].size() == 0);

  Reply byHandle = ana.Call("GET", "/api/queue?q=%40angry_DAD&state=all");
  REQUIRE(byHandle.body["items"].size() == 1);
  CHECK(byHandle.body["items"][0]["author"] == "Angry_Dad");
  // A lone "@" is searched as typed rather than matching everything.
  CHECK(ana.Call("GET", "/api/queue?q=%40").body["items"].size() == 0);
}
