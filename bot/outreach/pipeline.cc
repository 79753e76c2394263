#include "bot/outreach/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include "bot/outreach/planner.h"

namespace aasr::outreach {

std::optional<PlatformLimits> LimitsForPlatform(const std::string& platform) {
  if (platform == "local") {
    auto l = PlatformLimits::For("mastodon");
    l->platform = "local";
    return l;
  }
  return PlatformLimits::For(platform);
}

Result<EnqueueReport> EnqueueDue(const ScheduleConfig& config, const GraphicsCatalog& catalog,
                                 const Composer& composer, OutreachStore& store, const Clock& clock,
                                 const EnqueueOptions& options) {
  const int64_t horizon_seconds = options.horizon_seconds;
  auto pending = store.StoriesWithDisposition(StoryDisposition::kPending);
  if (!pending.ok()) return pending.errors();
  const int64_t now = clock.NowUnix();
  Planner planner(config, catalog, store);
  auto plan = planner.PlanRange(now, now + horizon_seconds, pending.value());
  if (!plan.ok()) return plan.errors();

  Outbox outbox(store, clock);
  EnqueueReport report;
  report.skipped = plan.value().skipped;
  for (const PlanEntry& e : plan.value().entries) {
    Result<Composition> composed = Error{{}, "", "unknown kind"};
    auto limits = LimitsForPlatform(e.platform);
    if (limits) {
      auto it = options.max_text_by_account.find(e.account);
      if (it != options.max_text_by_account.end() && it->second > 0)
        limits->max_units = static_cast<size_t>(it->second);
      auto w = options.url_weight_by_account.find(e.account);
      if (w != options.url_weight_by_account.end() && w->second > 0 && limits->unit == TextUnit::kMastodon)
        limits->url_weight = w->second;
    }
    if (!limits) {
      composed = Error{{config.path, 0, 0}, "schedule " + e.account, "unknown platform '" + e.platform + "'"};
    } else if (e.kind == "story") {
      auto it = std::find_if(pending.value().begin(), pending.value().end(), [&](const SeenStory& s) {
        return s.feed == e.feed && s.story.id == e.item_id;
      });
      ComposeInput input = FromStory(it->story, composer.templates().story_hashtags);
      if (limits->link_card && !it->story.image_url.empty() && options.fetch_image)
        input.card_thumb_file = options.fetch_image(it->story.image_url);
      composed = composer.Compose(input, *limits, e.account);
      if (!composed.ok() && !input.card_thumb_file.empty()) {
        // A thumbnail that cannot be used must not hold the story back.
        spdlog::warn("story {}: card thumbnail unusable ({}); posting without it", e.item_id,
                     FormatErrors(composed.errors()));
        input.card_thumb_file.clear();
        composed = composer.Compose(input, *limits, e.account);
      }
    } else {
      const Graphic* g = catalog.Find(e.item_id);
      composed = composer.Compose(FromGraphic(*g), *limits, e.account);
    }
    if (composed.ok()) {
      auto id = outbox.Enqueue(e, composed.value().post);
      if (!id.ok()) return id.errors();
      ++report.enqueued;
    } else {
      auto id = outbox.EnqueueFailed(e, composed.errors());
      if (!id.ok()) return id.errors();
      ++report.failed;
    }
  }
  // Stories every following account now has a row for are planned.
  for (const SeenStory& s : pending.value()) {
    bool all = true;
    for (const AccountSchedule& a : config.accounts) {
      if (!a.stories.enabled ||
          std::find(a.stories.feeds.begin(), a.stories.feeds.end(), s.feed) == a.stories.feeds.end())
        continue;
      auto has = store.HasOutboxKey(a.account, IdempotencyKey(a.account, "story", s.feed + '\n' + s.story.id));
      if (!has.ok()) return has.errors();
      all = all && has.value();
    }
    if (all) {
      auto ok = store.MarkStoryPlanned(s.feed, s.story.id);
      if (!ok.ok()) return ok.errors();
    }
  }
  return report;
}

std::string FetchImageToCache(HttpGetter& http, const std::string& url, const std::string& cache_dir) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(url.data()), url.size(), digest);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  for (const char* ext : {".jpg", ".png"}) {
    const auto p = std::filesystem::path(cache_dir) / (std::string("story-") + hex + ext);
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  auto r = http.Get(url, {});
  if (!r.ok() || r.value().status != 200 || r.value().body.size() < 8) {
    spdlog::warn("story image {}: not fetched ({})", url,
                 r.ok() ? "HTTP " + std::to_string(r.value().status) : FormatErrors(r.errors()));
    return "";
  }
  const std::string& b = r.value().body;
  const char* ext = nullptr;
  if (static_cast<unsigned char>(b[0]) == 0x89 && b.compare(1, 3, "PNG") == 0) ext = ".png";
  else if (static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8) ext = ".jpg";
  if (!ext) {
    spdlog::warn("story image {}: not a PNG or JPEG", url);
    return "";
  }
  const auto p = std::filesystem::path(cache_dir) / (std::string("story-") + hex + ext);
  const auto tmp = p.string() + ".part";
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
    if (!out) return "";
  }
  std::filesystem::rename(tmp, p, ec);
  return ec ? "" : p.string();
}

}  // namespace aasr::outreach
