// FeedPoller: one poll of one story source, remembered durably.
//
// Poll() sends a conditional GET (If-None-Match / If-Modified-Since from the
// last successful poll). 304 changes nothing. 200 is parsed; every story id
// not seen before is recorded with a disposition:
//   - first poll of this feed and post_backlog_on_first_run is false: backlog
//     (recorded, never posted: connecting a site with 200 old posts must not
//     flood the accounts);
//   - published longer ago than max_age: too_old (logged, never posted);
//   - otherwise pending: the planner turns it into outbox rows.
// Ids already seen (an edited story, a feed re-sending old items) are ignored.
//
// Nothing is lost: the stories and the new ETag/Last-Modified are committed in
// one transaction, only after a successful parse. A broken or failing feed
// returns an Error naming the URL/line and leaves the state untouched, so the
// next poll fetches it again in full.
// Thread safety: one poller per thread (it uses the store's connection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bot/util/clock.h"
#include "bot/outreach/http_getter.h"
#include "bot/outreach/store.h"
#include "bot/outreach/story.h"

namespace aasr::outreach {

struct FeedSource {
  std::string name;  // stable key in the store, e.g. "aasr-site"
  std::string url;   // RSS, Atom, or /wp-json/wp/v2/posts?_embed
  int64_t max_age_seconds = 3 * 24 * 3600;
  bool post_backlog_on_first_run = false;
};

struct PollResult {
  bool not_modified = false;
  std::vector<Story> pending;  // newly eligible stories, oldest first
  int backlog = 0;             // recorded as backlog this poll
  int too_old = 0;
  int already_seen = 0;
  Errors warnings;             // items skipped by the parser
};

class FeedPoller {
 public:
  FeedPoller(HttpGetter& http, OutreachStore& store, const Clock& clock)
      : http_(http), store_(store), clock_(clock) {}

  Result<PollResult> Poll(const FeedSource& source);

  // The same decisions for a body already in hand (tests, `posts preview`).
  Result<PollResult> Record(const FeedSource& source, const std::string& body,
                            const FeedState& new_state);

 private:
  HttpGetter& http_;
  OutreachStore& store_;
  const Clock& clock_;
};

}  // namespace aasr::outreach
