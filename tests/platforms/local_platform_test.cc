// LocalPlatform: files in, files out, with the same cursor and idempotency
// semantics as the network platforms.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/net/rfc3339.h"
#include "bot/platforms/common.h"
#include "bot/platforms/local_platform.h"
#include "tests/platforms/test_dir.h"

using namespace aasr;
using namespace aasr::platforms;
namespace fs = std::filesystem;

namespace {

void Append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

ComposedPost StoryPost() {
  ComposedPost p;
  p.account = "local";
  p.text = "New story: Five Year Anniversary https://aasr.example/five-years";
  p.facets = {{33, 63, Facet::Type::kLink, "https://aasr.example/five-years"}};
  p.idempotency_key = "story:five-year-anniversary:local";
  return p;
}

}  // namespace

TEST_CASE("local publish writes one file per key and is idempotent", "[local]") {
  testing::TestDir dir("local-publish");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  REQUIRE(local.CheckCredentials().ok());
  auto none = local.FindPublished("story:five-year-anniversary:local");
  REQUIRE(none.ok());
  CHECK_FALSE(none.value().has_value());

  auto first = local.Publish(StoryPost());
  REQUIRE(first.ok());
  CHECK(first.value().remote_id.rfind("local-", 0) == 0);
  CHECK(first.value().url.rfind("file://", 0) == 0);
  clock.Advance(std::chrono::minutes(5));
  auto again = local.Publish(StoryPost());
  REQUIRE(again.ok());
  CHECK(again.value().remote_id == first.value().remote_id);
  CHECK(again.value().url == first.value().url);
  int files = 0;
  for (const auto& e : fs::directory_iterator(local.outbox_dir())) files += e.path().extension() == ".json";
  CHECK(files == 1);

  auto found = local.FindPublished("story:five-year-anniversary:local");
  REQUIRE(found.ok());
  REQUIRE(found.value().has_value());
  CHECK(found.value()->remote_id == first.value().remote_id);

  std::string path = first.value().url.substr(7);
  auto saved = nlohmann::json::parse(ReadFile(path).value());
  CHECK(saved["text"] == StoryPost().text);
  CHECK(saved["published_at"] == "2026-11-23T01:00:00.000Z");  // the first publish, not the retry
  CHECK(saved["facets"][0]["value"] == "https://aasr.example/five-years");
}

TEST_CASE("local publish rejects invalid posts with every reason", "[local]") {
  testing::TestDir dir("local-invalid");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  ComposedPost p;
  p.images = {{"/nonexistent.png", "", "image/png"}};
  p.facets = {{5, 2, Facet::Type::kLink, "https://x"}};
  auto r = local.Publish(p);
  REQUIRE_FALSE(r.ok());
  std::string all = FormatErrors(r.errors());
  CHECK(all.find("idempotency key") != std::string::npos);
  CHECK(all.find("no alt text") != std::string::npos);
  CHECK(all.find("facets[0]") != std::string::npos);

  ComposedPost missing_file = StoryPost();
  missing_file.images = {{dir.path() + "/nope.png", "A drawing", "image/png"}};
  auto r2 = local.Publish(missing_file);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.errors()[0].message == "image file does not exist");
}

TEST_CASE("local comments: cursor moves only over complete lines - nothing lost or repeated", "[local]") {
  testing::TestDir dir("local-comments");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  REQUIRE(local.CheckCredentials().ok());
  std::string inbox = local.inbox_dir();
  Append(inbox + "/2026-11-23T01-00.jsonl",
         R"({"id":"c1","post":"local-1","text":"Thank you for sharing this story.","author":{"handle":"parent42","account_age_days":400,"followers":12}})"
         "\n"
         R"({"id":"c2","post":"local-1","parent":"c1","text":"Our district still uses seclusion rooms.","author":{"handle":"teacher7"},"kind":"reply","created_at":"2026-11-23T00:59:00Z"})"
         "\n"
         R"({"id":"c3","post":"local-1","text":"half a line)");

  auto b1 = local.FetchComments("");
  REQUIRE(b1.ok());
  REQUIRE(b1.value().comments.size() == 2);
  const FetchedComment& c1 = b1.value().comments[0];
  CHECK(c1.remote_id == "c1");
  CHECK(c1.root_remote_id == "local-1");
  CHECK(c1.parent_remote_id == "local-1");
  CHECK(c1.author_handle == "parent42");
  CHECK(c1.author_account_age_days == 400.0);
  CHECK(c1.author_followers == 12.0);
  CHECK(c1.kind == "reply");
  CHECK(b1.value().comments[1].parent_remote_id == "c1");
  CHECK(b1.value().comments[1].created_at == "2026-11-23T00:59:00Z");
  CHECK_FALSE(b1.value().comments[1].author_followers.has_value());

  // The store failed: the caller did not persist the cursor, so the same
  // comments come again.
  auto again = local.FetchComments("");
  REQUIRE(again.ok());
  CHECK(again.value().comments.size() == 2);

  // The rest of the half line arrives, and a new file.
  Append(inbox + "/2026-11-23T01-00.jsonl", R"(","author":{"handle":"x"}})" "\n");
  Append(inbox + "/2026-11-23T02-00.jsonl",
         R"({"id":"c4","post":"local-2","text":"Quoting this.","author":{"handle":"q"},"kind":"quote"})" "\n");
  auto b2 = local.FetchComments(b1.value().next_cursor);
  REQUIRE(b2.ok());
  REQUIRE(b2.value().comments.size() == 2);
  CHECK(b2.value().comments[0].remote_id == "c3");
  CHECK(b2.value().comments[0].text == "half a line");
  CHECK(b2.value().comments[1].kind == "quote");
  auto b3 = local.FetchComments(b2.value().next_cursor);
  REQUIRE(b3.ok());
  CHECK(b3.value().comments.empty());
  CHECK(b3.value().next_cursor == b2.value().next_cursor);
}

TEST_CASE("local comments: a malformed line is located and blocks the cursor", "[local]") {
  testing::TestDir dir("local-bad");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  REQUIRE(local.CheckCredentials().ok());
  std::string file = local.inbox_dir() + "/a.jsonl";
  Append(file, R"({"id":"c1","text":"ok","author":{"handle":"a"}})" "\n"
               R"({"id":"c2","text":"broken,"author":{"handle":"b"}})" "\n");
  auto r = local.FetchComments("");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].where.file == file);
  CHECK(r.errors()[0].where.line == 2);
  CHECK(r.errors()[0].where.column > 1);

  testing::TestDir dir2("local-missing");
  LocalPlatform local2("local", dir2.path(), &clock);
  REQUIRE(local2.CheckCredentials().ok());
  Append(local2.inbox_dir() + "/a.jsonl", "\n" R"({"id":"c1","text":"no author"})" "\n");
  auto r2 = local2.FetchComments("");
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.errors()[0].where.line == 2);
  CHECK(r2.errors()[0].subject == "author");
  auto r3 = local2.FetchComments("garbage");
  REQUIRE_FALSE(r3.ok());
}

// Issue 17 (found by fuzzing the inbox lines): a number no double holds made
// nlohmann throw out_of_range.406 out of FetchComments; it is a located error.
TEST_CASE("local comments: a number out of range is a located parse error, not an exception", "[local]") {
  testing::TestDir dir("local-range");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  REQUIRE(local.CheckCredentials().ok());
  std::string file = local.inbox_dir() + "/a.jsonl";
  Append(file, R"({"id":"c1","text":"ok","author":{"handle":"a"}})" "\n"
               R"({"id":"c2","text":"x","author":{"handle":"b","followers":1e999}})" "\n");
  Result<CommentBatch> r(Error{});
  REQUIRE_NOTHROW(r = local.FetchComments(""));
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].where.file == file);
  CHECK(r.errors()[0].where.line == 2);
  CHECK(r.errors()[0].message.find("malformed JSON") == 0);
  CHECK(r.errors()[0].message.find("out_of_range.406") != std::string::npos);

  auto one = LocalPlatform::ParseInboxLine("[-1e400]", "in.jsonl", 7, clock.Now());
  REQUIRE_FALSE(one.ok());
  CHECK(one.errors()[0].ToString().find("in.jsonl:7:1: malformed JSON") == 0);
  auto blank = LocalPlatform::ParseInboxLine("  \t", "in.jsonl", 1, clock.Now());
  REQUIRE(blank.ok());
  CHECK_FALSE(blank.value().has_value());
}

TEST_CASE("local comments: duplicate deliveries within a batch are dropped", "[local]") {
  testing::TestDir dir("local-dup");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  REQUIRE(local.CheckCredentials().ok());
  std::string line = R"({"id":"c1","text":"same","author":{"handle":"a"}})" "\n";
  Append(local.inbox_dir() + "/a.jsonl", line + line);
  auto r = local.FetchComments("");
  REQUIRE(r.ok());
  CHECK(r.value().comments.size() == 1);
}

TEST_CASE("local moderation appends to the moderation log", "[local]") {
  testing::TestDir dir("local-mod");
  net::FakeClock clock(*net::ParseRfc3339("2026-11-23T01:00:00Z"));
  LocalPlatform local("local", dir.path(), &clock);
  FetchedComment c;
  c.remote_id = "c9";
  c.author_handle = "troll";
  REQUIRE(local.Moderate(ModerationAction::kHide, c).ok());
  REQUIRE(local.Moderate(ModerationAction::kBlock, c).ok());
  std::string log = ReadFile(local.outbox_dir() + "/moderation.jsonl").value();
  CHECK(log.find(R"("action":"hide","at":"2026-11-23T01:00:00.000Z","author":"troll","comment":"c9")") !=
        std::string::npos);
  CHECK(log.find(R"("action":"block")") != std::string::npos);
  auto caps = local.capabilities();
  CHECK(caps.hide_replies);
}

TEST_CASE("shared helpers: graphemes - hashes - file names", "[common]") {
  CHECK(CountCodePoints("héllo") == 5);
  CHECK(CountGraphemes("e\xCC\x81") == 1);                          // e + combining acute
  CHECK(CountGraphemes("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7") == 1);  // woman ZWJ girl
  CHECK(CountGraphemes("abc") == 3);
  CHECK(StableHash("a") == "af63dc4c8601ec8c");
  CHECK(SafeFileName("story-1.x") == "story-1.x");
  CHECK(SafeFileName("story:1/x") != SafeFileName("story:1_x"));
  CHECK(SafeFileName("../etc/passwd").find('/') == std::string::npos);
}
