// MastodonPlatform against FakeMastodon: the documented API, with faults.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "bot/net/rfc3339.h"
#include "bot/outreach/text_measure.h"
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
    fake.clock = &clock;  // its api bucket refills at the reset it announced
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
  CHECK(pages[0].query[1] == std::make_pair(std::string("types[]"), std::string("quote")));
  CHECK(pages[0].query[2] == std::make_pair(std::string("include_filtered"), std::string("true")));
  CHECK(pages[0].query[3] == std::make_pair(std::string("min_id"), first));

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

namespace {

std::string Query(const aasr::testing::ServerRequest& r, const std::string& key) {
  for (const auto& [k, v] : r.query) {
    if (k == key) return v;
  }
  return "";
}

std::vector<std::string> Ids(const CommentBatch& b) {
  std::vector<std::string> out;
  for (const auto& c : b.comments) out.push_back(c.remote_id);
  return out;
}

}  // namespace

TEST_CASE("mastodon: mentions the notification policy filters are asked for with include_filtered", "[mastodon]") {
  // Mastodon 4.3: GET /api/v1/notifications defaults to include_filtered=false,
  // withholding what the NotificationPolicy filters (limited accounts by
  // default; new accounts where the user chose so).
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  rig.fake.policy.for_new_accounts = "filter";
  rig.fake.limited_accts = {"troll@bad.example"};
  rig.fake.AddMention("old@example.org", "<p>fine</p>", "");
  CHECK_FALSE(rig.fake.last_mention_filtered());
  std::string cursor = rig.fake.AddMention("old2@example.org", "<p>fine too</p>", "");
  auto b0 = rig.masto->FetchComments("");
  REQUIRE(b0.ok());
  cursor = b0.value().next_cursor;

  rig.fake.AddMention("fresh@new.example", "<p>you people are vile</p>", "", 2, 0);
  CHECK(rig.fake.last_mention_filtered());
  rig.fake.AddMention("troll@bad.example", "<p>insult</p>", "", 400, 3);
  CHECK(rig.fake.last_mention_filtered());
  // 45 more from new accounts: paging forward keeps asking for filtered ones.
  for (int i = 0; i < 45; ++i) rig.fake.AddMention("new" + std::to_string(i) + "@new.example", "<p>spam</p>", "", 1, 0);

  // The fake withholds them as the server does when not asked.
  auto plain = rig.http->Get(rig.fake.url() + "/api/v1/notifications?types%5B%5D=mention&min_id=" + cursor,
                             {{"Authorization", "Bearer masto-token-123"}});
  REQUIRE(plain.ok());
  CHECK(nlohmann::json::parse(plain.value().body).empty());

  rig.fake.clear_requests_for_test();
  auto b1 = rig.masto->FetchComments(cursor);
  REQUIRE(b1.ok());
  REQUIRE(b1.value().comments.size() == 47);
  CHECK(b1.value().comments[0].author_handle == "fresh@new.example");
  CHECK(b1.value().comments[0].text == "you people are vile");
  CHECK(b1.value().comments[1].author_handle == "troll@bad.example");
  auto pages = rig.fake.requests_to("GET", "/api/v1/notifications");
  REQUIRE(pages.size() == 3);  // 40 + 7 + an empty page
  for (const auto& page : pages) CHECK(Query(page, "include_filtered") == "true");

  // "drop" creates no notification at all: nothing to ask for.
  rig.fake.policy.for_new_accounts = "drop";
  CHECK(rig.fake.AddMention("gone@new.example", "<p>dropped</p>", "", 1, 0).empty());
}

TEST_CASE("mastodon: replies that do not mention us are read from the context of recent posts", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  auto old_post = rig.masto->Publish(Story("story:old"));
  REQUIRE(old_post.ok());
  rig.fake.SetCreatedAt(old_post.value().remote_id, "2026-11-10T00:00:00.000Z");  // 13 days: outside the window
  auto pub = rig.masto->Publish(Story("story:ctx"));
  REQUIRE(pub.ok());
  const std::string post = pub.value().remote_id;
  rig.fake.AddReply("late@example.org", "<p>on the old post</p>", old_post.value().remote_id);

  rig.fake.AddMention("parent42@school.social", "<p>Thank you</p>", post);  // notified
  std::string quiet = rig.fake.AddReply("quiet@example.org", "<p>no mention here</p>", post);
  // A chain 25 deep under it: deeper than the 20 levels a logged-out reader sees.
  std::string parent = quiet;
  std::vector<std::string> chain;
  for (int i = 0; i < 25; ++i) {
    parent = rig.fake.AddReply("deep" + std::to_string(i) + "@example.org", "<p>level " + std::to_string(i) + "</p>",
                               parent);
    chain.push_back(parent);
  }

  auto b0 = rig.masto->FetchComments("");
  REQUIRE(b0.ok());
  auto ids = Ids(b0.value());
  REQUIRE(ids.size() == 27);  // the notified reply once, the quiet one, the chain
  CHECK(b0.value().comments[0].author_handle == "parent42@school.social");
  CHECK(b0.value().comments[1].remote_id == quiet);
  CHECK(b0.value().comments[1].text == "no mention here");
  CHECK(b0.value().comments[1].kind == "reply");
  CHECK(b0.value().comments[1].parent_remote_id == post);
  CHECK(b0.value().comments[1].root_remote_id == post);
  CHECK(b0.value().comments.back().remote_id == chain.back());
  CHECK(b0.value().comments.back().parent_remote_id == chain[23]);
  CHECK(b0.value().comments.back().root_remote_id == post);
  CHECK(b0.value().comments.back().author_account_age_days == Approx(400.0));
  auto ctx = rig.fake.requests_to("GET", "/api/v1/statuses/" + post + "/context");
  REQUIRE_FALSE(ctx.empty());
  CHECK(ctx.back().header("Authorization") == "Bearer masto-token-123");  // the whole thread, not 60 / depth 20
  CHECK(rig.fake.requests_to("GET", "/api/v1/statuses/" + old_post.value().remote_id + "/context").empty());
  auto listed = rig.fake.requests_to("GET", "/api/v1/accounts/1/statuses");
  REQUIRE(listed.size() == 1);
  CHECK(Query(listed[0], "limit") == "20");
  CHECK(Query(listed[0], "exclude_replies") == "true");

  // Within the sweep interval threads are not read again.
  rig.fake.clear_requests_for_test();
  auto b1 = rig.masto->FetchComments(b0.value().next_cursor);
  REQUIRE(b1.ok());
  CHECK(b1.value().comments.empty());
  CHECK(rig.fake.requests_to("GET", "/api/v1/accounts/1/statuses").empty());

  // Later: only what is new, never what was delivered (and stored) before.
  std::string later = rig.fake.AddReply("later@example.org", "<p>a late reply</p>", chain[3]);
  rig.clock.Advance(net::Millis(5 * 60 * 1000));
  auto b2 = rig.masto->FetchComments(b1.value().next_cursor);
  REQUIRE(b2.ok());
  REQUIRE(Ids(b2.value()) == std::vector<std::string>{later});
  CHECK(b2.value().next_cursor != b1.value().next_cursor);
  // The store failed, so the caller asks again with its old cursor: the
  // thread reply comes again instead of being lost.
  rig.clock.Advance(net::Millis(5 * 60 * 1000));
  auto b3 = rig.masto->FetchComments(b1.value().next_cursor);
  REQUIRE(b3.ok());
  CHECK(Ids(b3.value()) == std::vector<std::string>{later});
  // Stored this time: nothing more.
  rig.clock.Advance(net::Millis(5 * 60 * 1000));
  auto b4 = rig.masto->FetchComments(b3.value().next_cursor);
  REQUIRE(b4.ok());
  CHECK(b4.value().comments.empty());
}

TEST_CASE("mastodon: the fake context limits a reader without a token as the server does", "[mastodon]") {
  Rig rig;
  auto pub = rig.masto->Publish(Story("story:limits"));
  REQUIRE(pub.ok());
  std::string parent = pub.value().remote_id;
  for (int i = 0; i < 25; ++i) parent = rig.fake.AddReply("d" + std::to_string(i) + "@example.org", "<p>x</p>", parent);
  auto anon = rig.http->Get(rig.fake.url() + "/api/v1/statuses/" + pub.value().remote_id + "/context");
  REQUIRE(anon.ok());
  CHECK(nlohmann::json::parse(anon.value().body)["descendants"].size() == 20);  // DESCENDANTS_DEPTH_LIMIT
  auto authed = rig.http->Get(rig.fake.url() + "/api/v1/statuses/" + pub.value().remote_id + "/context",
                              {{"Authorization", "Bearer masto-token-123"}});
  REQUIRE(authed.ok());
  CHECK(nlohmann::json::parse(authed.value().body)["descendants"].size() == 25);
}

TEST_CASE("mastodon: characters are counted as StatusLengthValidator counts them", "[mastodon]") {
  using outreach::CountMastodonCharacters;
  const std::string family = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";  // woman ZWJ girl: 1 grapheme
  CHECK(CountMastodonCharacters(family + family, 23) == 2);
  CHECK(CountMastodonCharacters("e\xCC\x81", 23) == 1);
  // A URL counts 23 wherever it stands, not only after a space.
  CHECK(CountMastodonCharacters("see https://aasr.example/a/very/long/path/indeed.", 23) == 4 + 23 + 1);
  CHECK(CountMastodonCharacters("(https://aasr.example/a/very/long/path/indeed)", 23) == 1 + 23 + 1);
  CHECK(CountMastodonCharacters("read:https://aasr.example/a/very/long/path/indeed", 23) == 5 + 23);
  CHECK(CountMastodonCharacters("https://en.wikipedia.org/wiki/Restraint_(medicine)", 23) == 23);
  CHECK(CountMastodonCharacters("https://aasr.example/x", 30) == 30);  // the instance's characters_reserved_per_url
  // ... but only what Mastodon links: not after a letter, not without a dot.
  CHECK(CountMastodonCharacters("foohttps://aasr.example/x", 23) == 25);
  CHECK(CountMastodonCharacters("https://localhost/x", 23) == 19);
  // `@user@domain` counts as `@user`; a local `@user` as written.
  CHECK(CountMastodonCharacters("@parent42@school.social thanks", 23) == 9 + 7);
  CHECK(CountMastodonCharacters("@aasr thanks", 23) == 12);
  CHECK(CountMastodonCharacters("mail me: someone@school.social", 23) == 30);  // not a mention
  CHECK(CountMastodonCharacters("https://mastodon.example/@aasr", 23) == 23);  // inside a URL
  CHECK(CountMastodonCharacters("   ", 23) == 0);                             // blank
}

TEST_CASE("mastodon: limits come from /api/v2/instance - cached - defaults when absent", "[mastodon]") {
  aasr::testing::TestDir dir("masto-limits");
  std::string png = dir.path() + "/graphic.png";
  std::ofstream(png, std::ios::binary) << std::string(200, 'x');
  SECTION("the instance's own limits") {
    Rig rig;
    rig.fake.max_characters = 1000;
    rig.fake.description_limit = 20;
    rig.fake.image_size_limit = 100;
    ComposedPost p = Story("story:long-ok");
    p.text = std::string(900, 'a');
    REQUIRE(rig.masto->Publish(p).ok());
    CHECK(rig.masto->capabilities().max_text == 1000);
    ComposedPost img = Story("story:img");
    img.images = {{png, "An alt text that is longer than twenty", "image/png"}};
    auto refused = rig.masto->Publish(img);
    REQUIRE_FALSE(refused.ok());
    REQUIRE(refused.errors().size() == 2);
    CHECK(refused.errors()[0].message.find("the instance allows 20") != std::string::npos);
    CHECK(refused.errors()[1].message.find("has 200 bytes; the instance takes images up to 100") != std::string::npos);
    CHECK(rig.fake.requests_to("POST", "/api/v2/media").empty());  // refused before uploading
    CHECK(rig.fake.requests_to("GET", "/api/v2/instance").size() == 1);  // cached
  }
  SECTION("an older server without the fields") {
    Rig rig;
    rig.fake.max_characters = -1;
    rig.fake.characters_reserved_per_url = -1;
    rig.fake.description_limit = -1;
    rig.fake.image_size_limit = -1;
    REQUIRE(rig.masto->CheckCredentials().ok());
    CHECK(rig.masto->capabilities().max_text == 500);
    ComposedPost img = Story("story:img");
    img.images = {{png, std::string(1501, 'a'), "image/png"}};
    auto refused = rig.masto->Publish(img);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.errors()[0].message.find("the instance allows 1500") != std::string::npos);
  }
}

TEST_CASE("mastodon: a post the old count refused is published - graphemes and remote mentions", "[mastodon]") {
  Rig rig;
  const std::string family = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  ComposedPost p = Story("story:count");
  // 440 + 1 + 9 (+ " " + 20 families) + " " + 23 = 495 as the server counts;
  // as code points (each family 3, the mention 37) it was 575.
  p.text = std::string(440, 'a') + " @parent42@school-district-nine.example.org";
  for (int i = 0; i < 20; ++i) p.text += family;
  p.text += " https://aasr.example/resources/restraint-and-seclusion";
  CHECK(outreach::CountMastodonCharacters(p.text, 23) == 440 + 1 + 9 + 20 + 1 + 23);
  auto r = rig.masto->Publish(p);
  REQUIRE(r.ok());
  CHECK(rig.fake.statuses().size() == 1);
  // And one over is refused before any request to post.
  p.text = std::string(478, 'a') + " https://aasr.example/x";  // 478 + 1 + 23 = 502
  p.idempotency_key = "story:count2";
  auto over = rig.masto->Publish(p);
  REQUIRE_FALSE(over.ok());
  CHECK(over.errors()[0].message == "text has 502 characters; the instance allows 500");
  CHECK(rig.fake.requests_to("POST", "/api/v1/statuses").size() == 1);
}

TEST_CASE("mastodon: an empty media bucket does not stop polling or moderation", "[mastodon]") {
  // rack_attack.rb throttle_api_media: 30 uploads per 30 minutes, a bucket
  // of its own; its 429 says X-RateLimit-Limit 30, Remaining 0.
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  aasr::testing::TestDir dir("masto-bucket");
  std::string png = dir.path() + "/graphic.png";
  std::ofstream(png, std::ios::binary) << "PNG";
  rig.fake.media_uploads_left = 0;
  ComposedPost p = Story("story:bucket");
  p.images = {{png, "A chart", "image/png"}};
  auto r = rig.masto->Publish(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message.find("HTTP 429") != std::string::npos);
  CHECK(rig.fake.statuses().empty());

  rig.fake.AddMention("troll@example.org", "<p>insult</p>", "");
  auto b = rig.masto->FetchComments("");
  REQUIRE(b.ok());
  REQUIRE(b.value().comments.size() == 1);
  CHECK(rig.masto->Moderate(ModerationAction::kBlock, b.value().comments[0]).ok());
  CHECK(rig.masto->Publish(Story("story:text-only")).ok());  // statuses are their own family too
  CHECK(rig.clock.sleeps().empty());
}

TEST_CASE("mastodon: every answer carries its bucket's X-RateLimit headers - an empty account-wide bucket waits for its reset", "[mastodon]") {
  // RateLimitHeaders: the most limited throttle that applies; the
  // account-wide 300 per 5 minutes at 0 refuses every call until its reset.
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  auto answer = rig.http->Get(rig.fake.url() + "/api/v1/accounts/verify_credentials",
                              {{"Authorization", "Bearer masto-token-123"}});
  REQUIRE(answer.ok());
  CHECK(answer.value().header("X-RateLimit-Limit") == "300");
  CHECK(answer.value().header("X-RateLimit-Remaining") == "297");
  CHECK(answer.value().header("X-RateLimit-Reset") == "2026-11-23T01:05:00.000000Z");
  auto posted = rig.masto->Publish(Story("story:headers"));
  REQUIRE(posted.ok());
  auto creates = rig.fake.requests_to("POST", "/api/v1/statuses");
  REQUIRE(creates.size() == 1);

  // The bucket is empty after the notifications call: the thread sweep
  // that follows waits for 01:05 (the server's reset), then goes on;
  // nothing fails, and a media bucket is not what was at 0.
  rig.fake.api_requests_left = 1;
  rig.fake.AddMention("troll@example.org", "<p>insult</p>", "");
  auto b = rig.masto->FetchComments("");
  REQUIRE(b.ok());
  REQUIRE(b.value().comments.size() == 1);
  CHECK(rig.clock.Now() >= *net::ParseRfc3339("2026-11-23T01:05:00Z"));
  CHECK(rig.fake.requests_to("GET", "/api/v1/statuses/" + posted.value().remote_id + "/context").size() == 1);
  CHECK(rig.masto->Moderate(ModerationAction::kBlock, b.value().comments[0]).ok());
  CHECK(rig.fake.blocked.size() == 1);
}

TEST_CASE("mastodon: after the idempotency hour a post with a link - a hashtag and a remote mention is found not posted twice", "[mastodon]") {
  Rig rig;
  ComposedPost p = Story("story:reconcile");
  p.text = "Restraint is not therapy.\n\nRead https://aasr.example/resources/restraint-and-seclusion-in-schools "
           "#NoRestraint & thanks @parent42@school.social";
  rig.fake.AddFault({"/api/v1/statuses", FakeMastodon::Fault::Kind::kSlow, 0, 4000});  // posted, answer lost
  auto first = rig.masto->Publish(p);
  REQUIRE(first.ok());  // the retry within the hour got the same status by key
  REQUIRE(rig.fake.statuses().size() == 1);
  const std::string html = rig.fake.statuses()[0]["content"];
  // Rendered as Mastodon renders it.
  CHECK(html.find("<span class=\"invisible\">https://</span><span class=\"ellipsis\">aasr.example/resources/restrai</span>") !=
        std::string::npos);
  CHECK(html.find("<a href=\"https://mastodon.example/tags/NoRestraint\" class=\"mention hashtag\" rel=\"tag\">#<span>NoRestraint</span></a>") !=
        std::string::npos);
  CHECK(html.find("<span class=\"h-card\" translate=\"no\"><a href=\"https://school.social/@parent42\" class=\"u-url mention\">@<span>parent42</span></a></span>") !=
        std::string::npos);
  CHECK(html.rfind("<p>Restraint is not therapy.</p><p>Read ", 0) == 0);
  CHECK(html.find("&amp; thanks") != std::string::npos);

  // Within the hour the key still answers the first status.
  rig.clock.Advance(std::chrono::seconds(3599));
  auto again = rig.masto->Publish(p);
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == first.value().remote_id);
  CHECK(rig.fake.statuses().size() == 1);
  // An hour after it was stored the server has forgotten the key (redis
  // setex 3,600 s): reconciliation must match by text.
  rig.clock.Advance(std::chrono::seconds(1));
  auto found = rig.masto->FindPublished(p);
  REQUIRE(found.ok());
  REQUIRE(found.value().has_value());
  CHECK(found.value()->remote_id == first.value().remote_id);
  CHECK(rig.fake.statuses().size() == 1);
  // A different post is not taken for it.
  ComposedPost other = p;
  other.text += " (updated)";
  auto not_found = rig.masto->FindPublished(other);
  REQUIRE(not_found.ok());
  CHECK_FALSE(not_found.value().has_value());
  CHECK(ComparableStatusText("@a@b.example hi") == ComparableStatusText("@a hi"));
  // And the key no longer protects: the same request now posts twice, which
  // is why the outbox asks FindPublished before any retry.
  auto twice = rig.masto->Publish(p);
  REQUIRE(twice.ok());
  CHECK(twice.value().remote_id != first.value().remote_id);
  CHECK(rig.fake.statuses().size() == 2);
}

// Issue 17: an account created in 1678 made `now - created` overflow int64
// nanoseconds; the age is computed in double days.
TEST_CASE("mastodon: a notification parses without a network - any account date", "[mastodon]") {
  const net::WallTime now = *net::ParseRfc3339("2026-11-23T01:00:00Z");
  const nlohmann::json n = nlohmann::json::parse(
      R"({"id":"5","type":"mention","account":{"id":"7","acct":"old","created_at":"1678-01-01T00:00:00Z"},)"
      R"("status":{"id":"9","content":"<p>hi</p>","in_reply_to_id":null}})");
  const auto c = MastodonPlatform::CommentFromNotification(n, now);
  REQUIRE(c.has_value());
  CHECK(c->kind == "mention");
  CHECK(c->root_remote_id == "9");
  REQUIRE(c->author_account_age_days.has_value());
  CHECK(*c->author_account_age_days > 348.0 * 365);
  CHECK_FALSE(MastodonPlatform::CommentFromNotification(nlohmann::json::array(), now).has_value());
  CHECK_FALSE(MastodonPlatform::CommentFromNotification(nlohmann::json::parse(R"({"type":"favourite"})"), now));
}

TEST_CASE("mastodon: a quote of our post arrives and hide revokes it (4.5)", "[mastodon]") {
  // Notification type "quote" (4.5) and POST /api/v1/statuses/:id/quotes/
  // :quoting_status_id/revoke (docs: methods/statuses.md#revoke_quote).
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  auto ours = rig.masto->Publish(Story("k-quoted"));
  REQUIRE(ours.ok());
  rig.fake.policy.for_new_accounts = "filter";  // quotes are filtered as mentions are
  const std::string quote_id =
      rig.fake.AddQuote("dunker@remote.example", "<p>look at these clowns</p>", ours.value().remote_id, "accepted", 3);
  CHECK(rig.fake.last_mention_filtered());
  auto b = rig.masto->FetchComments("");
  REQUIRE(b.ok());
  REQUIRE(b.value().comments.size() == 1);
  const FetchedComment& q = b.value().comments[0];
  CHECK(q.kind == "quote");
  CHECK(q.remote_id == quote_id);
  CHECK(q.parent_remote_id == ours.value().remote_id);
  CHECK(q.root_remote_id == ours.value().remote_id);
  CHECK(q.text == "look at these clowns");
  auto asked = rig.fake.requests_to("GET", "/api/v1/notifications");
  REQUIRE_FALSE(asked.empty());
  int quote_types = 0;
  for (const auto& [k, v] : asked[0].query) quote_types += k == "types[]" && v == "quote";
  CHECK(quote_types == 1);

  // Hide revokes the quote: our post is detached; nothing else is done.
  REQUIRE(rig.masto->Moderate(ModerationAction::kHide, q).ok());
  CHECK(rig.fake.QuoteState(quote_id) == "revoked");
  CHECK(rig.fake.requests_to("POST", "/api/v1/statuses/" + ours.value().remote_id + "/quotes/" + quote_id +
                                         "/revoke").size() == 1);
  CHECK(rig.fake.blocked.empty());
  CHECK(rig.fake.reports.empty());
  // A revoked quote cannot be shown again: unhide says so.
  Status unhide = rig.masto->Moderate(ModerationAction::kUnhide, q);
  REQUIRE_FALSE(unhide.ok());
  CHECK(unhide.errors()[0].code == ErrorCode::kUnsupported);
  CHECK(unhide.errors()[0].subject == "not unhidden on Mastodon");
  CHECK(rig.fake.QuoteState(quote_id) == "revoked");
  // Hiding it again does not revoke twice (nothing of ours is quoted now)
  // and falls back to the reply's hide_policy.
  Status again = rig.masto->Moderate(ModerationAction::kHide, q);
  REQUIRE_FALSE(again.ok());
  CHECK(again.errors()[0].subject == "not hidden on Mastodon");
}

TEST_CASE("mastodon: hide of a quote on a server before 4.5 falls back and says so", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  auto ours = rig.masto->Publish(Story("k-quoted-old"));
  REQUIRE(ours.ok());
  rig.fake.before_4_5 = true;  // 4.4 shows quotes, has no quote notifications or revoke route
  const std::string quote_id = rig.fake.AddQuote("dunker@remote.example", "<p>clowns</p>", ours.value().remote_id);
  FetchedComment q;
  q.remote_id = quote_id;
  q.parent_remote_id = q.root_remote_id = ours.value().remote_id;
  auto st = rig.http->Get(rig.fake.url() + "/api/v1/statuses/" + quote_id, {{"Authorization", "Bearer masto-token-123"}});
  REQUIRE(st.ok());
  q.author_id = nlohmann::json::parse(st.value().body)["account"]["id"];
  Status hide = rig.masto->Moderate(ModerationAction::kHide, q);
  REQUIRE_FALSE(hide.ok());
  CHECK(hide.errors()[0].code == ErrorCode::kUnsupported);
  CHECK(hide.errors()[0].subject == "not hidden on Mastodon");
  CHECK(hide.errors()[0].message.rfind("the quote could not be revoked", 0) == 0);
  CHECK(rig.fake.QuoteState(quote_id) == "accepted");
  CHECK(rig.fake.blocked.size() == 1);
  CHECK(rig.fake.reports.size() == 1);
}

TEST_CASE("mastodon: the fake refuses a revoke of a quote of someone else's status - 403 - and an unknown quote - 404", "[mastodon]") {
  Rig rig;
  REQUIRE(rig.masto->CheckCredentials().ok());
  auto ours = rig.masto->Publish(Story("k-quoted-403"));
  REQUIRE(ours.ok());
  const std::string theirs = rig.fake.AddReply("other@example.org", "<p>my post</p>", "");
  const std::string quote_of_theirs = rig.fake.AddQuote("dunker@remote.example", "<p>ha</p>", theirs);
  auto post = [&](const std::string& path) {
    net::Request req;
    req.method = "POST";
    req.url = rig.fake.url() + path;
    req.headers = {{"Authorization", "Bearer masto-token-123"}};
    return rig.http->Send(req);
  };
  auto forbidden = post("/api/v1/statuses/" + theirs + "/quotes/" + quote_of_theirs + "/revoke");
  REQUIRE(forbidden.ok());
  CHECK(forbidden.value().status == 403);
  CHECK(nlohmann::json::parse(forbidden.value().body)["error"] == "This action is not allowed");
  auto unknown = post("/api/v1/statuses/" + ours.value().remote_id + "/quotes/" + theirs + "/revoke");
  REQUIRE(unknown.ok());
  CHECK(unknown.value().status == 404);
  // Our adapter never asks: a quote of another account's status is no quote of ours.
  FetchedComment c;
  c.remote_id = quote_of_theirs;
  c.author_id = "5001";
  Status hide = rig.masto->Moderate(ModerationAction::kHide, c);
  REQUIRE_FALSE(hide.ok());
  CHECK(hide.errors()[0].message.rfind("Mastodon cannot hide a reply", 0) == 0);
  CHECK(rig.fake.requests_to("POST", "/api/v1/statuses/" + theirs + "/quotes/").size() == 1);  // the 403 above only
}
