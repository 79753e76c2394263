// The outbox: a row before sending, exactly once across a crash, failures visible.
#include <filesystem>

#include <catch2/catch.hpp>

#include "bot/outreach/outbox.h"
#include "bot/outreach/pipeline.h"
#include "fake_platform.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;
using aasr::outreach::testing::FakePlatform;
using aasr::outreach::testing::SimulatedCrash;

namespace {

constexpr int64_t kNow = 1714564800;  // 2024-05-01T12:00:00Z

struct TempDb {
  std::filesystem::path dir;
  std::string path;
  explicit TempDb(const std::string& name) {
    dir = std::filesystem::temp_directory_path() / ("aasr_outbox_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "outreach.db").string();
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

PlanEntry Entry(const std::string& item, int64_t at) {
  PlanEntry e;
  e.at = at;
  e.account = "aasr-masto";
  e.platform = "mastodon";
  e.kind = "story";
  e.item_id = item;
  e.feed = "site";
  e.idempotency_key = IdempotencyKey(e.account, "story", e.feed + '\n' + item);
  return e;
}

aasr::platforms::ComposedPost Post(const std::string& text) {
  aasr::platforms::ComposedPost p;
  p.text = text;
  p.link = "https://endseclusion.example/2023/08/31/harwood-union-bans-prone-restraint/";
  return p;
}

}  // namespace

TEST_CASE("crash between send and record, then restart: published exactly once") {
  TempDb db("crash");
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  int64_t id = 0;
  {
    auto store = OutreachStore::Open(db.path).value();
    Outbox outbox(*store, clock);
    auto enq = outbox.Enqueue(Entry("https://endseclusion.example/?p=4120", kNow),
                              Post("Harwood Union Unified School District Bans Prone Restraint and Seclusion"));
    REQUIRE(enq.ok());
    id = enq.value();
    // The row exists, planned, before anything is sent.
    CHECK(store->GetOutbox(id).value()->state == OutboxState::kPlanned);
    masto.crash_after_send = true;
    CHECK_THROWS_AS(outbox.SendDue(platform_for), SimulatedCrash);
    // The process "dies" here: the row says sending, the platform has the post.
    CHECK(store->GetOutbox(id).value()->state == OutboxState::kSending);
    CHECK(masto.posts.size() == 1);
  }
  // Restart with a fresh connection.
  auto store = OutreachStore::Open(db.path).value();
  Outbox outbox(*store, clock);
  clock.Advance(30 * 1000);
  const SendReport report = outbox.SendDue(platform_for);
  CHECK(report.reconciled == 1);
  CHECK(report.published == 0);
  CHECK(report.errors.empty());
  const auto row = store->GetOutbox(id).value();
  CHECK(row->state == OutboxState::kPublished);
  CHECK(row->remote_id == "100");
  CHECK(row->url == "https://masto.example/@aasr/100");
  CHECK(masto.posts.size() == 1);
  CHECK(masto.publish_calls == 1);
  // And again: nothing more happens.
  outbox.SendDue(platform_for);
  CHECK(masto.publish_calls == 1);
}

TEST_CASE("crash before the platform got it: the restart sends it, once") {
  TempDb db("crash_before");
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  int64_t id;
  {
    auto store = OutreachStore::Open(db.path).value();
    Outbox outbox(*store, clock);
    id = outbox.Enqueue(Entry("story-1", kNow), Post("Volunteers Lead the Way to Change")).value();
    // Simulate dying after marking sending, before the request left.
    REQUIRE(store->MarkSending(id, kNow).ok());
  }
  auto store = OutreachStore::Open(db.path).value();
  Outbox outbox(*store, clock);
  const SendReport r1 = outbox.SendDue(platform_for);
  CHECK(r1.retrying == 1);  // reconciled back to planned, retried after backoff
  CHECK(masto.posts.empty());
  clock.Advance(3600 * 1000);
  const SendReport r2 = outbox.SendDue(platform_for);
  CHECK(r2.published + r2.reconciled == 1);
  CHECK(masto.posts.size() == 1);
  CHECK(masto.posts[0].idempotency_key == Entry("story-1", kNow).idempotency_key);
  CHECK(store->GetOutbox(id).value()->state == OutboxState::kPublished);
}

TEST_CASE("an unknown outcome that cannot be checked stays sending, never guessed") {
  auto store = OutreachStore::Open(":memory:").value();
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  Outbox outbox(*store, clock);
  const int64_t id = outbox.Enqueue(Entry("s", kNow), Post("text")).value();
  REQUIRE(store->MarkSending(id, kNow).ok());
  masto.find_fails = true;
  const SendReport r = outbox.SendDue(platform_for);
  CHECK(masto.publish_calls == 0);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("cannot check whether it was published") == 0);
  CHECK(store->GetOutbox(id).value()->state == OutboxState::kSending);
  masto.find_fails = false;
  outbox.SendDue(platform_for);
  clock.Advance(3600 * 1000);
  outbox.SendDue(platform_for);
  CHECK(masto.posts.size() == 1);
  CHECK(store->GetOutbox(id).value()->state == OutboxState::kPublished);
}

TEST_CASE("failures retry with backoff, then stay visible as failed with the platform's error") {
  auto store = OutreachStore::Open(":memory:").value();
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  Outbox outbox(*store, clock, RetryPolicy{3, 60, 3600});
  const int64_t id = outbox.Enqueue(Entry("s", kNow), Post("text")).value();
  masto.fail_next = 10;

  CHECK(outbox.SendDue(platform_for).retrying == 1);
  auto row = store->GetOutbox(id).value();
  CHECK(row->state == OutboxState::kPlanned);
  CHECK(row->attempts == 1);
  CHECK(row->next_attempt_at == kNow + 60);
  CHECK(row->error.find("HTTP 503") != std::string::npos);

  clock.Advance(59 * 1000);
  outbox.SendDue(platform_for);
  CHECK(masto.publish_calls == 1);  // not due yet
  clock.Advance(1 * 1000);
  outbox.SendDue(platform_for);
  CHECK(store->GetOutbox(id).value()->next_attempt_at == kNow + 60 + 120);
  clock.Advance(120 * 1000);
  const SendReport last = outbox.SendDue(platform_for);
  CHECK(last.failed == 1);
  row = store->GetOutbox(id).value();
  CHECK(row->state == OutboxState::kFailed);
  CHECK(row->attempts == 3);
  CHECK(row->error.find("HTTP 503: Service Unavailable") != std::string::npos);
  CHECK(store->ListOutbox(OutboxState::kFailed).value().size() == 1);
  clock.Advance(86400 * 1000);
  outbox.SendDue(platform_for);
  CHECK(masto.publish_calls == 3);  // failed rows are not retried silently
}

TEST_CASE("a refusal is final at once by its code - a rate limit or an expired token is retried") {
  auto store = OutreachStore::Open(":memory:").value();
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  Outbox outbox(*store, clock, RetryPolicy{5, 60, 3600});

  // Mastodon's 422 for a status over max_characters: the same post is
  // refused on every attempt, so five attempts would only spam the log.
  const int64_t refused = outbox.Enqueue(Entry("too-long", kNow), Post("text")).value();
  masto.fail_next = 1;
  masto.fail_message = "HTTP 422: Validation failed: Text character limit of 500 exceeded";
  masto.fail_code = aasr::ErrorCode::kRefused;
  SendReport r = outbox.SendDue(platform_for);
  CHECK(r.failed == 1);
  CHECK(r.retrying == 0);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors.front().code == aasr::ErrorCode::kRefused);
  auto row = store->GetOutbox(refused).value();
  CHECK(row->state == OutboxState::kFailed);
  CHECK(row->attempts == 1);
  CHECK(row->error.find("character limit") != std::string::npos);

  // The same words with a retryable code are retried: the code decides, not the text.
  for (aasr::ErrorCode code : {aasr::ErrorCode::kRateLimited, aasr::ErrorCode::kAuth, aasr::ErrorCode::kTransient}) {
    const int64_t id = outbox.Enqueue(Entry(std::string("retried-") + aasr::ErrorCodeName(code), kNow), Post("t")).value();
    masto.fail_next = 1;
    masto.fail_code = code;
    r = outbox.SendDue(platform_for);
    CHECK(r.retrying == 1);
    CHECK(r.failed == 0);
    CHECK(store->GetOutbox(id).value()->state == OutboxState::kPlanned);
  }
  CHECK(aasr::outreach::FinalError({aasr::Error{{}, "", "x", aasr::ErrorCode::kInvalidInput}}));
  CHECK(aasr::outreach::FinalError({aasr::Error{{}, "", "x", aasr::ErrorCode::kUnsupported}}));
  CHECK_FALSE(aasr::outreach::FinalError({aasr::Error{{}, "", "HTTP 422", aasr::ErrorCode::kUnknown}}));
}

TEST_CASE("a retry after a lost answer finds the first post instead of posting again") {
  auto store = OutreachStore::Open(":memory:").value();
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  Outbox outbox(*store, clock);
  const int64_t id = outbox.Enqueue(Entry("s", kNow), Post("text")).value();
  // The platform accepted it, but our side recorded a failure (e.g. a timeout).
  masto.by_key[Entry("s", kNow).idempotency_key] = {"77", "https://masto.example/@aasr/77"};
  REQUIRE(store->MarkSending(id, kNow).ok());
  REQUIRE(store->MarkAttemptFailed(id, "timeout", kNow, false, kNow).ok());
  const SendReport r = outbox.SendDue(platform_for);
  CHECK(r.reconciled == 1);
  CHECK(masto.publish_calls == 0);
  CHECK(store->GetOutbox(id).value()->remote_id == "77");
}

TEST_CASE("planning twice cannot post twice - not-yet-due rows wait") {
  auto store = OutreachStore::Open(":memory:").value();
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  Outbox outbox(*store, clock);
  const auto a = outbox.Enqueue(Entry("s", kNow + 600), Post("text"));
  const auto b = outbox.Enqueue(Entry("s", kNow + 600), Post("text edited"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value() == b.value());
  outbox.SendDue(platform_for);
  CHECK(masto.publish_calls == 0);
  clock.Advance(600 * 1000);
  outbox.SendDue(platform_for);
  outbox.SendDue(platform_for);
  CHECK(masto.publish_calls == 1);
  CHECK(masto.posts[0].text == "text");
  auto expected = Post("text");
  expected.account = "aasr-masto";
  CHECK(store->GetOutbox(a.value()).value()->content_hash == ContentHash(expected));
  CHECK(ContentHash(expected) != ContentHash(Post("text edited")));
}

TEST_CASE("end to end: pending story and graphic slot composed, enqueued, published once") {
  auto store = OutreachStore::Open(":memory:").value();
  aasr::ManualClock clock(kNow * 1000);  // Wed 2024-05-01 08:00 EDT
  auto config = LoadSchedulesFromString(
      "feeds:\n  - {name: site, url: https://endseclusion.example/feed/}\n"
      "schedules:\n"
      "  - account: aasr-masto\n    platform: mastodon\n    zone: America/New_York\n"
      "    stories: {feeds: [site], window: {from: \"08:00\", to: \"20:00\"}}\n"
      "    graphics: {cron: \"0 9 * * *\"}\n"
      "  - account: aasr-bsky\n    platform: bluesky\n    zone: America/New_York\n"
      "    stories: {feeds: [site], window: {from: \"10:00\", to: \"20:00\"}}\n",
      "s.yaml");
  REQUIRE(config.ok());
  auto catalog = LoadGraphics(std::string(AASR_SOURCE_DIR) + "/posts/graphics.yaml");
  REQUIRE(catalog.ok());
  auto templates = LoadTemplates(std::string(AASR_SOURCE_DIR) + "/posts/templates.yaml");
  REQUIRE(templates.ok());
  Composer composer(templates.value(), (std::filesystem::temp_directory_path() / "aasr_outreach_cache").string());

  Story story;
  story.id = "https://endseclusion.example/?p=4130";
  story.title = "Volunteers Lead the Way to Change";
  story.excerpt = "What does volunteering mean to you?";
  story.link = "https://endseclusion.example/2024/05/01/volunteers-lead-the-way/";
  story.published = kNow - 300;
  REQUIRE(store->CommitPoll("site", {{"site", story, StoryDisposition::kPending, kNow - 60}}, FeedState{}).ok());

  // Horizon of one hour: the Mastodon story (08:00) and graphic (09:00) are
  // in it; the Bluesky story waits for its 10:00 window.
  auto r = EnqueueDue(config.value(), catalog.value(), composer, *store, clock, 3600 + 60);
  INFO(aasr::FormatErrors(r.errors()));
  REQUIRE(r.ok());
  CHECK(r.value().enqueued == 2);
  // Still pending: the Bluesky account has no row yet.
  CHECK(store->StoriesWithDisposition(StoryDisposition::kPending).value().size() == 1);

  clock.Advance((2 * 3600 + 60) * 1000);  // 10:01 EDT
  r = EnqueueDue(config.value(), catalog.value(), composer, *store, clock, 3600);
  REQUIRE(r.ok());
  CHECK(r.value().enqueued == 1);
  CHECK(store->StoriesWithDisposition(StoryDisposition::kPending).value().empty());
  // Re-running the planner adds nothing.
  CHECK(EnqueueDue(config.value(), catalog.value(), composer, *store, clock, 3600).value().enqueued == 0);

  FakePlatform masto("mastodon"), bsky("bluesky");
  Outbox outbox(*store, clock);
  auto platform_for = [&](const std::string& account) -> aasr::platforms::Platform* {
    return account == "aasr-masto" ? static_cast<aasr::platforms::Platform*>(&masto) : &bsky;
  };
  const SendReport sent = outbox.SendDue(platform_for);
  CHECK(sent.published == 3);
  REQUIRE(masto.posts.size() == 2);
  CHECK(masto.posts[0].text.rfind("Volunteers Lead the Way to Change\n\nWhat does volunteering", 0) == 0);
  CHECK(masto.posts[1].images.size() == 1);
  CHECK_FALSE(masto.posts[1].images[0].alt.empty());
  REQUIRE(bsky.posts.size() == 1);
  CHECK(bsky.posts[0].card.has_value());
  CHECK(outbox.SendDue(platform_for).published == 0);
}

TEST_CASE("a person's retry puts a failed row back to planned, once - other states are refused") {
  auto store = OutreachStore::Open(":memory:").value();
  FakePlatform masto;
  aasr::ManualClock clock(kNow * 1000);
  auto platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  Outbox outbox(*store, clock, RetryPolicy{1, 60, 3600});
  const int64_t id = outbox.Enqueue(Entry("s", kNow), Post("text")).value();
  masto.fail_next = 1;
  CHECK(outbox.SendDue(platform_for).failed == 1);
  REQUIRE(store->GetOutbox(id).value()->state == OutboxState::kFailed);

  // Not failed rows are refused, naming the row.
  const int64_t other = outbox.Enqueue(Entry("t", kNow + 3600), Post("later")).value();
  auto refused = store->RequeueFailed(other, kNow + 10);
  REQUIRE(!refused.ok());
  CHECK(refused.errors().front().subject == "outbox row " + std::to_string(other));
  CHECK(!store->RequeueFailed(9999, kNow + 10).ok());

  REQUIRE(store->RequeueFailed(id, kNow + 100).ok());
  auto row = store->GetOutbox(id).value();
  CHECK(row->state == OutboxState::kPlanned);
  CHECK(row->attempts == 0);
  CHECK(row->next_attempt_at == kNow + 100);
  CHECK(row->updated_at == kNow + 100);
  CHECK(row->error.find("HTTP 503") != std::string::npos);  // kept until replaced
  CHECK(!store->RequeueFailed(id, kNow + 100).ok());          // a second click changes nothing

  clock.Set((kNow + 100) * 1000);
  CHECK(outbox.SendDue(platform_for).published == 1);
  CHECK(store->GetOutbox(id).value()->state == OutboxState::kPublished);
  CHECK(!store->RequeueFailed(id, kNow + 200).ok());  // published rows stay published
}

// Issue 17: found by fuzzing. A stored facet offset of 1e20 was cast to
// uint32_t (undefined behaviour); now the row's post is refused by name.
TEST_CASE("ComposedPostFromJson refuses facet offsets uint32 cannot hold") {
  aasr::platforms::ComposedPost p = Post("#AASR now");
  aasr::platforms::Facet tag;
  tag.byte_start = 0;
  tag.byte_end = 5;
  tag.type = aasr::platforms::Facet::Type::kTag;
  tag.value = "AASR";
  p.facets.push_back(tag);
  const std::string good = ComposedPostToJson(p);
  auto back = ComposedPostFromJson(good);
  REQUIRE(back.ok());
  REQUIRE(back.value().facets.size() == 1);
  CHECK(back.value().facets[0].byte_end == 5);
  for (const char* bad : {"1e20", "-1", "4294967296", "2.5"}) {
    std::string text = good;
    const std::string key = "\"byteStart\":0";
    REQUIRE(text.find(key) != std::string::npos);
    text.replace(text.find(key), key.size(), std::string("\"byteStart\":") + bad);
    INFO(text);
    aasr::Result<aasr::platforms::ComposedPost> r(aasr::Error{});
    REQUIRE_NOTHROW(r = ComposedPostFromJson(text));
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors()[0].message == "post JSON: facet byteStart/byteEnd is not an offset from 0 to 4294967295");
  }
}
