#include "bot/outreach/runner.h"

#include <spdlog/spdlog.h>

namespace aasr::outreach {

TickReport OutreachRunner::Tick() {
  TickReport report;
  const int64_t now = d_.clock->NowUnix();
  FeedPoller poller(*d_.http, *d_.store, *d_.clock);
  for (const FeedConfig& feed : d_.config->feeds) {
    auto it = next_poll_.find(feed.source.name);
    if (it != next_poll_.end() && it->second > now) continue;
    next_poll_[feed.source.name] = now + feed.poll_seconds;
    ++report.feeds_polled;
    auto polled = poller.Poll(feed.source);
    if (!polled.ok()) {
      for (const Error& e : polled.errors()) spdlog::error("feed {}: {}", feed.source.name, e.ToString());
      report.errors.insert(report.errors.end(), polled.errors().begin(), polled.errors().end());
      continue;
    }
    if (polled.value().not_modified) ++report.feeds_not_modified;
    report.new_stories += static_cast<int>(polled.value().pending.size());
  }

  EnqueueOptions options;
  options.horizon_seconds = d_.horizon_seconds;
  for (const AccountSchedule& a : d_.config->accounts) {
    if (a.platform != "mastodon") continue;
    if (platforms::Platform* p = d_.platform_for(a.account)) {
      const int max_text = p->capabilities().max_text;
      if (max_text > 0) options.max_text_by_account[a.account] = max_text;
      const int url_weight = p->capabilities().url_weight;
      if (url_weight > 0) options.url_weight_by_account[a.account] = url_weight;
    }
  }
  HttpGetter* http = d_.http;
  const std::string cache = d_.image_cache_dir;
  options.fetch_image = [http, cache](const std::string& url) { return FetchImageToCache(*http, url, cache); };
  auto enqueued = EnqueueDue(*d_.config, *d_.catalog, *d_.composer, *d_.store, *d_.clock, options);
  if (enqueued.ok()) report.enqueued = enqueued.value();
  else report.errors.insert(report.errors.end(), enqueued.errors().begin(), enqueued.errors().end());

  Outbox outbox(*d_.store, *d_.clock, d_.retry);
  report.sent = outbox.SendDue(d_.platform_for);
  return report;
}

}  // namespace aasr::outreach
