// The replies outbox (store + sender) and the saved replies file.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/net/rfc3339.h"
#include "bot/platforms/local_platform.h"
#include "bot/replies/reply_store.h"
#include "bot/replies/saved.h"
#include "bot/replies/sender.h"
#include "bot/util/clock.h"
#include "tests/replies/test_db.h"
#include "aasr/build_paths.h"

using namespace aasr;
using namespace aasr::replies;
using aasr::testing::ReplyTestDb;

namespace {

const net::WallTime kNow = *net::ParseRfc3339("2026-11-23T01:00:00Z");

std::vector<store::AuditEntry> AuditOf(const store::StorePtr& s, int64_t item) {
  store::AuditFilter f;
  f.item_id = item;
  return s->Audit(f).value();
}

bool HasAction(const std::vector<store::AuditEntry>& a, const std::string& action) {
  for (const auto& e : a)
    if (e.action == action) return true;
  return false;
}

}  // namespace

TEST_CASE("enqueue records the intent and its audit row once per key", "[replies][store]") {
  ReplyTestDb db("enqueue");
  const int64_t item = db.Queue("local", "local", "c1", "parent42", "help");
  REQUIRE(item > 0);
  auto rs = ReplyStore::Open(db.path());
  REQUIRE(rs.ok());
  bool created = false;
  auto a = rs.value()->Enqueue({item, "We hear you.", false, "thanks-story", "mod1", "key-1"}, 1000, &created);
  REQUIRE(a.ok());
  CHECK(created);
  CHECK(a.value().state == ReplyState::kPlanned);
  CHECK(a.value().account == "local");
  CHECK(a.value().target.remote_id == "c1");
  CHECK(a.value().target.author_handle == "parent42");
  auto b = rs.value()->Enqueue({item, "We hear you.", false, "", "mod2", "key-1"}, 2000, &created);
  REQUIRE(b.ok());
  CHECK_FALSE(created);
  CHECK(b.value().id == a.value().id);
  CHECK(b.value().created_by == "mod1");
  CHECK(rs.value()->ForItem(item).value().size() == 1);
  auto audit = AuditOf(db.store(), item);
  int queued = 0;
  for (const auto& e : audit) queued += e.action == "reply.queued";
  CHECK(queued == 1);
  auto missing = rs.value()->Enqueue({item + 100, "x", false, "", "mod1", "key-2"}, 1000);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors()[0].message == "no such item");
}

TEST_CASE("the sender sends once, records the link and audits it", "[replies][sender]") {
  ReplyTestDb db("send");
  const int64_t item = db.Queue("local", "local", "c1", "parent42", "help");
  auto rs = ReplyStore::Open(db.path());
  REQUIRE(rs.ok());
  REQUIRE(rs.value()->Enqueue({item, "We hear you.", false, "", "mod1", "key-1"}, 0).ok());
  net::FakeClock wall(kNow);
  platforms::LocalPlatform local("local", db.dir() + "/local", &wall);
  ManualClock clock(1000);
  ReplySender sender(rs.value().get(), &clock);
  ReplyReport r = sender.SendDue("local", local);
  CHECK(r.sent == 1);
  CHECK(r.errors.empty());
  auto rows = rs.value()->ForItem(item).value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == ReplyState::kSent);
  CHECK(rows[0].url.rfind("file://", 0) == 0);
  CHECK(HasAction(AuditOf(db.store(), item), "reply.sent"));
  // Nothing due any more: a second round sends nothing.
  ReplyReport again = sender.SendDue("local", local);
  CHECK(again.sent == 0);
  std::ifstream in(local.RepliesPath());
  int lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  CHECK(lines == 1);
}

TEST_CASE("a row left sending is reconciled from the platform, not sent again", "[replies][sender]") {
  ReplyTestDb db("reconcile");
  const int64_t item = db.Queue("local", "local", "c1", "parent42", "help");
  auto rs = ReplyStore::Open(db.path());
  REQUIRE(rs.ok());
  auto row = rs.value()->Enqueue({item, "We hear you.", false, "", "mod1", "key-1"}, 0);
  REQUIRE(row.ok());
  net::FakeClock wall(kNow);
  platforms::LocalPlatform local("local", db.dir() + "/local", &wall);
  // The crash: marked sending, the platform took it, the result never recorded.
  REQUIRE(rs.value()->MarkSending(row.value().id, 10).ok());
  REQUIRE(local.Reply(row.value().Request()).ok());
  ManualClock clock(1000);
  ReplySender sender(rs.value().get(), &clock);
  ReplyReport r = sender.SendDue("local", local);
  CHECK(r.reconciled == 1);
  CHECK(r.sent == 0);
  CHECK(rs.value()->Get(row.value().id).value()->state == ReplyState::kSent);

  // And a row left sending that never reached the platform is sent (once).
  auto row2 = rs.value()->Enqueue({item, "Second words.", true, "", "mod1", "key-2"}, 0);
  REQUIRE(rs.value()->MarkSending(row2.value().id, 10).ok());
  ReplyReport r2 = sender.SendDue("local", local);
  CHECK(r2.sent == 1);
  CHECK(rs.value()->Get(row2.value().id).value()->state == ReplyState::kSent);
}

namespace {

// A platform whose replies fail the way a platform without replies says so.
class NoReplies : public platforms::LocalPlatform {
 public:
  using LocalPlatform::LocalPlatform;
  std::string name() const override { return "nowhere"; }
  Result<platforms::Published> Reply(const platforms::ReplyRequest& r) override {
    return Platform::Reply(r);  // the interface's own "not offered" answer
  }
};

}  // namespace

TEST_CASE("failures are retried with backoff - 'not offered' is final at once and audited", "[replies][sender]") {
  ReplyTestDb db("fail");
  const int64_t item = db.Queue("local", "local", "c1", "parent42", "help");
  auto rs = ReplyStore::Open(db.path());
  REQUIRE(rs.ok());
  auto row = rs.value()->Enqueue({item, "Words", false, "", "mod1", "key-1"}, 0);
  net::FakeClock wall(kNow);
  NoReplies none("local", db.dir() + "/local", &wall);
  ManualClock clock(1000);
  ReplySender sender(rs.value().get(), &clock);
  ReplyReport r = sender.SendDue("local", none);
  CHECK(r.failed == 1);
  auto got = rs.value()->Get(row.value().id).value();
  CHECK(got->state == ReplyState::kFailed);
  CHECK(got->last_error.find("replies are not offered on nowhere") != std::string::npos);
  CHECK(HasAction(AuditOf(db.store(), item), "reply.failed"));

  // A transient failure (the inbox folder cannot be written) is retried later.
  auto row2 = rs.value()->Enqueue({item, "Words", false, "", "mod1", "key-2"}, 0);
  std::ofstream(db.dir() + "/blocked") << "a file, not a folder";
  platforms::LocalPlatform broken("local", db.dir() + "/blocked", &wall);
  ReplyReport r2 = sender.SendDue("local", broken);
  CHECK(r2.retrying == 1);
  auto got2 = rs.value()->Get(row2.value().id).value();
  CHECK(got2->state == ReplyState::kPlanned);
  CHECK(got2->next_attempt_ms == 1000 + 30'000);
  CHECK(got2->attempts == 1);
}

namespace {

// Replies fail with a given code and words; lookups are counted.
class Scripted : public platforms::LocalPlatform {
 public:
  using LocalPlatform::LocalPlatform;
  Result<platforms::Published> Reply(const platforms::ReplyRequest& r) override {
    ++replies;
    if (fail_code != ErrorCode::kUnknown) return Error{{"https://graph.example/v26.0/me/messages"}, "page", words, fail_code};
    const int before = lookups;  // the local platform's own check is not the sender's
    auto sent = LocalPlatform::Reply(r);
    lookups = before;
    return sent;
  }
  Result<std::optional<platforms::Published>> FindReply(const platforms::ReplyRequest& r) override {
    ++lookups;
    return LocalPlatform::FindReply(r);
  }
  ErrorCode fail_code = ErrorCode::kUnknown;
  std::string words;
  int replies = 0, lookups = 0;
};

}  // namespace

TEST_CASE("the code decides - a refused reply is final at once and a throttled one is retried", "[replies][sender]") {
  ReplyTestDb db("codes");
  const int64_t item = db.Queue("local", "local", "c1", "parent42", "help");
  auto rs = ReplyStore::Open(db.path());
  REQUIRE(rs.ok());
  net::FakeClock wall(kNow);
  Scripted p("local", db.dir() + "/local", &wall);
  ManualClock clock(1000);
  ReplySender sender(rs.value().get(), &clock);

  // Graph error #10 subcode 2018278: a Private Reply more than 7 days after
  // the comment. The same request is refused on every attempt.
  auto refused = rs.value()->Enqueue({item, "Words", true, "", "mod1", "key-refused"}, 0);
  p.fail_code = ErrorCode::kRefused;
  p.words = "(#10) This message is sent outside of allowed window.";
  ReplyReport r = sender.SendDue("local", p);
  CHECK(r.failed == 1);
  CHECK(r.retrying == 0);
  auto got = rs.value()->Get(refused.value().id).value();
  CHECK(got->state == ReplyState::kFailed);
  CHECK(got->attempts == 1);

  // The comment is gone (404): final too.
  auto gone = rs.value()->Enqueue({item, "Words", false, "", "mod1", "key-gone"}, 0);
  p.fail_code = ErrorCode::kNotFound;
  p.words = "HTTP 404: Record not found";
  CHECK(sender.SendDue("local", p).failed == 1);
  CHECK(rs.value()->Get(gone.value().id).value()->state == ReplyState::kFailed);

  // Throttled, with the same kind of words: retried later.
  auto throttled = rs.value()->Enqueue({item, "Words", false, "", "mod1", "key-throttled"}, 0);
  p.fail_code = ErrorCode::kRateLimited;
  p.words = "(#4) Application request limit reached";
  r = sender.SendDue("local", p);
  CHECK(r.retrying == 1);
  CHECK(r.failed == 0);
  CHECK(rs.value()->Get(throttled.value().id).value()->state == ReplyState::kPlanned);
}

TEST_CASE("a row left sending and not found is looked up once and sent once", "[replies][sender]") {
  ReplyTestDb db("absent");
  const int64_t item = db.Queue("local", "local", "c1", "parent42", "help");
  auto rs = ReplyStore::Open(db.path());
  REQUIRE(rs.ok());
  net::FakeClock wall(kNow);
  Scripted p("local", db.dir() + "/local", &wall);
  ManualClock clock(1000);
  ReplySender sender(rs.value().get(), &clock);
  auto row = rs.value()->Enqueue({item, "Words", false, "", "mod1", "key-1"}, 0);
  REQUIRE(rs.value()->MarkSending(row.value().id, 10).ok());
  ReplyReport r = sender.SendDue("local", p);
  CHECK(r.sent == 1);
  CHECK(p.lookups == 1);  // the reconcile's lookup; no second one before sending
  CHECK(p.replies == 1);
  CHECK(rs.value()->Get(row.value().id).value()->state == ReplyState::kSent);
}

TEST_CASE("saved replies: placeholders, crisis first, rendering", "[replies][saved]") {
  auto s = ParseSavedReplies(R"(org: AASR
replies:
  - name: thanks
    text: "Thank you {author}."
  - name: crisis-en
    title: Crisis
    offer_first_for: [crisis]
    text: |
      {author}, call or text 988. {{not a placeholder}} - {org}
)", "replies.yaml");
  REQUIRE(s.ok());
  auto crisis = s.value().ForItem({"crisis"});
  REQUIRE(crisis.size() == 2);
  CHECK(crisis[0].name == "crisis-en");
  CHECK(s.value().ForItem({"spam"})[0].name == "thanks");
  CHECK(s.value().replies[0].title == "thanks");
  CHECK(RenderSavedReply(crisis[0].text, "parent42", s.value().org) ==
        "parent42, call or text 988. {not a placeholder} - AASR");
}

TEST_CASE("the shipped saved replies load and offer the crisis replies first", "[replies][saved]") {
  auto s = LoadSavedReplies(std::string(AASR_SOURCE_DIR) + "/config/replies.yaml");
  REQUIRE(s.ok());
  auto list = s.value().ForItem({"crisis"});
  REQUIRE(list.size() >= 2);
  CHECK(list[0].name == "crisis-en");
  CHECK(list[1].name == "crisis-es");
  CHECK(list[0].text.find("988") != std::string::npos);
  CHECK(list[0].text.find("741741") != std::string::npos);
  CHECK(list[1].text.find("988") != std::string::npos);
}

TEST_CASE("saved replies: every mistake is an error at file:line:column", "[replies][saved]") {
  auto s = ParseSavedReplies(R"(org: AASR
replies:
  - name: a
    text: "Hi {autor}"
  - name: a
    txt: oops
  - title: no name
    text: ""
)", "replies.yaml");
  REQUIRE_FALSE(s.ok());
  std::string all = FormatErrors(s.errors());
  INFO(all);
  CHECK(all.find("replies.yaml:4:11: unknown placeholder {autor} (did you mean {author}?)") != std::string::npos);
  CHECK(all.find("replies.yaml:5:11: a saved reply named 'a' comes earlier") != std::string::npos);
  CHECK(all.find("replies.yaml:6:5: unknown key 'txt'") != std::string::npos);
  CHECK(all.find("replies.yaml:5:5: missing `text`") != std::string::npos);
  CHECK(all.find("replies.yaml:7:5: missing `name`") != std::string::npos);
  CHECK(all.find("replies.yaml:8:11: `text` is empty") != std::string::npos);
  auto bad = ParseSavedReplies("replies: {a: 1}\n", "r.yaml");
  REQUIRE_FALSE(bad.ok());
  CHECK(FormatErrors(bad.errors()).find("r.yaml:1:10: `replies` must be a list") != std::string::npos);
}

TEST_CASE("a rejected edit keeps the saved replies in force and says why", "[replies][saved]") {
  ReplyTestDb db("saved");
  const std::string path = db.dir() + "/replies.yaml";
  std::ofstream(path) << "replies:\n  - name: a\n    text: one\n";
  SavedRepliesFile f(path);
  auto first = f.Current(0);
  REQUIRE(first);
  CHECK(first->replies[0].text == "one");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(path) << "replies:\n  - name: a\n    text: \"{nope}\"\n";
  CHECK(f.Current(500) == first);  // checked at most every two seconds
  auto kept = f.Current(2500);
  REQUIRE(kept);
  CHECK(kept->replies[0].text == "one");
  CHECK(f.error().find(":3:11: unknown placeholder {nope}") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(path) << "replies:\n  - name: a\n    text: two\n";
  auto fixed = f.Current(5000);
  CHECK(fixed->replies[0].text == "two");
  CHECK(f.error().empty());
}
