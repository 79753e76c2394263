// The one comment codec: a round trip of every field, and every error names
// its field.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "bot/comment/json.h"

using namespace aasr;
using comment::Decode;
using comment::DecodeLine;
using comment::Encode;
using nlohmann::json;

namespace {

comment::Comment Full() {
  comment::Comment c;
  c.remote_id = "109";
  c.platform = "mastodon";
  c.account = "aasr@mastodon.social";
  c.post = "local-1";
  c.parent = "https://mastodon.social/@aasr/1001";
  c.root = "https://mastodon.social/@aasr/1000";
  c.parent_text = "New story: A seclusion room is not a classroom";
  c.text = "Thank you for the seclusion report";
  c.has_text = true;
  c.created_at = "2026-11-23T01:00:00Z";
  c.kind = "reply";
  c.received_at_ms = 1790000000123;
  c.has_author = true;
  c.author.id = "u1";
  c.author.handle = "parent_of_three";
  c.author.account_age_days = 3.5;
  c.author.followers = 10;
  c.author.first_comment = true;
  c.author.is_self = false;
  return c;
}

std::string ErrorOf(const std::string& line) {
  auto r = DecodeLine(line);
  REQUIRE_FALSE(r.ok());
  return r.errors().front().message;
}

std::string SubjectOf(const std::string& line) {
  auto r = DecodeLine(line);
  REQUIRE_FALSE(r.ok());
  return r.errors().front().subject;
}

}  // namespace

TEST_CASE("every field survives a round trip", "[comment][json]") {
  const comment::Comment c = Full();
  const json j = Encode(c);
  CHECK(j["author"]["is_self"] == false);
  auto back = Decode(j);
  REQUIRE(back.ok());
  CHECK(Encode(back.value()) == j);
  const comment::Comment& d = back.value();
  CHECK(d.remote_id == c.remote_id);
  CHECK(d.platform == c.platform);
  CHECK(d.account == c.account);
  CHECK(d.post == c.post);
  CHECK(d.parent == c.parent);
  CHECK(d.root == c.root);
  CHECK(d.parent_text == c.parent_text);
  CHECK(d.text == c.text);
  CHECK(d.created_at == c.created_at);
  CHECK(d.kind == c.kind);
  CHECK(d.received_at_ms == c.received_at_ms);
  CHECK(d.author.id == c.author.id);
  CHECK(d.author.handle == c.author.handle);
  CHECK(d.author.account_age_days == c.author.account_age_days);
  CHECK(d.author.followers == c.author.followers);
  CHECK(d.author.first_comment == c.author.first_comment);
  CHECK(d.author.is_self == c.author.is_self);
}

TEST_CASE("absent and null fields stay absent, and round trip absent", "[comment][json]") {
  auto r = DecodeLine(R"({"text": "", "author": {"handle": null, "is_self": null}, "kind": null})");
  REQUIRE(r.ok());
  CHECK(r.value().has_text);
  CHECK(r.value().text.empty());
  CHECK(r.value().has_author);
  CHECK_FALSE(r.value().author.is_self);
  CHECK_FALSE(r.value().author.followers);
  CHECK(Encode(r.value()) == json{{"text", ""}, {"author", json::object()}});
  auto bare = DecodeLine("{}");
  REQUIRE(bare.ok());
  CHECK_FALSE(bare.value().has_text);
  CHECK_FALSE(bare.value().has_author);
  CHECK(Encode(bare.value()) == json::object());
}

TEST_CASE("ids: remote_id or id, strings or integers", "[comment][json]") {
  CHECK(DecodeLine(R"({"id": 42, "text": "x"})").value().remote_id == "42");
  CHECK(DecodeLine(R"({"id": "a", "remote_id": "b"})").value().remote_id == "b");
  CHECK(DecodeLine(R"({"author": {"id": 7}})").value().author.id == "7");
}

TEST_CASE("every error names its field", "[comment][json]") {
  CHECK(ErrorOf("{\"text\": \"\xff\"}") == "invalid UTF-8 at byte 10");
  CHECK(ErrorOf("{\"text\": ") == "not valid JSON");
  CHECK(ErrorOf("[1, 2]") == "expected a JSON object");
  CHECK(ErrorOf(R"("just text")") == "expected a JSON object");
  struct Row {
    const char* line;
    const char* subject;
    const char* message;
  };
  const Row rows[] = {
      {R"({"text": 3})", "text", "field 'text' must be a string"},
      {R"({"remote_id": [1]})", "remote_id", "field 'remote_id' must be a string"},
      {R"({"id": {"a": 1}})", "id", "field 'id' must be a string"},
      {R"({"platform": true})", "platform", "field 'platform' must be a string"},
      {R"({"account": 1.5})", "account", "field 'account' must be a string"},
      {R"({"post": false})", "post", "field 'post' must be a string"},
      {R"({"parent": []})", "parent", "field 'parent' must be a string"},
      {R"({"root": {}})", "root", "field 'root' must be a string"},
      {R"({"parent_text": 1.5})", "parent_text", "field 'parent_text' must be a string"},
      {R"({"created_at": 1.5})", "created_at", "field 'created_at' must be a string"},
      {R"({"kind": true})", "kind", "field 'kind' must be a string"},
      {R"({"received_at_ms": "soon"})", "received_at_ms", "field 'received_at_ms' must be an integer"},
      {R"({"received_at_ms": 1.5})", "received_at_ms", "field 'received_at_ms' must be an integer"},
      {R"({"author": "troll"})", "author", "field 'author' must be an object"},
      {R"({"author": {"handle": []}})", "author.handle", "field 'author.handle' must be a string"},
      {R"({"author": {"id": true}})", "author.id", "field 'author.id' must be a string"},
      {R"({"author": {"account_age_days": "3"}})", "author.account_age_days",
       "field 'author.account_age_days' must be a number"},
      {R"({"author": {"followers": "many"}})", "author.followers", "field 'author.followers' must be a number"},
      {R"({"author": {"first_comment": "yes"}})", "author.first_comment",
       "field 'author.first_comment' must be true or false"},
      {R"({"author": {"is_self": 1}})", "author.is_self", "field 'author.is_self' must be true or false"},
  };
  for (const Row& r : rows) {
    INFO(r.line);
    CHECK(SubjectOf(r.line) == r.subject);
    CHECK(ErrorOf(r.line) == r.message);
  }
}

TEST_CASE("requirements name the missing field", "[comment][json]") {
  auto c = DecodeLine(R"({"id": "c1"})").value();
  auto text = comment::RequireText(c);
  REQUIRE_FALSE(text.ok());
  CHECK(text.errors().front().subject == "text");
  CHECK(text.errors().front().message == "missing string field 'text'");
  CHECK(comment::RequireId(c).ok());
  auto id = comment::RequireId(DecodeLine(R"({"text": "x"})").value());
  REQUIRE_FALSE(id.ok());
  CHECK(id.errors().front().message == "missing field 'remote_id'");
}
