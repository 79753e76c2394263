// MastodonPlatform against FakeMastodon: the documented API, with faults.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "bot/net/rfc3339.h"
#include "bot/util/html.h"
#include "bot/platforms/mastodon.h"
#include "tests/platforms/fake_mastodon.h"
#include "tests/platforms/test_dir.h"

using namespace aasr;
using namespace aasr::platforms;
using aasr::testing::FakeMastodon;

namespace {

const net::WallTime kNow = *net::ParseRfc3339("2026-11-23T01:00:00Z");

struct Rig {
  explicit Rig(net::Millis timeout = net::Millis(2000)) : clock(kNow), random(5) {
    net::Options o;
    o.subject = "aasr-masto";
    o.timeout = timeout;
    o.base_backoff = net::Millis(100);
    o.budgets = net::MastodonBudgets();
    http = std::make_unique<net::HttpClient>(o, &clock, &random);
    MastodonConfig c;
    c.account = "aasr-masto";
    c.instance = fake.url();
    c.token = "masto-token-123";
    c.media_poll_limit = 5;
    masto = std::make_unique<MastodonPlatform>(c, http.get(), &clock);
  }
  FakeMastodon fake;
  net::FakeClock clock;
  net::SeededRandom random;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<MastodonPlatform> masto;
};

ComposedPost Story(const std::string& key) {
  ComposedPost p;
  p.account = "aasr-masto";
  p.text = "Supporting Youth in Residential Care: Healing Through Relational Safety https://aasr.example/residential-care";
  p.idempotency_key = key;
  return p;
}

}  // namespace

TEST_CASE("mastodon: credentials and instance limits", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  CHECK(rig.masto->account_id() == "1");
  CHECK(rig.masto->SelfAuthorId() == "1");  // intake's is_self compares authors with it
  auto caps = rig.masto->capabilities();
  CHECK(caps.max_text == 500);
  CHECK(caps.max_images == 4);
  CHECK_FALSE(caps.hide_replies);
  CHECK(caps.hide_fallback == "author blocked, reported to the instance; the reply stays visible");
  auto seen = rig.fake.requests_to("GET", "/api/v2/instance");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].header("Authorization") == "Bearer masto-token-123");

  MastodonConfig bad;
  bad.account = "aasr-masto";
  bad.instance = rig.fake.url();
  bad.token = "wrong";
  MastodonPlatform wrong(bad, rig.http.get(), &rig.clock);
  Status s = wrong.CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message == "HTTP 401: The access token is invalid");
  CHECK(s.errors()[0].ToString().find("wrong") == std::string::npos);
}

TEST_CASE("mastodon: publish with an image - alt text and 202/206 polling", "[mastodon]") {
  Rig rig;
  aasr::testing::TestDir dir("masto-img");
  std::string png = dir.path() + "/graphic.png";
  std::ofstream(png, std::ios::binary) << std::string("\x89PNG\r\n\x1a\n-fake-image-bytes", 25);
  rig.fake.media_processing_polls = 2;
  ComposedPost p = Story("story:residential-care:aasr-masto");
  p.images = {{png, "Infographic: restraint and seclusion reported in schools, 2017-2021", "image/png"}};
  auto r = rig.masto->Publish(p);
  REQUIRE(r.ok());
  CHECK(r.value().url == rig.fake.statuses().back()["url"]);
  auto uploads = rig.fake.requests_to("POST", "/api/v2/media");
  REQUIRE(uploads.size() == 1);
  CHECK(uploads[0].header("Content-Type").rfind("multipart/form-data; boundary=", 0) == 0);
  CHECK(uploads[0].body.find("-fake-image-bytes") != std::string::npos);
  auto media = rig.fake.statuses().back()["media_attachments"];
  REQUIRE(media.size() == 1);
  CHECK(media[0]["description"] == "Infographic: restraint and seclusion reported in schools, 2017-2021");
  CHECK(rig.fake.requests_to("GET", "/api/v1/media/").size() == 3);  // 206, 206, 200
  auto posts = rig.fake.requests_to("POST", "/api/v1/statuses");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].header("Idempotency-Key") == "story:residential-care:aasr-masto");
  bool has_media_id = false;
  for (const auto& [k, v] : posts[0].form()) has_media_id |= (k == "media_ids[]" && v == media[0]["id"]);
  CHECK(has_media_id);
}

TEST_CASE("mastodon: media stuck in 206 is an error and nothing is posted", "[mastodon]") {
  Rig rig;
  aasr::testing::TestDir dir("masto-stuck");
  std::string png = dir.path() + "/graphic.png";
  std::ofstream(png, std::ios::binary) << "PNG";
  rig.fake.media_processing_polls = 100;
  ComposedPost p = Story("story:stuck");
  p.images = {{png, "A chart", "image/png"}};
  auto r = rig.masto->Publish(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message.find("still processing after 5 polls; not posting") != std::string::npos);
  CHECK(rig.fake.statuses().empty());
}

TEST_CASE("mastodon: a retry after 500 - 429 or a lost answer repeats the Idempotency-Key - one status", "[mastodon]") {
  Rig rig(net::Millis(1000));
  using Kind = FakeMastodon::Fault::Kind;
  rig.fake.AddFault({"/api/v1/statuses", Kind::k500});
  rig.fake.AddFault({"/api/v1/statuses", Kind::k429, 3});
  rig.fake.AddFault({"/api/v1/statuses", Kind::kSlow, 0, 4000});  // created, answer lost
  auto r = rig.masto->Publish(Story("story:faults"));
  REQUIRE(r.ok());
  auto posts = rig.fake.requests_to("POST", "/api/v1/statuses");
  REQUIRE(posts.size() == 4);
  for (const auto& p : posts) CHECK(p.header("Idempotency-Key") == "story:faults");
  CHECK(rig.fake.statuses().size() == 1);
  CHECK(r.value().remote_id == rig.fake.statuses()[0]["id"]);
  // The 429's Retry-After was honoured exactly.
  auto sleeps = rig.clock.sleeps();
  CHECK(std::find(sleeps.begin(), sleeps.end(), net::Millis(3000)) != sleeps.end());

  // Publishing the same key again (e.g. after a crash) gives the same status.
  auto again = rig.masto->Publish(Story("story:faults"));
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == r.value().remote_id);
  CHECK(rig.fake.statuses().size() == 1);
}

TEST_CASE("mastodon: validation and 422 errors carry Mastodon's message", "[mastodon]") {
  Rig rig;
  ComposedPost p = Story("story:long");
  p.text = std::string(501, 'a');
  auto r = rig.masto->Publish(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message == "text has 501 characters; the instance allows 500");
  CHECK(rig.fake.requests_to("POST", "/api/v1/statuses").empty());
  CHECK(rig.fake.requests_to("GET", "/api/v2/instance").size() == 1);  // limits read before judging
}

TEST_CASE("mastodon: FindPublished(post) reconciles by text - by key it explains", "[mastodon]") {
  Rig rig;
  auto none = rig.masto->FindPublished(Story("k1"));
  REQUIRE(none.ok());
  CHECK_FALSE(none.value().has_value());
  ComposedPost p = Story("k1");
  p.text = "Restraint & seclusion <are> not therapy.\nRead more: https://aasr.example/x";
  auto pub = rig.masto->Publish(p);
  REQUIRE(pub.ok());
  auto found = rig.masto->FindPublished(p);
  REQUIRE(found.ok());
  REQUIRE(found.value().has_value());
  CHECK(found.value()->remote_id == pub.value().remote_id);
  auto by_key = rig.masto->FindPublished(std::string("k1"));
  REQUIRE_FALSE(by_key.ok());
  CHECK_FALSE(rig.masto->capabilities().find_by_key);
}

TEST_CASE("mastodon: comments page forward with min_id and Link - cursor = newest", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  auto pub = rig.masto->Publish(Story("story:thread"));
  REQUIRE(pub.ok());
  std::string post_id = pub.value().remote_id;
  std::string first = rig.fake.AddMention("parent42@school.social", "<p>Thank you for sharing this.</p>", post_id, 400, 12);
  auto b0 = rig.masto->FetchComments("");
  REQUIRE(b0.ok());
  REQUIRE(b0.value().comments.size() == 1);
  const FetchedComment& c = b0.value().comments[0];
  CHECK(c.text == "Thank you for sharing this.");
  CHECK(c.author_handle == "parent42@school.social");
  CHECK(c.author_account_age_days == Approx(400.0));
  CHECK(c.author_followers == 12.0);
  CHECK(c.parent_remote_id == post_id);
  CHECK(c.root_remote_id == post_id);
  CHECK(c.kind == "reply");
  CHECK(b0.value().next_cursor == first);

  // 85 more: three pages of 40 forward from the cursor.
  std::vector<std::string> ids;
  for (int i = 0; i < 85; ++i) {
    ids.push_back(rig.fake.AddMention("user" + std::to_string(i) + "@example.org",
                                      "<p><span class=\"h-card\"><a href=\"https://mastodon.example/@aasr\">@<span>aasr</span></a></span> comment " +
                                          std::to_string(i) + " &amp; more</p>",
                                      i % 2 ? post_id : "", 2, 0));
  }
  rig.fake.clear_requests_for_test();
  auto b1 = rig.masto->FetchComments(b0.value().next_cursor);
  REQUIRE(b1.ok());
  REQUIRE(b1.value().comments.size() == 85);
  CHECK(b1.value().comments[0].text == "@aasr comment 0 & more");
  CHECK(b1.value().comments[0].kind == "mention");
  CHECK(b1.value().comments[1].kind == "reply");
  CHECK(b1.value().comments[84].text == "@aasr comment 84 & more");
  CHECK(b1.value().next_cursor == ids.back());
  auto pages = rig.fake.requests_to("GET", "/api/v1/notifications");
  REQUIRE(pages.size() == 4);  // 40 + 40 + 5 + an empty page
  CHECK(pages[0].query[1] == std::make_pair(std::string("min_id"), first));

  auto b2 = rig.masto->FetchComments(b1.value().next_cursor);
  REQUIRE(b2.ok());
  CHECK(b2.value().comments.empty());
  CHECK(b2.value().next_cursor == b1.value().next_cursor);
}

TEST_CASE("mastodon: duplicate deliveries are dropped - truncated JSON loses nothing", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  std::string n0 = rig.fake.AddMention("a@example.org", "<p>first</p>", "");
  auto b0 = rig.masto->FetchComments("");
  REQUIRE(b0.ok());
  std::string cursor = b0.value().next_cursor;
  rig.fake.AddMention("b@example.org", "<p>second</p>", "");
  rig.fake.AddMention("c@example.org", "<p>third</p>", "");
  rig.fake.duplicate_notifications = true;
  rig.fake.AddFault({"/api/v1/notifications", FakeMastodon::Fault::Kind::kTruncatedJson});
  auto broken = rig.masto->FetchComments(cursor);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.errors()[0].message.find("not valid JSON (truncated?)") != std::string::npos);
  // The caller keeps its cursor; the next poll gets everything, once each.
  auto b1 = rig.masto->FetchComments(cursor);
  REQUIRE(b1.ok());
  REQUIRE(b1.value().comments.size() == 2);
  CHECK(b1.value().comments[0].text == "second");
  CHECK(b1.value().comments[1].text == "third");
}

TEST_CASE("mastodon: a comment fetched while the store fails is fetched again", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  rig.fake.AddMention("a@example.org", "<p>first</p>", "");
  auto b0 = rig.masto->FetchComments("");
  REQUIRE(b0.ok());
  std::string stored_cursor = b0.value().next_cursor;
  rig.fake.AddMention("b@example.org", "<p>needs review</p>", "");
  auto b1 = rig.masto->FetchComments(stored_cursor);
  REQUIRE(b1.ok());
  REQUIRE(b1.value().comments.size() == 1);
  // ... the store write fails, so stored_cursor is not advanced ...
  auto b2 = rig.masto->FetchComments(stored_cursor);
  REQUIRE(b2.ok());
  REQUIRE(b2.value().comments.size() == 1);
  CHECK(b2.value().comments[0].remote_id == b1.value().comments[0].remote_id);
}

TEST_CASE("mastodon: hide maps to block + report and says it is not hidden", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  rig.fake.AddMention("troll@example.org", "<p>insult</p>", "");
  auto b = rig.masto->FetchComments("");
  REQUIRE(b.ok());
  const FetchedComment& c = b.value().comments.at(0);
  Status hide = rig.masto->Moderate(ModerationAction::kHide, c);
  REQUIRE_FALSE(hide.ok());
  CHECK(hide.errors()[0].subject == "not hidden on Mastodon");
  CHECK(hide.errors()[0].message ==
        "Mastodon cannot hide a reply; author blocked, reported to the instance; the reply stays visible");
  REQUIRE(rig.fake.blocked.size() == 1);
  CHECK(rig.fake.blocked[0] == c.author_id);
  REQUIRE(rig.fake.reports.size() == 1);
  CHECK(rig.fake.reports[0]["status_ids"][0] == c.remote_id);
  Status unhide = rig.masto->Moderate(ModerationAction::kUnhide, c);
  REQUIRE_FALSE(unhide.ok());
  CHECK(rig.fake.blocked.empty());
  CHECK(rig.masto->Moderate(ModerationAction::kBlock, c).ok());
  CHECK(rig.fake.blocked.size() == 1);
  CHECK(rig.masto->Moderate(ModerationAction::kReport, c).ok());
  CHECK(rig.fake.reports.size() == 2);
  Status del = rig.masto->Moderate(ModerationAction::kDelete, c);
  REQUIRE_FALSE(del.ok());
  CHECK(del.errors()[0].message.find("cannot delete") != std::string::npos);
}

TEST_CASE("mastodon: Link header and HTML text", "[mastodon]") {
  std::string link = "<https://m.example/api/v1/notifications?max_id=7>; rel=\"next\", "
                     "<https://m.example/api/v1/notifications?min_id=9>; rel=\"prev\"";
  CHECK(LinkUrl(link, "next") == "https://m.example/api/v1/notifications?max_id=7");
  CHECK(LinkUrl(link, "prev") == "https://m.example/api/v1/notifications?min_id=9");
  CHECK(LinkUrl("", "prev").empty());
  CHECK(html::HtmlToLines("<p>a &lt;b&gt; &amp; &#39;c&#39;<br>d</p><p>e</p>") == "a <b> & 'c'\nd\n\ne");
  CHECK(html::HtmlToLines("caf&#xe9;") == "caf\xC3\xA9");
}
