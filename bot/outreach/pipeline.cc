#include "bot/outreach/pipeline.h"

#include <algorithm>

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
                                 int64_t horizon_seconds) {
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
    const auto limits = LimitsForPlatform(e.platform);
    if (!limits) {
      composed = Error{{config.path, 0, 0}, "schedule " + e.account, "unknown platform '" + e.platform + "'"};
    } else if (e.kind == "story") {
      auto it = std::find_if(pending.value().begin(), pending.value().end(), [&](const SeenStory& s) {
        return s.feed == e.feed && s.story.id == e.item_id;
      });
      composed = composer.Compose(FromStory(it->story, composer.templates().story_hashtags), *limits, e.account);
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

}  // namespace aasr::outreach
