#include "bot/outreach/poller.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace aasr::outreach {

Result<PollResult> FeedPoller::Poll(const FeedSource& source) {
  auto state = store_.GetFeedState(source.name);
  if (!state.ok()) return state.errors();
  HttpHeaders headers;
  if (!state.value().etag.empty()) headers.emplace_back("If-None-Match", state.value().etag);
  if (!state.value().last_modified.empty())
    headers.emplace_back("If-Modified-Since", state.value().last_modified);
  auto response = http_.Get(source.url, headers);
  if (!response.ok()) return response.errors();
  const HttpResponse& r = response.value();
  if (r.status == 304) {
    PollResult result;
    result.not_modified = true;
    return result;
  }
  if (r.status != 200) {
    std::string snippet = r.body.substr(0, 200);
    return Error{{source.url, 0, 0}, "feed " + source.name,
                 "HTTP " + std::to_string(r.status) + (snippet.empty() ? "" : ": " + snippet)};
  }
  FeedState next;
  next.initialized = true;
  next.etag = r.Header("etag");
  next.last_modified = r.Header("last-modified");
  return Record(source, r.body, next);
}

Result<PollResult> FeedPoller::Record(const FeedSource& source, const std::string& body,
                                      const FeedState& new_state) {
  auto previous = store_.GetFeedState(source.name);
  if (!previous.ok()) return previous.errors();
  auto parsed = ParseFeed(body, source.url);
  if (!parsed.ok()) return parsed.errors();
  const int64_t now = clock_.NowUnix();
  PollResult result;
  result.warnings = parsed.value().warnings;
  for (const Error& w : result.warnings) spdlog::warn("feed {}: {}", source.name, w.ToString());

  std::vector<Story> stories = parsed.value().stories;
  std::stable_sort(stories.begin(), stories.end(),
                   [](const Story& a, const Story& b) { return a.published < b.published; });
  std::vector<SeenStory> records;
  std::vector<std::string> ids_this_poll;
  for (const Story& s : stories) {
    // A feed may repeat an item within one body; the first wins.
    if (std::find(ids_this_poll.begin(), ids_this_poll.end(), s.id) != ids_this_poll.end()) continue;
    ids_this_poll.push_back(s.id);
    auto seen = store_.IsSeen(source.name, s.id);
    if (!seen.ok()) return seen.errors();
    if (seen.value()) {
      ++result.already_seen;
      continue;
    }
    SeenStory rec{source.name, s, StoryDisposition::kPending, now};
    if (!previous.value().initialized && !source.post_backlog_on_first_run) {
      rec.disposition = StoryDisposition::kBacklog;
      ++result.backlog;
    } else if (s.published > 0 && now - s.published > source.max_age_seconds) {
      rec.disposition = StoryDisposition::kTooOld;
      ++result.too_old;
      spdlog::info("feed {}: story {} '{}' published {} is older than the maximum age; not posted",
                   source.name, s.id, s.title, FormatRfc3339(s.published));
    } else {
      result.pending.push_back(s);
    }
    records.push_back(std::move(rec));
  }
  FeedState state = new_state;
  state.initialized = true;
  state.last_success = now;
  auto committed = store_.CommitPoll(source.name, records, state);
  if (!committed.ok()) return committed.errors();
  return result;
}

}  // namespace aasr::outreach
