// BlueskyPlatform against the REAL AT Protocol reference implementation
// (@atproto/dev-env: PLC + PDS + AppView + Ozone), started by ctest's
// atproto fixture (tests/atproto/start.sh). Between the adapter and the PDS
// sits a loopback proxy that counts calls and can lose an answer or expire a
// token, so retries and session refresh are exercised for real.
// If the network is not running these tests FAIL with the reason; they never skip.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/net/http_client.h"
#include "bot/platforms/bluesky.h"
#include "bot/platforms/common.h"
#include "tests/net/loopback_server.h"
#include "tests/platforms/test_dir.h"

using namespace aasr;
using namespace aasr::platforms;
using aasr::testing::LoopbackServer;
using aasr::testing::ServerRequest;
using aasr::testing::ServerResponse;
using nlohmann::json;

namespace {

struct Testnet {
  std::string pds;
  std::string control;
};

// The running network, or a failure naming why it is not there.
Testnet LoadTestnet() {
  const char* state = std::getenv("AASR_ATPROTO_STATE");
  if (state == nullptr) {
    FAIL("AASR_ATPROTO_STATE is not set: run these tests through ctest (make test), whose atproto "
         "fixture starts the network with tests/atproto/start.sh");
  }
  auto text = ReadFile(state);
  if (!text.ok()) {
    std::string dir = std::filesystem::path(state).parent_path().string();
    auto why = ReadFile(dir + "/failure.txt");
    FAIL("the AT Protocol test network is not running (" + std::string(state) + " missing): " +
         (why.ok() ? why.value() : "see " + dir + "/testnet.log"));
  }
  json j = json::parse(text.value(), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return Testnet{j["pds"], j["control"]};
}

net::Options NetOptions(const std::string& subject) {
  net::Options o;
  o.subject = subject;
  o.timeout = net::Millis(15000);
  o.base_backoff = net::Millis(50);
  o.budgets = net::BlueskyBudgets();
  return o;
}

// Raw XRPC for the test's own moves (the second account, checks).
json Call(net::HttpClient& http, const std::string& base, const std::string& nsid, const json& body,
          const std::string& jwt = "") {
  net::Request r;
  r.method = body.is_null() ? "GET" : "POST";
  r.url = base + "/xrpc/" + nsid;
  r.headers = {{"Content-Type", "application/json"}};
  if (!jwt.empty()) r.headers.emplace_back("Authorization", "Bearer " + jwt);
  if (!body.is_null()) r.body = body.dump();
  auto resp = http.Send(r);
  REQUIRE(resp.ok());
  INFO(nsid << " -> " << resp.value().status << " " << resp.value().body);
  REQUIRE(resp.value().ok());
  return json::parse(resp.value().body);
}

void ProcessAll(net::HttpClient& http, const Testnet& net) {
  net::Request r;
  r.method = "POST";
  r.url = net.control + "/process";
  auto resp = http.Send(r);
  REQUIRE(resp.ok());
  INFO(resp.value().body);
  REQUIRE(resp.value().status == 200);
}

struct Account {
  std::string handle, password, did, jwt;
};

Account CreateAccount(net::HttpClient& http, const Testnet& net, const std::string& prefix) {
  static int n = 0;
  Account a;
  a.handle = prefix + std::to_string(::getpid() % 100000) + std::to_string(++n) + ".test";
  a.password = "pw-" + a.handle;
  json r = Call(http, net.pds, "com.atproto.server.createAccount",
                {{"handle", a.handle}, {"email", a.handle + "@example.org"}, {"password", a.password}});
  a.did = r["did"];
  a.jwt = r["accessJwt"];
  return a;
}

// A forwarding proxy in front of the PDS that counts calls by NSID and can
// lose the answer of the next createRecord or expire the next token.
class Proxy {
 public:
  explicit Proxy(std::string pds) : pds_(std::move(pds)), random_(1) {
    net::Options o = NetOptions("proxy");
    o.max_attempts = 1;
    http_ = std::make_unique<net::HttpClient>(o, net::SystemClock::Get(), &random_);
    server_ = std::make_unique<LoopbackServer>([this](const ServerRequest& r) { return Forward(r); });
  }
  std::string url() const { return server_->base_url(); }
  int count(const std::string& nsid) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[nsid];
  }
  bool lose_next_create_answer = false;
  bool expire_next_list = false;

 private:
  ServerResponse Forward(const ServerRequest& r) {
    std::string nsid = r.path.rfind("/xrpc/", 0) == 0 ? r.path.substr(6) : r.path;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_[nsid];
    }
    if (expire_next_list && nsid == "app.bsky.notification.listNotifications") {
      expire_next_list = false;
      return ServerResponse::Json(400, R"({"error":"ExpiredToken","message":"Token has expired"})");
    }
    net::Request f;
    f.method = r.method;
    f.url = pds_ + r.target;
    f.retry = false;
    for (const auto& [k, v] : r.headers) {
      std::string lk = k;
      std::transform(lk.begin(), lk.end(), lk.begin(), ::tolower);
      if (lk == "authorization" || lk == "content-type" || lk == "accept" || lk == "atproto-proxy") {
        f.headers.emplace_back(k, v);
      }
    }
    f.body = r.body;
    auto resp = http_->Send(f);
    if (!resp.ok()) return ServerResponse::Json(502, R"({"error":"ProxyFailed"})");
    ServerResponse out;
    out.status = resp.value().status;
    out.body = resp.value().body;
    std::string ct = resp.value().header("Content-Type");
    if (!ct.empty()) out.headers.emplace_back("Content-Type", ct);
    if (lose_next_create_answer && nsid == "com.atproto.repo.createRecord") {
      lose_next_create_answer = false;  // the PDS has written the record; the answer never arrives
      out.fault = ServerResponse::Fault::kCloseWithoutAnswer;
    }
    return out;
  }

  std::string pds_;
  net::SeededRandom random_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<LoopbackServer> server_;
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

// A real 1x1 PNG: the PDS sniffs uploaded blobs.
std::string WritePixel(const std::string& dir) {
  static const unsigned char kPng[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
      0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
      0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
      0x42, 0x60, 0x82};
  std::string path = dir + "/pixel.png";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(kPng), sizeof kPng);
  return path;
}

struct Rig {
  Rig() : random(11), http(NetOptions("testbot"), net::SystemClock::Get(), &random) {
    net = LoadTestnet();
    proxy = std::make_unique<Proxy>(net.pds);
    bot = CreateAccount(http, net, "testbot");
    BlueskyConfig c;
    c.account = "aasr-bsky";
    c.service = proxy->url();
    c.handle = bot.handle;
    c.password = bot.password;
    adapter_http = std::make_unique<net::HttpClient>(NetOptions("aasr-bsky"), net::SystemClock::Get(), &random);
    bsky = std::make_unique<BlueskyPlatform>(c, adapter_http.get(), net::SystemClock::Get());
  }
  net::SeededRandom random;
  net::HttpClient http;
  Testnet net;
  std::unique_ptr<Proxy> proxy;
  Account bot;
  std::unique_ptr<net::HttpClient> adapter_http;
  std::unique_ptr<BlueskyPlatform> bsky;
};

ComposedPost Story(const std::string& key) {
  ComposedPost p;
  p.account = "aasr-bsky";
  p.text = "New story: Five Year Anniversary https://aasr.example/five-years";
  p.facets = {{33, 64, Facet::Type::kLink, "https://aasr.example/five-years"}};
  p.idempotency_key = key;
  return p;
}

int CountPosts(Rig& rig) {
  json list = Call(rig.http, rig.net.pds,
                   "com.atproto.repo.listRecords?repo=" + rig.bot.did + "&collection=app.bsky.feed.post&limit=100",
                   nullptr);
  return static_cast<int>(list["records"].size());
}

}  // namespace

TEST_CASE("bluesky: post with image - alt and link facet - reply fetched - hidden - unhidden", "[bluesky][atproto]") {
  Rig rig;
  REQUIRE(rig.bsky->CheckCredentials().ok());
  CHECK(rig.bsky->did() == rig.bot.did);
  aasr::testing::TestDir dir("bsky-e2e");
  ComposedPost p = Story("story:five-year-anniversary:aasr-bsky");
  p.images = {{WritePixel(dir.path()), "Five candles on a cake with the AASR logo", "image/png"}};
  auto pub = rig.bsky->Publish(p);
  INFO(FormatErrors(pub.errors()));
  REQUIRE(pub.ok());
  std::string rkey = TidForKey(p.idempotency_key);
  CHECK(pub.value().remote_id == "at://" + rig.bot.did + "/app.bsky.feed.post/" + rkey);
  CHECK(pub.value().url == "https://bsky.app/profile/" + rig.bot.handle + "/post/" + rkey);

  // What the repo holds is what we meant.
  json rec = Call(rig.http, rig.net.pds,
                  "com.atproto.repo.getRecord?repo=" + rig.bot.did + "&collection=app.bsky.feed.post&rkey=" + rkey,
                  nullptr);
  const json& v = rec["value"];
  CHECK(v["text"] == p.text);
  CHECK(v["facets"][0]["index"]["byteStart"] == 33);
  CHECK(v["facets"][0]["index"]["byteEnd"] == 64);
  CHECK(v["facets"][0]["features"][0]["$type"] == "app.bsky.richtext.facet#link");
  CHECK(v["facets"][0]["features"][0]["uri"] == "https://aasr.example/five-years");
  CHECK(v["embed"]["$type"] == "app.bsky.embed.images");
  CHECK(v["embed"]["images"][0]["alt"] == "Five candles on a cake with the AASR logo");
  CHECK(v["embed"]["images"][0]["image"]["mimeType"] == "image/png");
  std::string created = v["createdAt"];
  CHECK(created.back() == 'Z');
  std::string post_cid = rec["cid"];

  // Let the AppView index our post before anyone answers it, as on the real
  // network: it indexes repos in parallel, and a reply indexed before its
  // parent yields no reply notification.
  ProcessAll(rig.http, rig.net);

  // A second account replies, mentions and quotes.
  Account parent = CreateAccount(rig.http, rig.net, "parent");
  json strong = {{"uri", pub.value().remote_id}, {"cid", post_cid}};
  json reply = Call(rig.http, rig.net.pds, "com.atproto.repo.createRecord",
                    {{"repo", parent.did},
                     {"collection", "app.bsky.feed.post"},
                     {"record",
                      {{"$type", "app.bsky.feed.post"},
                       {"text", "Our district still uses seclusion rooms. Thank you for this."},
                       {"createdAt", "2026-11-23T01:00:00.000Z"},
                       {"reply", {{"root", strong}, {"parent", strong}}}}}},
                    parent.jwt);
  std::string mention_text = "@" + rig.bot.handle + " do you have resources for parents?";
  json mention = Call(rig.http, rig.net.pds, "com.atproto.repo.createRecord",
                      {{"repo", parent.did},
                       {"collection", "app.bsky.feed.post"},
                       {"record",
                        {{"$type", "app.bsky.feed.post"},
                         {"text", mention_text},
                         {"createdAt", "2026-11-23T01:00:01.000Z"},
                         {"facets",
                          {{{"index", {{"byteStart", 0}, {"byteEnd", 1 + rig.bot.handle.size()}}},
                            {"features", {{{"$type", "app.bsky.richtext.facet#mention"}, {"did", rig.bot.did}}}}}}}}}},
                      parent.jwt);
  json quote = Call(rig.http, rig.net.pds, "com.atproto.repo.createRecord",
                    {{"repo", parent.did},
                     {"collection", "app.bsky.feed.post"},
                     {"record",
                      {{"$type", "app.bsky.feed.post"},
                       {"text", "Everyone should read this."},
                       {"createdAt", "2026-11-23T01:00:02.000Z"},
                       {"embed", {{"$type", "app.bsky.embed.record"}, {"record", strong}}}}}},
                    parent.jwt);
  ProcessAll(rig.http, rig.net);

  // processAll() drains the firehose into the AppView; notifications can
  // land a moment later, so poll a few rounds (bounded) before judging.
  auto batch = rig.bsky->FetchComments("");
  for (int round = 0; round < 20 && batch.ok() && batch.value().comments.size() < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ProcessAll(rig.http, rig.net);
    batch = rig.bsky->FetchComments("");
  }
  INFO(FormatErrors(batch.errors()));
  REQUIRE(batch.ok());
  std::string kinds;
  for (const auto& c : batch.value().comments) kinds += c.kind + " ";
  INFO("kinds fetched: " << kinds);
  REQUIRE(batch.value().comments.size() == 3);
  std::map<std::string, FetchedComment> by_kind;
  for (const auto& c : batch.value().comments) by_kind[c.kind] = c;
  REQUIRE(by_kind.count("reply"));
  REQUIRE(by_kind.count("mention"));
  REQUIRE(by_kind.count("quote"));
  const FetchedComment& c = by_kind["reply"];
  CHECK(c.remote_id == reply["uri"]);
  CHECK(c.text == "Our district still uses seclusion rooms. Thank you for this.");
  CHECK(c.author_handle == parent.handle);
  CHECK(c.author_id == parent.did);
  CHECK(c.root_remote_id == pub.value().remote_id);
  CHECK(c.parent_remote_id == pub.value().remote_id);
  CHECK(c.author_followers == 0.0);
  CHECK(by_kind["mention"].remote_id == mention["uri"]);
  CHECK(by_kind["quote"].remote_id == quote["uri"]);
  CHECK(by_kind["quote"].parent_remote_id == pub.value().remote_id);

  // Nothing new: the cursor holds.
  auto again = rig.bsky->FetchComments(batch.value().next_cursor);
  REQUIRE(again.ok());
  CHECK(again.value().comments.empty());
  // The store failed and the cursor was not saved: the same three come again.
  auto replay = rig.bsky->FetchComments("");
  REQUIRE(replay.ok());
  CHECK(replay.value().comments.size() == 3);

  // Hide: the root post's threadgate lists the reply; again is a no-op.
  REQUIRE(rig.bsky->Moderate(ModerationAction::kHide, c).ok());
  REQUIRE(rig.bsky->Moderate(ModerationAction::kHide, c).ok());
  json gate = Call(rig.http, rig.net.pds,
                   "com.atproto.repo.getRecord?repo=" + rig.bot.did + "&collection=app.bsky.feed.threadgate&rkey=" + rkey,
                   nullptr);
  CHECK(gate["value"]["post"] == pub.value().remote_id);
  REQUIRE(gate["value"]["hiddenReplies"].size() == 1);
  CHECK(gate["value"]["hiddenReplies"][0] == reply["uri"]);
  CHECK_FALSE(gate["value"].contains("allow"));  // replies stay open to everyone

  REQUIRE(rig.bsky->Moderate(ModerationAction::kUnhide, c).ok());
  gate = Call(rig.http, rig.net.pds,
              "com.atproto.repo.getRecord?repo=" + rig.bot.did + "&collection=app.bsky.feed.threadgate&rkey=" + rkey,
              nullptr);
  CHECK(gate["value"]["hiddenReplies"].empty());

  // Block and report.
  REQUIRE(rig.bsky->Moderate(ModerationAction::kBlock, c).ok());
  json blocks = Call(rig.http, rig.net.pds,
                     "com.atproto.repo.listRecords?repo=" + rig.bot.did + "&collection=app.bsky.graph.block", nullptr);
  REQUIRE(blocks["records"].size() == 1);
  CHECK(blocks["records"][0]["value"]["subject"] == parent.did);
  Status report = rig.bsky->Moderate(ModerationAction::kReport, by_kind["quote"]);
  INFO(FormatErrors(report.errors()));
  CHECK(report.ok());
  Status del = rig.bsky->Moderate(ModerationAction::kDelete, c);
  CHECK_FALSE(del.ok());

  // One login for all of it.
  CHECK(rig.proxy->count("com.atproto.server.createSession") == 1);
}

TEST_CASE("bluesky: a lost createRecord answer does not duplicate the post", "[bluesky][atproto]") {
  Rig rig;
  ComposedPost p = Story("story:lost-answer:aasr-bsky");
  rig.proxy->lose_next_create_answer = true;
  auto pub = rig.bsky->Publish(p);
  INFO(FormatErrors(pub.errors()));
  REQUIRE(pub.ok());
  CHECK(rig.proxy->count("com.atproto.repo.createRecord") >= 2);  // the retry happened
  CHECK(CountPosts(rig) == 1);
  auto again = rig.bsky->Publish(p);
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == pub.value().remote_id);
  CHECK(CountPosts(rig) == 1);
  auto found = rig.bsky->FindPublished(p.idempotency_key);
  REQUIRE(found.ok());
  REQUIRE(found.value().has_value());
  CHECK(found.value()->remote_id == pub.value().remote_id);
  auto missing = rig.bsky->FindPublished(std::string("story:never-posted"));
  REQUIRE(missing.ok());
  CHECK_FALSE(missing.value().has_value());
}

TEST_CASE("bluesky: an expired access token is refreshed - not a new login", "[bluesky][atproto]") {
  Rig rig;
  REQUIRE(rig.bsky->CheckCredentials().ok());
  rig.proxy->expire_next_list = true;
  auto batch = rig.bsky->FetchComments("");
  INFO(FormatErrors(batch.errors()));
  REQUIRE(batch.ok());
  CHECK(rig.bsky->session_creations() == 1);
  CHECK(rig.bsky->session_refreshes() == 1);
  CHECK(rig.proxy->count("com.atproto.server.createSession") == 1);
  CHECK(rig.proxy->count("com.atproto.server.refreshSession") == 1);
}

TEST_CASE("bluesky: a session file lets the next process refresh instead of logging in", "[bluesky][atproto]") {
  Rig rig;
  aasr::testing::TestDir dir("bsky-session");
  BlueskyConfig c;
  c.account = "aasr-bsky";
  c.service = rig.proxy->url();
  c.handle = rig.bot.handle;
  c.password = rig.bot.password;
  c.session_file = dir.path() + "/session.json";
  {
    BlueskyPlatform first(c, rig.adapter_http.get(), net::SystemClock::Get());
    REQUIRE(first.CheckCredentials().ok());
    CHECK(first.session_creations() == 1);
  }
  CHECK((std::filesystem::status(c.session_file).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  {
    BlueskyPlatform second(c, rig.adapter_http.get(), net::SystemClock::Get());
    REQUIRE(second.CheckCredentials().ok());
    CHECK(second.session_creations() == 0);
  }
  CHECK(rig.proxy->count("com.atproto.server.createSession") == 1);
  // A revoked access token in the cache: refreshed, still no new login.
  json cached = json::parse(ReadFile(c.session_file).value());
  cached["accessJwt"] = "not-a-valid-jwt";
  std::ofstream(c.session_file) << cached.dump();
  BlueskyPlatform third(c, rig.adapter_http.get(), net::SystemClock::Get());
  Status s = third.CheckCredentials();
  INFO(FormatErrors(s.errors()));
  REQUIRE(s.ok());
  CHECK(third.session_refreshes() + third.session_creations() == 1);
}

TEST_CASE("bluesky: bad password and over-long text are clear errors", "[bluesky][atproto]") {
  Rig rig;
  BlueskyConfig c;
  c.account = "aasr-bsky";
  c.service = rig.net.pds;
  c.handle = rig.bot.handle;
  c.password = "definitely-wrong";
  BlueskyPlatform wrong(c, rig.adapter_http.get(), net::SystemClock::Get());
  Status s = wrong.CheckCredentials();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message.find("HTTP 401: AuthenticationRequired") != std::string::npos);
  CHECK(s.errors()[0].ToString().find("definitely-wrong") == std::string::npos);

  ComposedPost p = Story("story:long");
  p.text = std::string(301, 'a');
  p.facets.clear();
  auto r = rig.bsky->Publish(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message == "text has 301 graphemes; Bluesky allows 300");
}

TEST_CASE("bluesky: mention and tag facets and an external link card", "[bluesky][atproto]") {
  Rig rig;
  Account friend_account = CreateAccount(rig.http, rig.net, "friend");
  ComposedPost p;
  p.account = "aasr-bsky";
  std::string mention = "@" + friend_account.handle;
  p.text = "Thank you " + mention + " for sharing your story #EndRestraint";
  uint32_t m_start = static_cast<uint32_t>(p.text.find(mention));
  uint32_t t_start = static_cast<uint32_t>(p.text.find("#EndRestraint"));
  p.facets = {{m_start, m_start + static_cast<uint32_t>(mention.size()), Facet::Type::kMention, friend_account.handle},
              {t_start, t_start + 13, Facet::Type::kTag, "EndRestraint"}};
  p.card = LinkCard{"https://aasr.example/stories/volunteer", "Volunteer spotlight",
                    "Parents and advocates working to end restraint and seclusion.", ""};
  p.idempotency_key = "story:facets-card:aasr-bsky";
  auto pub = rig.bsky->Publish(p);
  INFO(FormatErrors(pub.errors()));
  REQUIRE(pub.ok());
  auto u = ParseAtUri(pub.value().remote_id);
  REQUIRE(u.has_value());
  json rec = Call(rig.http, rig.net.pds,
                  "com.atproto.repo.getRecord?repo=" + rig.bot.did + "&collection=app.bsky.feed.post&rkey=" + u->rkey,
                  nullptr);
  const json& v = rec["value"];
  CHECK(v["facets"][0]["features"][0]["$type"] == "app.bsky.richtext.facet#mention");
  CHECK(v["facets"][0]["features"][0]["did"] == friend_account.did);  // the handle was resolved
  CHECK(v["facets"][1]["features"][0]["tag"] == "EndRestraint");
  CHECK(v["embed"]["$type"] == "app.bsky.embed.external");
  CHECK(v["embed"]["external"]["uri"] == "https://aasr.example/stories/volunteer");
  CHECK(v["embed"]["external"]["title"] == "Volunteer spotlight");
  CHECK(v["langs"][0] == "en");
}

TEST_CASE("TIDs: deterministic - valid - distinct", "[bluesky]") {
  std::string a = TidForKey("story:a");
  CHECK(a == TidForKey("story:a"));
  CHECK(a != TidForKey("story:b"));
  REQUIRE(a.size() == 13);
  CHECK(std::string("234567abcdefghij").find(a[0]) != std::string::npos);
  for (char ch : a) CHECK(std::string("234567abcdefghijklmnopqrstuvwxyz").find(ch) != std::string::npos);
  CHECK(EncodeTid(0, 0) == "2222222222222");
  auto u = ParseAtUri("at://did:plc:abc/app.bsky.feed.post/3kxyz");
  REQUIRE(u.has_value());
  CHECK(u->repo == "did:plc:abc");
  CHECK(u->rkey == "3kxyz");
  CHECK_FALSE(ParseAtUri("https://x/y").has_value());
}

TEST_CASE("bluesky: a reply is a proper reply record - root from the comment's own thread - read back with getPostThread",
          "[bluesky][atproto][replies]") {
  Rig rig;
  REQUIRE(rig.bsky->CheckCredentials().ok());
  CHECK(rig.bsky->capabilities().reply_public);
  CHECK_FALSE(rig.bsky->capabilities().reply_private);
  auto pub = rig.bsky->Publish(Story("story:replies-root:aasr-bsky"));
  REQUIRE(pub.ok());
  json root_rec = Call(rig.http, rig.net.pds,
                       "com.atproto.repo.getRecord?repo=" + rig.bot.did + "&collection=app.bsky.feed.post&rkey=" +
                           TidForKey("story:replies-root:aasr-bsky"),
                       nullptr);
  json root = {{"uri", pub.value().remote_id}, {"cid", root_rec["cid"]}};
  ProcessAll(rig.http, rig.net);

  // Two levels down: a parent answers our post, then answers themself; we
  // reply to the second, so the root is our post and the parent is theirs.
  Account parent = CreateAccount(rig.http, rig.net, "parent");
  json first = Call(rig.http, rig.net.pds, "com.atproto.repo.createRecord",
                    {{"repo", parent.did},
                     {"collection", "app.bsky.feed.post"},
                     {"record",
                      {{"$type", "app.bsky.feed.post"},
                       {"text", "My son came home with bruises again."},
                       {"createdAt", "2026-11-23T01:00:00.000Z"},
                       {"reply", {{"root", root}, {"parent", root}}}}}},
                    parent.jwt);
  json first_ref = {{"uri", first["uri"]}, {"cid", first["cid"]}};
  json second = Call(rig.http, rig.net.pds, "com.atproto.repo.createRecord",
                     {{"repo", parent.did},
                      {"collection", "app.bsky.feed.post"},
                      {"record",
                       {{"$type", "app.bsky.feed.post"},
                        {"text", "I do not know who to call."},
                        {"createdAt", "2026-11-23T01:00:01.000Z"},
                        {"reply", {{"root", root}, {"parent", first_ref}}}}}},
                     parent.jwt);
  ProcessAll(rig.http, rig.net);

  FetchedComment target;
  target.remote_id = second["uri"];
  target.author_id = parent.did;
  target.author_handle = parent.handle;
  ReplyRequest req;
  req.target = target;
  req.text = "We are so sorry. You can call or text 988 any time, and write to us here.";
  req.idempotency_key = "reply:item-7";
  auto sent = rig.bsky->Reply(req);
  INFO(FormatErrors(sent.errors()));
  REQUIRE(sent.ok());
  const std::string rkey = TidForKey("reply:reply:item-7");
  CHECK(sent.value().remote_id == "at://" + rig.bot.did + "/app.bsky.feed.post/" + rkey);
  CHECK(sent.value().url == "https://bsky.app/profile/" + rig.bot.handle + "/post/" + rkey);

  // The record in our repo: reply.root = our post, reply.parent = their post.
  json rec = Call(rig.http, rig.net.pds,
                  "com.atproto.repo.getRecord?repo=" + rig.bot.did + "&collection=app.bsky.feed.post&rkey=" + rkey,
                  nullptr);
  CHECK(rec["value"]["reply"]["root"] == root);
  CHECK(rec["value"]["reply"]["parent"] == json({{"uri", second["uri"]}, {"cid", second["cid"]}}));
  CHECK(rec["value"]["text"] == req.text);

  // The same key again: found, not written twice.
  const int before = CountPosts(rig);
  auto again = rig.bsky->Reply(req);
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == sent.value().remote_id);
  CHECK(CountPosts(rig) == before);
  auto found = rig.bsky->FindReply(req);
  REQUIRE(found.ok());
  REQUIRE(found.value());

  // The AppView sees it as a reply in the thread, under their second post.
  ProcessAll(rig.http, rig.net);
  json thread = Call(rig.http, rig.net.pds,
                     "app.bsky.feed.getPostThread?uri=" + net::UrlEncode(second["uri"].get<std::string>()), nullptr,
                     rig.bot.jwt);
  bool ours = false;
  for (const json& r : thread["thread"]["replies"]) {
    ours = ours || (r["post"]["uri"] == sent.value().remote_id && r["post"]["author"]["did"] == rig.bot.did);
  }
  CHECK(ours);
  CHECK(thread["thread"]["parent"]["post"]["uri"] == first["uri"]);

  req.is_private = true;
  auto priv = rig.bsky->Reply(req);
  REQUIRE_FALSE(priv.ok());
  CHECK(priv.errors()[0].message.find("private replies are not offered on Bluesky") != std::string::npos);
}
