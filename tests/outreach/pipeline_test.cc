// EnqueueDue options: instance text limits and story images for link cards.
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "bot/outreach/pipeline.h"
#include "fixture_server.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;
using aasr::outreach::testing::FixtureServer;

namespace {

constexpr int64_t kNow = 1714564800;  // 2024-05-01T12:00:00Z, 08:00 EDT

struct Env {
  std::unique_ptr<OutreachStore> store = OutreachStore::Open(":memory:").value();
  aasr::ManualClock clock{kNow * 1000};
  ScheduleConfig config;
  GraphicsCatalog catalog;
  Templates templates;
  // One cache per test process: ctest runs test cases in parallel processes.
  std::string cache =
      (std::filesystem::temp_directory_path() / ("aasr_pipeline_cache-" + std::to_string(::getpid()))).string();

  ~Env() { std::filesystem::remove_all(cache); }
  explicit Env(const std::string& platform) {
    std::filesystem::remove_all(cache);
    config = LoadSchedulesFromString(
                 "feeds:\n  - {name: site, url: https://endseclusion.example/feed/}\nschedules:\n"
                 "  - account: acct\n    platform: " + platform + "\n    zone: UTC\n    stories: {feeds: [site]}\n",
                 "s.yaml")
                 .value();
    templates = LoadTemplates(std::string(AASR_SOURCE_DIR) + "/posts/templates.yaml").value();
  }

  void AddStory(const std::string& excerpt, const std::string& image_url = "") {
    Story s;
    s.id = "wp:1";
    s.title = "Tracking Legislation to Impact Change";
    s.excerpt = excerpt;
    s.link = "https://endseclusion.example/tracking-legislation/";
    s.image_url = image_url;
    s.published = kNow;
    REQUIRE(store->CommitPoll("site", {{"site", s, StoryDisposition::kPending, kNow}}, FeedState{}).ok());
  }

  aasr::platforms::ComposedPost OnlyPost() {
    auto rows = store->ListOutbox().value();
    REQUIRE(rows.size() == 1);
    INFO(rows[0].error);
    REQUIRE(rows[0].state == OutboxState::kPlanned);
    return rows[0].post;
  }
};

std::string LongExcerpt() {
  std::string e;
  while (e.size() < 900) e += "Advocates and activists track legislation for a few reasons. ";
  return e;
}

}  // namespace

TEST_CASE("an instance that allows 1000 characters gets longer Mastodon posts") {
  Env env("mastodon");
  env.AddStory(LongExcerpt());
  Composer composer(env.templates, env.cache);
  EnqueueOptions options;
  options.max_text_by_account["acct"] = 1000;
  REQUIRE(EnqueueDue(env.config, env.catalog, composer, *env.store, env.clock, options).ok());
  const auto post = env.OnlyPost();
  const Measure m = MeasureText(post.text, *PlatformLimits::For("mastodon"));
  CHECK(m.units > 500);
  CHECK(m.units <= 1000);
}

TEST_CASE("an instance that reserves more characters per URL gets posts that fit as it counts them") {
  // characters_reserved_per_url is the instance's (Capabilities::url_weight):
  // a post composed with 23 per URL would be refused by the adapter there.
  Env env("mastodon");
  env.AddStory(LongExcerpt());
  Composer composer(env.templates, env.cache);
  EnqueueOptions options;
  options.url_weight_by_account["acct"] = 80;
  REQUIRE(EnqueueDue(env.config, env.catalog, composer, *env.store, env.clock, options).ok());
  const auto post = env.OnlyPost();
  CHECK_FALSE(FindMastodonUrls(post.text).empty());
  CHECK(CountMastodonCharacters(post.text, 80) <= 500);
  CHECK(CountMastodonCharacters(post.text, 80) > 450);  // shortened to the limit, not below it
}

TEST_CASE("a story's featured image is fetched once and becomes the card thumbnail") {
  FixtureServer server;
  aasr::outreach::testing::ServedFile png;
  png.body = aasr::outreach::testing::ReadFixture("../../../posts/graphics/kassa-support.png");
  png.content_type = "image/png";
  server.Serve("/wp-content/uploads/kassa.png", png);
  Env env("bluesky");
  env.AddStory("Advocates and activists track legislation.", server.Url("/wp-content/uploads/kassa.png"));
  auto http = aasr::outreach::testing::TestGetter();

  const std::string first = FetchImageToCache(*http, server.Url("/wp-content/uploads/kassa.png"), env.cache);
  REQUIRE_FALSE(first.empty());
  CHECK(std::filesystem::file_size(first) == png.body.size());
  CHECK(FetchImageToCache(*http, server.Url("/wp-content/uploads/kassa.png"), env.cache) == first);
  CHECK(server.requests().size() == 1);  // cached
  CHECK(FetchImageToCache(*http, server.Url("/missing.png"), env.cache).empty());

  Composer composer(env.templates, env.cache);
  EnqueueOptions options;
  options.fetch_image = [&](const std::string& url) { return FetchImageToCache(*http, url, env.cache); };
  REQUIRE(EnqueueDue(env.config, env.catalog, composer, *env.store, env.clock, options).ok());
  const auto post = env.OnlyPost();
  REQUIRE(post.card.has_value());
  CHECK(post.card->thumb_file == first);
  CHECK(post.images.empty());
}

TEST_CASE("an unusable story image does not hold the story back") {
  Env env("bluesky");
  env.AddStory("Advocates and activists track legislation.", "https://endseclusion.example/broken.jpg");
  const auto bad = std::filesystem::path(env.cache) / "broken.jpg";
  std::filesystem::create_directories(env.cache);
  std::ofstream(bad) << std::string(2000000, 'x');  // over the thumb limit and not an image
  Composer composer(env.templates, env.cache);
  EnqueueOptions options;
  options.fetch_image = [&](const std::string&) { return bad.string(); };
  REQUIRE(EnqueueDue(env.config, env.catalog, composer, *env.store, env.clock, options).ok());
  const auto post = env.OnlyPost();
  REQUIRE(post.card.has_value());
  CHECK(post.card->thumb_file.empty());
}
