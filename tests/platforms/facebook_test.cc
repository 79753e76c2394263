// FacebookPlatform against FakeFacebook, and the webhook verifier.
#include <fstream>

#include <catch2/catch.hpp>

#include "bot/net/rfc3339.h"
#include "bot/platforms/facebook.h"
#include "bot/platforms/facebook_webhook.h"
#include "tests/platforms/fake_facebook.h"
#include "tests/platforms/test_dir.h"

using namespace aasr;
using namespace aasr::platforms;
using aasr::testing::FakeFacebook;

namespace {

const net::WallTime kNow = *net::ParseRfc3339("2026-11-23T01:00:00Z");
const int64_t kT = 1795395600;  // kNow in seconds

struct Rig {
  explicit Rig(net::Millis timeout = net::Millis(2000)) : clock(kNow), random(3) {
    net::Options o;
    o.subject = "aasr-fb";
    o.timeout = timeout;
    o.base_backoff = net::Millis(100);
    http = std::make_unique<net::HttpClient>(o, &clock, &random);
    FacebookConfig c;
    c.account = "aasr-fb";
    c.graph = fake.url();
    c.page_id = "104857600000001";
    c.token = "EAAG-page-token";
    c.app_secret = "app-secret-xyz";
    fb = std::make_unique<FacebookPlatform>(c, http.get(), &clock);
  }
  FakeFacebook fake;
  net::FakeClock clock;
  net::SeededRandom random;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<FacebookPlatform> fb;
};

ComposedPost Story(const std::string& key) {
  ComposedPost p;
  p.account = "aasr-fb";
  p.text = "Volunteer spotlight: parents and advocates working to end restraint and seclusion.";
  p.link = "https://aasr.example/volunteer-spotlight";
  p.idempotency_key = key;
  return p;
}

std::string Png(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << "\x89PNG fake";
  return path;
}

}  // namespace

TEST_CASE("facebook: credentials - and the Graph error object in messages", "[facebook]") {
  Rig rig;
  REQUIRE(rig.fb->CheckCredentials().ok());
  auto seen = rig.fake.requests_to("GET", "104857600000001");
  REQUIRE_FALSE(seen.empty());
  FacebookConfig c;
  c.account = "aasr-fb";
  c.graph = rig.fake.url();
  c.page_id = "104857600000001";
  c.token = "EAAG-wrong";
  FacebookPlatform wrong(c, rig.http.get(), &rig.clock);
  Status s = wrong.CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message.rfind("HTTP 400: OAuthException 190: Invalid OAuth access token - Cannot parse access token", 0) == 0);
  CHECK(s.errors()[0].code == ErrorCode::kAuth);
  CHECK(s.errors()[0].ToString().find("EAAG-wrong") == std::string::npos);
}

TEST_CASE("facebook: link post to the page feed with appsecret_proof", "[facebook]") {
  Rig rig;
  auto r = rig.fb->Publish(Story("story:spotlight:aasr-fb"));
  REQUIRE(r.ok());
  REQUIRE(rig.fake.posts.size() == 1);
  CHECK(rig.fake.posts[0].message == Story("").text);
  CHECK(rig.fake.posts[0].link == "https://aasr.example/volunteer-spotlight");
  CHECK(r.value().remote_id == rig.fake.posts[0].id);
  CHECK(r.value().url == "https://www.facebook.com/" + rig.fake.posts[0].id);
  auto feed = rig.fake.requests_to("POST", "/feed");
  REQUIRE(feed.size() == 1);
  CHECK(feed[0].header("Content-Type") == "application/x-www-form-urlencoded");
  // The token goes in the body, never the URL of a POST.
  CHECK(feed[0].target.find("access_token") == std::string::npos);
}

TEST_CASE("facebook: photos carry alt text - several are attached to one post", "[facebook]") {
  Rig rig;
  aasr::testing::TestDir dir("fb-photos");
  ComposedPost one = Story("story:one-photo");
  one.link.clear();
  one.images = {{Png(dir.path(), "a.png"), "A classroom with an empty seclusion room door", "image/png"}};
  REQUIRE(rig.fb->Publish(one).ok());
  REQUIRE(rig.fake.posts.size() == 1);
  CHECK(rig.fake.posts[0].photos == std::vector<std::string>{"A classroom with an empty seclusion room door"});
  auto up = rig.fake.requests_to("POST", "/photos");
  REQUIRE(up.size() == 1);
  CHECK(up[0].body.find("name=\"source\"; filename=\"a.png\"") != std::string::npos);

  ComposedPost two = Story("story:two-photos");
  two.text = "Two graphics from our anniversary fundraiser.";
  two.images = {{Png(dir.path(), "b.png"), "Chart one", "image/png"}, {Png(dir.path(), "c.png"), "Chart two", "image/png"}};
  REQUIRE(rig.fb->Publish(two).ok());
  REQUIRE(rig.fake.posts.size() == 2);
  CHECK(rig.fake.posts[1].photos == std::vector<std::string>{"Chart one", "Chart two"});
  CHECK(rig.fake.posts[1].attached.size() == 2);
}

TEST_CASE("facebook: a lost answer is not retried blindly and the next attempt finds the post", "[facebook]") {
  Rig rig(net::Millis(1000));
  rig.fake.AddFault({"/feed", FakeFacebook::Fault::Kind::kSlow, 4000});
  auto first = rig.fb->Publish(Story("story:lost"));
  REQUIRE_FALSE(first.ok());  // unknown outcome, reported
  CHECK(rig.fake.requests_to("POST", "/feed").size() == 1);
  CHECK(rig.fake.posts.size() == 1);  // the server did act
  auto second = rig.fb->Publish(Story("story:lost"));
  REQUIRE(second.ok());
  CHECK(second.value().remote_id == rig.fake.posts[0].id);
  CHECK(rig.fake.posts.size() == 1);
  CHECK(rig.fake.requests_to("POST", "/feed").size() == 1);
}

TEST_CASE("facebook: 500 on a post is not retried - the error carries Facebook's message", "[facebook]") {
  Rig rig;
  rig.fake.AddFault({"/feed", FakeFacebook::Fault::Kind::k500});
  auto r = rig.fb->Publish(Story("story:500"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message == "HTTP 500: OAuthException 1: An unknown error has occurred.");
  CHECK(rig.fake.requests_to("POST", "/feed").size() == 1);
}

TEST_CASE("facebook: comments across posts and pages - cursor - replay after a failed store", "[facebook]") {
  Rig rig;
  REQUIRE(rig.fb->Publish(Story("story:a")).ok());
  ComposedPost b = Story("story:b");
  b.text = "A second story.";
  REQUIRE(rig.fb->Publish(b).ok());
  std::string pa = rig.fake.posts[0].id, pb = rig.fake.posts[1].id;
  std::string c1 = rig.fake.AddComment(pa, "Jordan Parent", "Thank you for sharing.", kT - 300);
  std::string c2 = rig.fake.AddComment(pa, "Sam Teacher", "Our school stopped using restraint.", kT - 200);
  std::string c3 = rig.fake.AddComment(pa, "Alex", "Same here.", kT - 100, c2);
  std::string c4 = rig.fake.AddComment(pb, "Riley", "Where can I learn more?", kT - 50);
  auto b1 = rig.fb->FetchComments("");
  REQUIRE(b1.ok());
  REQUIRE(b1.value().comments.size() == 4);
  CHECK(b1.value().comments[0].remote_id == c1);
  CHECK(b1.value().comments[0].author_handle == "Jordan Parent");
  CHECK(b1.value().comments[0].root_remote_id == pa);
  CHECK(b1.value().comments[0].kind == "comment");
  CHECK(b1.value().comments[0].created_at == "2026-11-23T00:55:00.000Z");
  CHECK_FALSE(b1.value().comments[0].author_followers.has_value());
  CHECK(b1.value().comments[2].parent_remote_id == c2);
  CHECK(b1.value().comments[3].remote_id == c4);
  CHECK(rig.fake.requests_to("GET", "/comments").size() >= 3);  // paging.next followed

  // Nothing new.
  auto b2 = rig.fb->FetchComments(b1.value().next_cursor);
  REQUIRE(b2.ok());
  CHECK(b2.value().comments.empty());
  // A comment in the same second as the newest, and a later one.
  std::string c5 = rig.fake.AddComment(pb, "Casey", "Same second.", kT - 50);
  std::string c6 = rig.fake.AddComment(pa, "Drew", "Later.", kT);
  auto b3 = rig.fb->FetchComments(b1.value().next_cursor);
  REQUIRE(b3.ok());
  REQUIRE(b3.value().comments.size() == 2);
  CHECK(b3.value().comments[0].remote_id == c5);
  CHECK(b3.value().comments[1].remote_id == c6);
  // The store failed: the caller fetches again with the old cursor and gets the same two.
  auto replay = rig.fb->FetchComments(b1.value().next_cursor);
  REQUIRE(replay.ok());
  CHECK(replay.value().comments.size() == 2);

  // Truncated JSON: an error, and the cursor stays where it was.
  rig.fake.AddFault({"/comments", FakeFacebook::Fault::Kind::kTruncatedJson});
  auto broken = rig.fb->FetchComments(b3.value().next_cursor);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.errors()[0].message.find("not valid JSON") != std::string::npos);
  CHECK_FALSE(rig.fb->FetchComments("not json").ok());
}

TEST_CASE("facebook: hide - unhide - delete - block - and report says it is not offered", "[facebook]") {
  Rig rig;
  REQUIRE(rig.fb->Publish(Story("story:mod")).ok());
  std::string c = rig.fake.AddComment(rig.fake.posts[0].id, "Troll", "insult", kT - 10);
  auto batch = rig.fb->FetchComments("");
  REQUIRE(batch.ok());
  const FetchedComment& fc = batch.value().comments.at(0);
  REQUIRE(rig.fb->Moderate(ModerationAction::kHide, fc).ok());
  CHECK(rig.fake.comments[c]["is_hidden"] == true);
  REQUIRE(rig.fb->Moderate(ModerationAction::kUnhide, fc).ok());
  CHECK(rig.fake.comments[c]["is_hidden"] == false);
  REQUIRE(rig.fb->Moderate(ModerationAction::kBlock, fc).ok());
  CHECK(rig.fake.blocked == std::vector<std::string>{fc.author_id});
  Status report = rig.fb->Moderate(ModerationAction::kReport, fc);
  REQUIRE_FALSE(report.ok());
  CHECK(report.errors()[0].subject == "not reported on Facebook");
  REQUIRE(rig.fb->Moderate(ModerationAction::kDelete, fc).ok());
  CHECK(rig.fake.comments.count(c) == 0);
  CHECK(rig.fake.requests_to("DELETE", c).size() == 1);
}

TEST_CASE("webhook: hub.challenge handshake", "[facebook][webhook]") {
  FacebookWebhook hook("app-secret-xyz", "verify-me", nullptr);
  WebhookRequest get;
  get.method = "GET";
  get.query = {{"hub.mode", "subscribe"}, {"hub.verify_token", "verify-me"}, {"hub.challenge", "1158201444"}};
  WebhookResponse ok = hook.Handle(get);
  CHECK(ok.status == 200);
  CHECK(ok.body == "1158201444");
  get.query[1].second = "wrong";
  CHECK(hook.Handle(get).status == 403);
  get.query = {{"hub.mode", "subscribe"}, {"hub.challenge", "1"}};
  CHECK(hook.Handle(get).status == 403);
}

TEST_CASE("webhook: X-Hub-Signature-256 good accepted - missing 401 - bad or one byte altered 403", "[facebook][webhook]") {
  std::vector<nlohmann::json> events;
  FacebookWebhook hook("app-secret-xyz", "verify-me", [&](const nlohmann::json& e) { events.push_back(e); });
  std::string body =
      R"({"object":"page","entry":[{"id":"104857600000001","time":1795395600,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"1_2","message":"hello"}}]}]})";
  std::string sig = "sha256=" + HmacSha256Hex("app-secret-xyz", body);
  WebhookRequest post;
  post.method = "POST";
  post.raw_body = body;
  post.headers = {{"X-Hub-Signature-256", sig}};
  WebhookResponse good = hook.Handle(post);
  CHECK(good.status == 200);
  CHECK(good.body == "EVENT_RECEIVED");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["entry"][0]["changes"][0]["value"]["comment_id"] == "1_2");

  // Upper-case hex is the same signature.
  std::string upper = sig;
  std::transform(upper.begin() + 7, upper.end(), upper.begin() + 7, ::toupper);
  post.headers = {{"x-hub-signature-256", upper}};
  CHECK(hook.Handle(post).status == 200);

  post.headers.clear();
  CHECK(hook.Handle(post).status == 401);
  post.headers = {{"X-Hub-Signature-256", "sha256=" + std::string(64, '0')}};
  CHECK(hook.Handle(post).status == 403);
  post.headers = {{"X-Hub-Signature-256", "sha1=" + HmacSha256Hex("app-secret-xyz", body)}};
  CHECK(hook.Handle(post).status == 403);
  post.headers = {{"X-Hub-Signature-256", "sha256=zz" + sig.substr(9)}};
  CHECK(hook.Handle(post).status == 403);
  // One byte of the body changed: rejected.
  for (size_t at : {size_t(0), body.size() / 2, body.size() - 1}) {
    WebhookRequest altered = post;
    altered.headers = {{"X-Hub-Signature-256", sig}};
    altered.raw_body[at] = static_cast<char>(altered.raw_body[at] ^ 0x01);
    CHECK(hook.Handle(altered).status == 403);
  }
  // Signed with another secret: rejected.
  post.headers = {{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex("other-secret", body)}};
  CHECK(hook.Handle(post).status == 403);
  CHECK(events.size() == 2);  // only the two good ones were delivered

  // A correctly signed body that is not JSON.
  post.raw_body = "not json";
  post.headers = {{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex("app-secret-xyz", "not json")}};
  CHECK(hook.Handle(post).status == 400);
  // Known HMAC-SHA256 vector (RFC 4231 test case 2).
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// Issue 17: a created_time no WallTime holds (1e15 s) overflowed the
// nanosecond conversion; it is reported with the entry, and the comment kept.
TEST_CASE("webhook: a created_time out of range is a named error, not an overflow", "[facebook][webhook]") {
  const nlohmann::json event = nlohmann::json::parse(
      R"({"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{"item":"comment","verb":"add",)"
      R"("comment_id":"1_2","message":"hello","created_time":1000000000000000}}]}]})");
  Errors errors;
  const auto comments = CommentsFromWebhookEvent(event, &errors);
  REQUIRE(comments.size() == 1);
  CHECK(comments[0].created_at.empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.file == "webhook entry[0].changes[0]");
  CHECK(errors[0].subject == "value.created_time");
  CHECK(errors[0].message == "created_time 1000000000000000 is not a time between 1677 and 2262");
}

// The Graph API comment parser FetchComments uses, without a network.
TEST_CASE("Graph API comments parse without a network", "[facebook]") {
  int64_t t = -1;
  const auto c = FacebookPlatform::CommentFromGraph(
      nlohmann::json::parse(R"({"id":"1_3","message":"x","created_time":"9999-12-31T23:59:59+0000"})"), "1_1", &t);
  CHECK(c.remote_id == "1_3");
  CHECK(t == 0);  // a time WallTime cannot hold is unreadable, not an overflow
  CHECK(c.created_at == "9999-12-31T23:59:59+0000");
  CHECK(c.parent_remote_id == "1_1");
  CHECK(FacebookPlatform::CommentFromGraph(nlohmann::json(5), "1_1", &t).remote_id.empty());
}

namespace {

size_t Calls(FakeFacebook& fake) { return fake.requests().size(); }

ErrorCode CodeOf(const Status& s) { return s.ok() ? ErrorCode::kUnknown : s.errors()[0].code; }

}  // namespace

TEST_CASE("facebook: throttling codes 4 17 32 613 80001 as HTTP 400 or 403 back off without calling", "[facebook][throttle]") {
  const std::vector<std::pair<int, int>> cases = {{4, 403}, {17, 400}, {32, 400}, {613, 400}, {80001, 400}, {80001, 403}};
  for (const auto& [code, status] : cases) {
    INFO("Graph code " << code << ", HTTP " << status);
    Rig rig;
    FakeFacebook::Fault f;
    f.path_contains = "/posts";
    f.kind = FakeFacebook::Fault::Kind::kThrottle;
    f.graph_code = code;
    f.http_status = status;
    rig.fake.AddFault(f);
    auto r = rig.fb->FetchComments("");
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors()[0].code == ErrorCode::kRateLimited);
    CHECK(r.errors()[0].message.find(std::to_string(code)) != std::string::npos);
    const size_t calls = Calls(rig.fake);
    // While throttled, nothing reaches the Graph API: every call would fail
    // and count against the app.
    auto again = rig.fb->FetchComments("");
    REQUIRE_FALSE(again.ok());
    CHECK(again.errors()[0].code == ErrorCode::kRateLimited);
    CHECK(Calls(rig.fake) == calls);
    CHECK(CodeOf(rig.fb->CheckCredentials()) == ErrorCode::kRateLimited);
    CHECK(Calls(rig.fake) == calls);
    rig.clock.Advance(net::Millis(61 * 1000));
    CHECK(rig.fb->FetchComments("").ok());
    CHECK(Calls(rig.fake) > calls);
  }
}

TEST_CASE("facebook: a second throttle in a row waits longer - estimated_time_to_regain_access wins when longer", "[facebook][throttle]") {
  Rig rig;
  FakeFacebook::Fault f;
  f.path_contains = "104857600000001";
  f.kind = FakeFacebook::Fault::Kind::kThrottle;
  f.graph_code = 32;
  rig.fake.AddFault(f);
  rig.fake.AddFault(f);
  REQUIRE(CodeOf(rig.fb->CheckCredentials()) == ErrorCode::kRateLimited);
  rig.clock.Advance(net::Millis(61 * 1000));
  REQUIRE(CodeOf(rig.fb->CheckCredentials()) == ErrorCode::kRateLimited);  // the second throttle: 2 min
  rig.clock.Advance(net::Millis(61 * 1000));
  const size_t calls = Calls(rig.fake);
  CHECK(CodeOf(rig.fb->CheckCredentials()) == ErrorCode::kRateLimited);
  CHECK(Calls(rig.fake) == calls);
  rig.clock.Advance(net::Millis(60 * 1000));
  REQUIRE(rig.fb->CheckCredentials().ok());

  f.graph_code = 80001;
  f.regain_minutes = 19;
  rig.fake.AddFault(f);
  auto s = rig.fb->CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message.find("19 min") != std::string::npos);
  rig.clock.Advance(net::Millis(18 * 60 * 1000));
  CHECK(CodeOf(rig.fb->CheckCredentials()) == ErrorCode::kRateLimited);
  rig.clock.Advance(net::Millis(61 * 1000));
  CHECK(rig.fb->CheckCredentials().ok());
}

TEST_CASE("facebook: usage headers near 100 percent pause calls - below that nothing changes", "[facebook][throttle]") {
  Rig rig;
  rig.fake.app_usage = {{"call_count", 80}, {"total_time", 12}, {"total_cputime", 9}};
  REQUIRE(rig.fb->CheckCredentials().ok());
  REQUIRE(rig.fb->CheckCredentials().ok());
  rig.fake.app_usage = {{"call_count", 41}, {"total_time", 97}, {"total_cputime", 30}};
  REQUIRE(rig.fb->CheckCredentials().ok());  // answered; the next calls wait
  size_t calls = Calls(rig.fake);
  auto s = rig.fb->CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].code == ErrorCode::kRateLimited);
  CHECK(s.errors()[0].message.find("X-App-Usage at 97%") != std::string::npos);
  CHECK(Calls(rig.fake) == calls);
  rig.fake.app_usage = nullptr;
  rig.clock.Advance(net::Millis(5 * 60 * 1000 + 1000));
  REQUIRE(rig.fb->CheckCredentials().ok());

  // X-Page-Usage with its own estimate of when the Page is back.
  rig.fake.page_usage = {{"call_count", 100}, {"total_time", 20}, {"total_cputime", 20},
                         {"estimated_time_to_regain_access", 7}};
  REQUIRE(rig.fb->CheckCredentials().ok());
  rig.fake.page_usage = nullptr;
  rig.clock.Advance(net::Millis(6 * 60 * 1000));
  CHECK(CodeOf(rig.fb->CheckCredentials()) == ErrorCode::kRateLimited);
  rig.clock.Advance(net::Millis(61 * 1000));
  CHECK(rig.fb->CheckCredentials().ok());

  // X-Business-Use-Case-Usage, keyed by the business object.
  rig.fake.buc_usage = {{"104857600000001", {{{"type", "pages"}, {"call_count", 96}, {"total_cputime", 1},
                                              {"total_time", 1}, {"estimated_time_to_regain_access", 0}}}}};
  REQUIRE(rig.fb->CheckCredentials().ok());
  rig.fake.buc_usage = nullptr;
  Status paused = rig.fb->CheckCredentials();
  REQUIRE_FALSE(paused.ok());
  CHECK(paused.errors()[0].message.find("X-Business-Use-Case-Usage at 96%") != std::string::npos);
}

TEST_CASE("facebook: usage headers that are not the documented JSON count as absent", "[facebook][throttle]") {
  net::Headers h = {{"X-App-Usage", "{not json"},
                    {"X-Page-Usage", R"({"call_count": "99", "total_time": -5, "total_cputime": 1e400})"},
                    {"X-Business-Use-Case-Usage", R"({"1": {"call_count": 100}, "2": [7, null, {"total_time": 12}]})"}};
  FacebookPlatform::Usage u = FacebookPlatform::UsageFromHeaders(h);
  CHECK(u.percent == 12);
  CHECK(u.regain_minutes == 0);
  CHECK(u.header == "X-Business-Use-Case-Usage");
  u = FacebookPlatform::UsageFromHeaders({{"x-page-usage", R"({"call_count": 3, "estimated_time_to_regain_access": 1e300})"}});
  CHECK(u.percent == 3);
  CHECK(u.regain_minutes == 0);
}

TEST_CASE("facebook: Graph error codes map to ErrorCode by the code - never by the text", "[facebook]") {
  auto code = [](const std::string& body, int status) { return FacebookPlatform::CodeForGraphError(body, status); };
  auto graph = [](int c, int sub = 0) {
    nlohmann::json e = {{"message", "Application request limit reached"}, {"type", "OAuthException"}, {"code", c}};
    if (sub) e["error_subcode"] = sub;
    return nlohmann::json{{"error", e}}.dump();
  };
  for (int c : {4, 17, 32, 613, 80001, 80002, 80006}) CHECK(code(graph(c), 400) == ErrorCode::kRateLimited);
  CHECK(code(graph(4), 403) == ErrorCode::kRateLimited);
  CHECK(code(graph(190, 463), 400) == ErrorCode::kAuth);
  CHECK(code(graph(190, 460), 400) == ErrorCode::kAuth);
  CHECK(code(graph(102), 400) == ErrorCode::kAuth);
  CHECK(code(graph(1), 500) == ErrorCode::kTransient);
  CHECK(code(graph(2), 400) == ErrorCode::kTransient);
  CHECK(code(graph(100, 33), 400) == ErrorCode::kNotFound);
  CHECK(code(graph(100), 400) == ErrorCode::kRefused);
  CHECK(code(graph(10, 2018278), 400) == ErrorCode::kRefused);
  CHECK(code(graph(200), 403) == ErrorCode::kRefused);
  CHECK(code(graph(299), 400) == ErrorCode::kRefused);
  // The text says "limit" but the code decides.
  CHECK(code(graph(368), 400) == ErrorCode::kRefused);
  // No usable error object: the HTTP status decides.
  CHECK(code("<html>", 502) == ErrorCode::kTransient);
  CHECK(code(R"({"error": {"code": 1e300}})", 400) == ErrorCode::kRefused);
  CHECK(code(R"({"error": "x"})", 404) == ErrorCode::kNotFound);
  CHECK(code(R"({"error": {"code": 100, "is_transient": true}})", 400) == ErrorCode::kTransient);
}

TEST_CASE("facebook: an expired Page token (190 subcode 463) is an account error with kAuth", "[facebook]") {
  Rig rig;
  rig.fake.token_expired = true;
  Status s = rig.fb->CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].code == ErrorCode::kAuth);
  CHECK(s.errors()[0].subject == "aasr-fb");
  CHECK(s.errors()[0].message.find("Session has expired") != std::string::npos);
  CHECK(s.errors()[0].message.find("the Page access token has expired") != std::string::npos);
  CHECK(s.errors()[0].message.find("token_env") != std::string::npos);
  auto f = rig.fb->FetchComments("");
  REQUIRE_FALSE(f.ok());
  CHECK(HasCode(f.errors(), ErrorCode::kAuth));
  CHECK(s.errors()[0].ToString().find("EAAG-page-token") == std::string::npos);
}

TEST_CASE("facebook: the API version is the config's - default v26.0 - the fake serves any", "[facebook]") {
  CHECK(FacebookConfig{}.version == "v26.0");
  Rig rig;
  REQUIRE(rig.fb->CheckCredentials().ok());
  REQUIRE_FALSE(rig.fake.versions_seen.empty());
  CHECK(rig.fake.versions_seen.back() == "v26.0");
  FacebookConfig c;
  c.account = "aasr-fb";
  c.graph = rig.fake.url();
  c.version = "v24.0";
  c.page_id = "104857600000001";
  c.token = "EAAG-page-token";
  c.app_secret = "app-secret-xyz";
  FacebookPlatform older(c, rig.http.get(), &rig.clock);
  REQUIRE(older.CheckCredentials().ok());
  CHECK(rig.fake.versions_seen.back() == "v24.0");
  c.version = "latest";
  FacebookPlatform bad(c, rig.http.get(), &rig.clock);
  Status s = bad.CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message.find("Unknown path components") != std::string::npos);
}

TEST_CASE("facebook: the app subscribes to the Page's feed - accounts check says so - pages_manage_metadata missing is kAuth", "[facebook][webhook]") {
  Rig rig;
  FacebookConfig c;
  c.account = "aasr-fb";
  c.graph = rig.fake.url();
  c.page_id = "104857600000001";
  c.token = "EAAG-page-token";
  c.app_secret = "app-secret-xyz";
  c.subscribe_webhooks = true;
  {
    FacebookPlatform fb(c, rig.http.get(), &rig.clock);
    REQUIRE(fb.CheckCredentials().ok());
    CHECK(rig.fake.subscribed_fields == std::vector<std::string>{"feed"});
    auto posted = rig.fake.requests_to("POST", "/subscribed_apps");
    REQUIRE(posted.size() == 1);
    CHECK(posted[0].path == "/v26.0/104857600000001/subscribed_apps");
    CHECK(posted[0].body.find("subscribed_fields=feed") != std::string::npos);
    CHECK(fb.CredentialsNote() == "webhooks: subscribed to feed (aasr-bot)");
  }
  {
    // Polling subscribes once, at the first poll (the daemon's start).
    rig.fake.subscribed_fields.clear();
    FacebookPlatform fb(c, rig.http.get(), &rig.clock);
    REQUIRE(fb.FetchComments("").ok());
    REQUIRE(fb.FetchComments("").ok());
    CHECK(rig.fake.requests_to("POST", "/subscribed_apps").size() == 2);  // 1 above + 1 here
    CHECK(rig.fake.subscribed_fields == std::vector<std::string>{"feed"});
  }
  {
    rig.fake.subscribed_fields.clear();
    rig.fake.manage_metadata = false;
    FacebookPlatform fb(c, rig.http.get(), &rig.clock);
    Status s = fb.CheckCredentials();
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors()[0].code == ErrorCode::kAuth);
    CHECK(s.errors()[0].message.find("(#200) Requires pages_manage_metadata permission") != std::string::npos);
    CHECK(s.errors()[0].message.find("needs a Page token with the pages_manage_metadata permission") != std::string::npos);
    auto f = fb.FetchComments("");
    REQUIRE_FALSE(f.ok());
    CHECK(HasCode(f.errors(), ErrorCode::kAuth));
  }
  // Without webhooks (no verify token) nothing is subscribed, and the note says so.
  CHECK(rig.fb->CheckCredentials().ok());
  CHECK(rig.fb->CredentialsNote().find("not subscribed") != std::string::npos);
}

TEST_CASE("webhook: comment add - edited - remove - hide - unhide from the feed field", "[facebook][webhook]") {
  auto change = [](const std::string& verb, nlohmann::json extra) {
    nlohmann::json v = {{"item", "comment"}, {"verb", verb}, {"comment_id", "789_1001"}, {"post_id", "104857600000001_789"},
                        {"from", {{"id", "5550001"}, {"name", "Visitor"}}}, {"created_time", 1790000000}};
    if (extra.is_object()) v.update(extra);  // {} in a braced list is null, not an empty object
    return nlohmann::json{{"field", "feed"}, {"value", v}};
  };
  nlohmann::json event = {
      {"object", "page"},
      {"entry",
       {{{"id", "104857600000001"},
         {"time", 1790000100},
         {"changes",
          {change("add", {{"message", "first words"}}), change("edited", {{"message", "I know where you live."}}),
           change("hide", {}), change("unhide", {}), change("remove", {}),
           change("edited", {{"comment_id", ""}, {"message", "x"}}), change("edited", {}),
           nlohmann::json{{"field", "feed"}, {"value", {{"item", "reaction"}, {"verb", "add"}}}},
           change("block", {})}}}}}};
  Errors errors;
  auto changes = CommentChangesFromWebhookEvent(event, &errors);
  REQUIRE(changes.size() == 5);
  CHECK(changes[0].verb == CommentVerb::kAdd);
  CHECK(changes[1].verb == CommentVerb::kEdited);
  CHECK(changes[1].comment.text == "I know where you live.");
  CHECK(changes[2].verb == CommentVerb::kHide);
  CHECK(changes[3].verb == CommentVerb::kUnhide);
  CHECK(changes[4].verb == CommentVerb::kRemove);
  CHECK(changes[4].comment.remote_id == "789_1001");
  CHECK(changes[4].comment.root_remote_id == "104857600000001_789");
  CHECK(changes[4].comment.text.empty());
  CHECK(std::string(CommentVerbName(changes[4].verb)) == "remove");
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].where.file == "webhook entry[0].changes[5]");
  CHECK(errors[0].message == "a comment edited change needs comment_id and message");
  CHECK(errors[0].code == ErrorCode::kInvalidInput);
  CHECK(errors[1].where.file == "webhook entry[0].changes[6]");
  // The older view keeps add and edited only.
  Errors e2;
  CHECK(CommentsFromWebhookEvent(event, &e2).size() == 2);
}
