// Replies through each adapter (issue 12 §1): Mastodon and Facebook against
// their fakes, which accept only the documented request shapes; the local
// platform's file. Bluesky's reply record is tested on the real AT Protocol
// network in bluesky_test.cc.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/net/rfc3339.h"
#include "bot/platforms/facebook.h"
#include "bot/platforms/local_platform.h"
#include "bot/platforms/mastodon.h"
#include "bot/platforms/replies.h"
#include "tests/platforms/fake_facebook.h"
#include "tests/platforms/fake_mastodon.h"
#include "tests/platforms/test_dir.h"

using namespace aasr;
using namespace aasr::platforms;
using aasr::testing::FakeFacebook;
using aasr::testing::FakeMastodon;
using nlohmann::json;

namespace {

const net::WallTime kNow = *net::ParseRfc3339("2026-11-23T01:00:00Z");
const int64_t kT = 1795395600;  // kNow in seconds

std::string FormValue(const aasr::testing::ServerRequest& r, const std::string& key) {
  for (const auto& [k, v] : r.form())
    if (k == key) return v;
  return "";
}

struct MastoRig {
  MastoRig() : clock(kNow), random(5) {
    net::Options o;
    o.subject = "aasr-masto";
    o.timeout = net::Millis(2000);
    o.base_backoff = net::Millis(100);
    o.budgets = net::MastodonBudgets();
    http = std::make_unique<net::HttpClient>(o, &clock, &random);
    MastodonConfig c;
    c.account = "aasr-masto";
    c.instance = fake.url();
    c.token = "masto-token-123";
    masto = std::make_unique<MastodonPlatform>(c, http.get(), &clock);
  }
  // Our post and a reply to it by parent42; the reply as intake stores it.
  FetchedComment Comment() {
    ComposedPost p;
    p.account = "aasr-masto";
    p.text = "Our new guide to records requests.";
    p.idempotency_key = "post-1";
    auto post = masto->Publish(p);
    REQUIRE(post.ok());
    FetchedComment c;
    c.remote_id = fake.AddReply("parent42@school.social", "<p>My son was restrained again today.</p>",
                                post.value().remote_id);
    c.parent_remote_id = post.value().remote_id;
    c.author_id = "2";
    c.author_handle = "parent42@school.social";
    return c;
  }
  FakeMastodon fake;
  net::FakeClock clock;
  net::SeededRandom random;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<MastodonPlatform> masto;
};

ReplyRequest Req(const FetchedComment& c, const std::string& text, const std::string& key, bool priv = false) {
  ReplyRequest r;
  r.target = c;
  r.text = text;
  r.idempotency_key = key;
  r.is_private = priv;
  return r;
}

}  // namespace

TEST_CASE("mastodon reply: in_reply_to_id, the author's handle first, Idempotency-Key", "[replies][mastodon]") {
  MastoRig rig;
  FetchedComment c = rig.Comment();
  auto caps = rig.masto->capabilities();
  CHECK(caps.reply_public);
  CHECK(caps.reply_private);
  CHECK(caps.max_reply_text == 500);
  rig.fake.clear_requests_for_test();
  auto sent = rig.masto->Reply(Req(c, "We are so sorry. Please write to us.", "reply-1"));
  REQUIRE(sent.ok());
  auto posts = rig.fake.requests_to("POST", "/api/v1/statuses");
  REQUIRE(posts.size() == 1);
  CHECK(FormValue(posts[0], "status") == "@parent42@school.social We are so sorry. Please write to us.");
  CHECK(FormValue(posts[0], "in_reply_to_id") == c.remote_id);
  CHECK(FormValue(posts[0], "visibility") == "public");
  CHECK(posts[0].header("Idempotency-Key") == "reply-1");
  const json& st = rig.fake.statuses().back();
  CHECK(st["id"] == sent.value().remote_id);
  CHECK(st["in_reply_to_id"] == c.remote_id);
  CHECK(sent.value().url == st["url"]);

  // The same key again (a lost answer): the server answers the same status.
  auto again = rig.masto->Reply(Req(c, "We are so sorry. Please write to us.", "reply-1"));
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == sent.value().remote_id);
}

TEST_CASE("mastodon private reply is a direct status that mentions the author", "[replies][mastodon]") {
  MastoRig rig;
  FetchedComment c = rig.Comment();
  rig.fake.clear_requests_for_test();
  auto sent = rig.masto->Reply(Req(c, "@parent42@school.social Can we talk privately?", "reply-2", true));
  REQUIRE(sent.ok());
  auto posts = rig.fake.requests_to("POST", "/api/v1/statuses");
  REQUIRE(posts.size() == 1);
  CHECK(FormValue(posts[0], "visibility") == "direct");
  // Already addressed: not mentioned twice.
  CHECK(FormValue(posts[0], "status") == "@parent42@school.social Can we talk privately?");
  CHECK(rig.fake.statuses().back()["visibility"] == "direct");
}

TEST_CASE("mastodon FindReply finds our reply after the Idempotency-Key hour, by text under the comment",
          "[replies][mastodon]") {
  MastoRig rig;
  FetchedComment c = rig.Comment();
  auto sent = rig.masto->Reply(Req(c, "Thank you for telling us. See https://endseclusion.org/ #ChildSafety", "reply-3"));
  REQUIRE(sent.ok());
  rig.fake.ExpireIdempotencyKeys();
  auto found = rig.masto->FindReply(Req(c, "Thank you for telling us. See https://endseclusion.org/ #ChildSafety", "reply-3"));
  REQUIRE(found.ok());
  REQUIRE(found.value());
  CHECK(found.value()->remote_id == sent.value().remote_id);
  auto other = rig.masto->FindReply(Req(c, "Something we never said.", "reply-4"));
  REQUIRE(other.ok());
  CHECK_FALSE(other.value());
}

TEST_CASE("mastodon reply errors: an unknown status is Mastodon's 404 - too long is refused before sending",
          "[replies][mastodon]") {
  MastoRig rig;
  FetchedComment c = rig.Comment();
  FetchedComment gone = c;
  gone.remote_id = "999999999";
  auto r = rig.masto->Reply(Req(gone, "Hello", "reply-5"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message.find("Record not found") != std::string::npos);
  rig.fake.clear_requests_for_test();
  auto long_one = rig.masto->Reply(Req(c, std::string(491, 'a'), "reply-6"));  // + "@parent42 " = 501
  REQUIRE_FALSE(long_one.ok());
  CHECK(long_one.errors()[0].message.find("the instance allows 500") != std::string::npos);
  CHECK(rig.fake.requests_to("POST", "/api/v1/statuses").empty());
  CHECK(CountReplyText("mastodon", ReplyText("mastodon", c, std::string(490, 'a'))) == 500);
}

namespace {

struct FbRig {
  FbRig() : clock(kNow), random(3) {
    net::Options o;
    o.subject = "aasr-fb";
    o.timeout = net::Millis(2000);
    o.base_backoff = net::Millis(100);
    http = std::make_unique<net::HttpClient>(o, &clock, &random);
    FacebookConfig c;
    c.account = "aasr-fb";
    c.graph = fake.url();
    c.page_id = "104857600000001";
    c.token = "EAAG-page-token";
    c.app_secret = "app-secret-xyz";
    fb = std::make_unique<FacebookPlatform>(c, http.get(), &clock);
    fake.now_unix = kT;
  }
  FetchedComment Comment(int64_t created) {
    FetchedComment c;
    c.remote_id = fake.AddComment("104857600000001_2001", "Dana Parent", "Our school secluded my daughter.", created);
    c.parent_remote_id = "104857600000001_2001";
    c.author_handle = "Dana Parent";
    return c;
  }
  FakeFacebook fake;
  net::FakeClock clock;
  net::SeededRandom random;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<FacebookPlatform> fb;
};

}  // namespace

TEST_CASE("facebook reply: POST /{comment-id}/comments with message - FindReply finds the Page's comment",
          "[replies][facebook]") {
  FbRig rig;
  FetchedComment c = rig.Comment(kT - 3600);
  auto sent = rig.fb->Reply(Req(c, "We are so sorry. Please message us.", "fb-1"));
  REQUIRE(sent.ok());
  auto posts = rig.fake.requests_to("POST", "/" + c.remote_id + "/comments");
  REQUIRE(posts.size() == 1);
  CHECK(FormValue(posts[0], "message") == "We are so sorry. Please message us.");
  CHECK(sent.value().url == "https://www.facebook.com/" + sent.value().remote_id);
  REQUIRE(rig.fake.comments.count(sent.value().remote_id));
  CHECK(rig.fake.comments[sent.value().remote_id]["from"]["id"] == "104857600000001");
  auto found = rig.fb->FindReply(Req(c, "We are so sorry. Please message us.", "fb-1"));
  REQUIRE(found.ok());
  REQUIRE(found.value());
  CHECK(found.value()->remote_id == sent.value().remote_id);
  auto none = rig.fb->FindReply(Req(c, "Not this one", "fb-2"));
  REQUIRE(none.ok());
  CHECK_FALSE(none.value());
}

TEST_CASE("facebook private reply: /{page-id}/messages recipient comment_id - once - within 7 days",
          "[replies][facebook]") {
  FbRig rig;
  FetchedComment c = rig.Comment(kT - 2 * 86400);
  auto sent = rig.fb->Reply(Req(c, "Can we talk privately?", "fb-3", true));
  REQUIRE(sent.ok());
  auto msgs = rig.fake.requests_to("POST", "/104857600000001/messages");
  REQUIRE(msgs.size() == 1);
  json body = json::parse(msgs[0].body);
  CHECK(body == json{{"recipient", {{"comment_id", c.remote_id}}}, {"message", {{"text", "Can we talk privately?"}}}});
  CHECK(msgs[0].header("Content-Type") == "application/json");
  CHECK(sent.value().remote_id.rfind("m_", 0) == 0);
  CHECK(rig.fake.private_replies.count(c.remote_id));

  auto second = rig.fb->Reply(Req(c, "And again?", "fb-4", true));
  REQUIRE_FALSE(second.ok());
  CHECK(second.errors()[0].message.find("Only one private reply") != std::string::npos);

  FetchedComment old = rig.Comment(kT - 8 * 86400);
  auto late = rig.fb->Reply(Req(old, "Sorry for the delay", "fb-5", true));
  REQUIRE_FALSE(late.ok());
  CHECK(late.errors()[0].message.find("outside of allowed window") != std::string::npos);
  CHECK_FALSE(rig.fake.private_replies.count(old.remote_id));

  // No lookup exists for a private reply: FindReply says so, never "not there".
  auto found = rig.fb->FindReply(Req(c, "Can we talk privately?", "fb-3", true));
  CHECK_FALSE(found.ok());
  auto caps = rig.fb->capabilities();
  CHECK(caps.max_private_reply_text == 2000);
  auto too_long = rig.fb->Reply(Req(c, std::string(2001, 'x'), "fb-6", true));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.errors()[0].message.find("allows 2000") != std::string::npos);
}

TEST_CASE("local reply: appended once per key to outbox/replies.jsonl", "[replies][local]") {
  aasr::testing::TestDir dir("replies-local");
  net::FakeClock clock(kNow);
  LocalPlatform local("local", dir.path(), &clock);
  FetchedComment c;
  c.remote_id = "c1";
  c.author_handle = "parent42";
  auto a = local.Reply(Req(c, "Thank you", "k1"));
  REQUIRE(a.ok());
  auto again = local.Reply(Req(c, "Thank you", "k1"));
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == a.value().remote_id);
  auto found = local.FindReply(Req(c, "Thank you", "k1"));
  REQUIRE(found.ok());
  REQUIRE(found.value());
  auto other = local.FindReply(Req(c, "Thank you", "k2"));
  REQUIRE(other.ok());
  CHECK_FALSE(other.value());
  REQUIRE(local.Reply(Req(c, "Private words", "k2", true)).ok());
  std::ifstream in(local.RepliesPath());
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["comment"] == "c1");
  CHECK(lines[0]["private"] == false);
  CHECK(lines[1]["private"] == true);
  CHECK(lines[1]["text"] == "Private words");
}

TEST_CASE("reply capabilities say plainly what each platform offers", "[replies]") {
  Capabilities b;
  SetReplyCapabilities("bluesky", &b);
  CHECK(b.reply_public);
  CHECK_FALSE(b.reply_private);
  CHECK(b.reply_note.find("Private messages are not offered") != std::string::npos);
  CHECK(b.max_reply_text == 300);
  Capabilities x;
  SetReplyCapabilities("myspace", &x);
  CHECK_FALSE(x.reply_public);
  CHECK(x.reply_note == "replies are not offered on myspace");
}
