// Outreach throughput figures: feed parsing, composing, grapheme counting,
// cron evaluation, and the SQLite outbox. Prints one line per measurement;
// no pass/fail (goals are read by people, not asserted in unit tests).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bot/outreach/composer.h"
#include "bot/outreach/cron.h"
#include "bot/util/html.h"
#include "bot/outreach/outbox.h"
#include "bot/outreach/story.h"
#include "bot/outreach/text_measure.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;
using Steady = std::chrono::steady_clock;

namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename F>
double Seconds(F&& f) {
  const auto t0 = Steady::now();
  f();
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

void Report(const char* what, double count, const char* unit, double seconds) {
  std::printf("%-44s %12.0f %s/s  (%.3f s)\n", what, count / seconds, unit, seconds);
}

}  // namespace

int main() {
  const std::string src = AASR_SOURCE_DIR;
  const std::string rss = Read(src + "/tests/outreach/fixtures/aasr_rss.xml");
  const std::string wp = Read(src + "/tests/outreach/fixtures/aasr_wp_posts.json");
  size_t sink = 0;

  const int kFeeds = 5000;
  double s = Seconds([&] {
    for (int i = 0; i < kFeeds; ++i) sink += ParseFeed(rss, "rss").value().stories.size();
  });
  Report("RSS parse (5-item fixture), feeds", kFeeds, "feeds", s);
  Report("RSS parse, bytes", double(kFeeds) * rss.size() / 1e6, "MB", s);
  s = Seconds([&] {
    for (int i = 0; i < kFeeds; ++i) sink += ParseFeed(wp, "wp").value().stories.size();
  });
  Report("WP REST JSON parse (3 posts), feeds", kFeeds, "feeds", s);

  const auto stories = ParseFeed(rss, "rss").value().stories;
  auto templates = LoadTemplates(src + "/posts/templates.yaml");
  Composer composer(templates.value(), (std::filesystem::temp_directory_path() / "aasr_bench_cache").string());
  const auto bsky = *PlatformLimits::For("bluesky");
  const auto masto = *PlatformLimits::For("mastodon");
  const int kPosts = 20000;
  s = Seconds([&] {
    for (int i = 0; i < kPosts; ++i)
      sink += composer.Compose(FromStory(stories[i % stories.size()], templates.value().story_hashtags), bsky, "b")
                  .value().post.text.size();
  });
  Report("compose Bluesky story (shortening, facets)", kPosts, "posts", s);
  s = Seconds([&] {
    for (int i = 0; i < kPosts; ++i)
      sink += composer.Compose(FromStory(stories[i % stories.size()], templates.value().story_hashtags), masto, "m")
                  .value().post.text.size();
  });
  Report("compose Mastodon story", kPosts, "posts", s);

  std::string text;
  while (text.size() < 3000) text += "Relationships, not restraint \U0001F469\u200D\U0001F469\u200D\U0001F467 e\u0301 ";
  const int kCounts = 20000;
  s = Seconds([&] {
    for (int i = 0; i < kCounts; ++i) sink += CountGraphemes(text);
  });
  Report("grapheme count of a 3000-byte text, MB", double(kCounts) * text.size() / 1e6, "MB", s);

  cctz::time_zone ny;
  LoadZone("America/New_York", &ny);
  CronExpr cron;
  CronError ce;
  CronExpr::Parse("*/15 8-20 * * MON-FRI", &cron, &ce);
  int firings = 0;
  s = Seconds([&] {
    int64_t t = 1704067200;  // 2024-01-01
    while (auto next = cron.Next(t, ny)) {
      if (*next > 1704067200 + 365 * 86400) break;
      t = *next;
      ++firings;
    }
  });
  Report("cron Next() over a year (every 15 min, weekdays)", firings, "firings", s);

  const auto dir = std::filesystem::temp_directory_path() / "aasr_bench_outbox";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = OutreachStore::Open((dir / "outreach.db").string()).value();
  aasr::ManualClock clock(int64_t{1714564800} * 1000);
  Outbox outbox(*store, clock);
  const int kRows = 300;
  s = Seconds([&] {
    for (int i = 0; i < kRows; ++i) {
      PlanEntry e;
      e.at = clock.NowUnix();
      e.account = "bench";
      e.platform = "mastodon";
      e.kind = "story";
      e.item_id = "story-" + std::to_string(i);
      e.idempotency_key = IdempotencyKey("bench", "story", e.item_id);
      aasr::platforms::ComposedPost p;
      p.text = "Text of story " + std::to_string(i);
      const int64_t id = outbox.Enqueue(e, p).value();
      store->MarkSending(id, e.at);
      store->MarkPublished(id, {"r" + std::to_string(i), "https://x/" + std::to_string(i)}, e.at);
    }
  });
  Report("outbox row lifecycle, durable (WAL, fsync)", kRows, "rows", s);
  std::filesystem::remove_all(dir);
  std::printf("(checksum %zu)\n", sink);
  return 0;
}
