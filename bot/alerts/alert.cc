#include "bot/alerts/alert.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include "bot/util/utf8.h"

namespace aasr::alerts {
namespace {

using Sys = std::chrono::system_clock;

cctz::time_zone Zone(const std::string& name) {
  cctz::time_zone z;
  if (!cctz::load_time_zone(name, &z)) z = cctz::utc_time_zone();  // the config loader checked the name
  return z;
}

cctz::civil_second Civil(int64_t ms, const cctz::time_zone& z) {
  return cctz::convert(Sys::time_point(std::chrono::milliseconds(ms)), z);
}

int64_t Ms(const cctz::civil_second& cs, const cctz::time_zone& z) {
  // A local time skipped by a DST change maps to the instant after the gap.
  auto tp = cctz::convert(cs, z);
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const char* PriorityWord(int p) {
  switch (p) {
    case 0: return "low";
    case 1: return "normal";
    case 2: return "high";
    default: return "urgent";
  }
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

bool IsUrgent(const Event& e) {
  if (e.kind == kCrisisUndecided || e.kind == kTest) return true;
  return (e.kind == kNewItem || e.kind == kEscalated) && (e.crisis || e.priority >= 3);
}

Router::Router(config::AlertsConfig config, std::string public_url)
    : config_(std::move(config)), public_url_(std::move(public_url)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::vector<std::string> Router::ChannelsFor(const Event& e) const {
  std::vector<std::string> out;
  if (e.kind == kTest) return out;
  for (const config::AlertRoute& r : config_.routes) {
    if (!r.events.empty() && !Contains(r.events, e.kind)) continue;
    if (!r.categories.empty()) {
      bool any = false;
      for (const auto& c : e.categories) any = any || Contains(r.categories, c);
      if (!any) continue;
    }
    if (!r.priorities.empty() &&
        std::find(r.priorities.begin(), r.priorities.end(), e.priority) == r.priorities.end())
      continue;
    for (const auto& c : r.channels)
      if (!Contains(out, c)) out.push_back(c);
  }
  return out;
}

bool InQuietHours(const config::QuietHours& q, int64_t now_ms) {
  if (q.from_minute < 0 || q.to_minute < 0) return false;
  cctz::civil_second cs = Civil(now_ms, Zone(q.time_zone));
  int m = cs.hour() * 60 + cs.minute();
  if (q.from_minute < q.to_minute) return m >= q.from_minute && m < q.to_minute;
  return m >= q.from_minute || m < q.to_minute;  // spans midnight
}

int64_t QuietEnds(const config::QuietHours& q, int64_t now_ms) {
  if (!InQuietHours(q, now_ms)) return now_ms;
  cctz::time_zone z = Zone(q.time_zone);
  cctz::civil_second cs = Civil(now_ms, z);
  cctz::civil_day d(cs);
  cctz::civil_second end = cctz::civil_second(d) + q.to_minute * 60;
  if (Ms(end, z) <= now_ms) end = cctz::civil_second(d + 1) + q.to_minute * 60;
  return Ms(end, z);
}

int64_t NextDigest(const config::AlertChannel& c, int64_t now_ms) {
  cctz::time_zone z = Zone(c.quiet.time_zone);
  cctz::civil_second cs = Civil(now_ms, z);
  if (c.digest == "daily") {
    cctz::civil_day d(cs);
    cctz::civil_second at = cctz::civil_second(d) + c.digest_hour * 3600;
    if (Ms(at, z) <= now_ms) at = cctz::civil_second(d + 1) + c.digest_hour * 3600;
    return Ms(at, z);
  }
  cctz::civil_hour next = cctz::civil_hour(cs) + 1;
  return Ms(cctz::civil_second(next), z);
}

Router::Plan Router::Schedule(const config::AlertChannel& c, const Event& e, int64_t now_ms) const {
  if (IsUrgent(e)) return {false, now_ms};
  if (!c.digest.empty()) {
    int64_t due = NextDigest(c, now_ms);
    return {true, QuietEnds(c.quiet, due)};
  }
  if (InQuietHours(c.quiet, now_ms)) return {true, QuietEnds(c.quiet, now_ms)};
  return {false, now_ms};
}

std::string Router::ItemLink(int64_t item_id) const { return public_url_ + "/#item=" + std::to_string(item_id); }
std::string Router::QueueLink() const { return public_url_ + "/#queue"; }

std::string Excerpt(const std::string& text, int max_chars) {
  if (max_chars <= 0) return "";
  std::string out;
  size_t pos = 0;
  int n = 0;
  while (pos < text.size()) {
    char32_t cp = 0;
    size_t len = 1;
    if (!utf8::Decode(text, pos, &cp, &len)) cp = 0xFFFD;
    if (n == max_chars) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      return out + "…";
    }
    if (cp == '\n' || cp == '\r' || cp == '\t') cp = ' ';
    utf8::Append(cp, &out);
    pos += len;
    ++n;
  }
  return out;
}

Message Render(const Event& e, const config::AlertChannel& c, const Router& router, const std::string& key) {
  Message m;
  m.key = key;
  m.kind = e.kind;
  m.priority = e.priority;
  m.crisis = e.crisis;
  m.tags = e.categories;
  std::string cats = Join(e.categories, ", ");
  if (e.item_id) m.link = router.ItemLink(e.item_id);
  else m.link = router.QueueLink();
  std::string body;
  if (e.kind == kNewItem || e.kind == kEscalated || e.kind == kCrisisUndecided) {
    std::string what = e.kind == kNewItem ? "New" : e.kind == kEscalated ? "Escalated" : "Still undecided";
    m.title = (e.crisis ? std::string("CRISIS: ") : "") + what + " item #" + std::to_string(e.item_id) + " (" +
              PriorityWord(e.priority) + (cats.empty() ? "" : ", " + cats) + ")";
    if (e.crisis) body += "Someone may be in crisis: reach out before anything else.\n";
    if (e.kind == kCrisisUndecided) body += "This crisis item has had no decision yet.\n";
    body += "On " + e.platform + (e.account.empty() ? "" : " (" + e.account + ")") + ".\n";
    std::string ex = Excerpt(e.text, c.excerpt);
    if (!ex.empty()) body += "\"" + ex + "\"\n";
    if (e.kind == kCrisisUndecided) m.priority = 3;
  } else if (e.kind == kAccountDown) {
    m.title = "Account " + e.subject + " is down";
    m.priority = 2;
    body += "Polling " + e.subject + " has been failing: " + e.detail + "\n";
  } else if (e.kind == kPostFailed) {
    m.title = "A post on " + e.subject + " failed for good";
    m.priority = 2;
    body += e.detail + "\n";
  } else if (e.kind == kReloadRejected) {
    m.title = "A config or rules change was rejected";
    m.priority = 2;
    body += "The previous version stays in force. " + e.detail + "\n";
  } else {
    m.title = "aasr-bot test alert";
    body += "A test alert from aasr-bot through channel " + c.name + ". " + e.detail + "\n";
  }
  m.text = body + m.link;
  return m;
}

Message RenderBatch(const std::vector<Event>& events, const std::string& kind, const config::AlertChannel& c,
                    const Router& router, const std::string& key) {
  (void)c;
  Message m;
  m.key = key;
  m.kind = kind;
  m.count = static_cast<int>(events.size());
  m.link = router.QueueLink();
  std::map<std::string, int> by_kind, by_cat;
  int crisis = 0;
  for (const Event& e : events) {
    by_kind[e.kind]++;
    for (const auto& cat : e.categories) by_cat[cat]++;
    if (e.crisis) crisis++;
    m.priority = std::max(m.priority, e.priority);
  }
  m.crisis = crisis > 0;
  for (const auto& [cat, n] : by_cat) m.tags.push_back(cat);
  m.title = (crisis ? "CRISIS: " : std::string()) + std::to_string(events.size()) + " alerts" +
            (kind == "digest" ? " (digest)" : " in the last minute");
  std::string body = m.title + "\n";
  if (crisis) body += std::to_string(crisis) + " crisis item(s): reach out before anything else.\n";
  for (const auto& [k, n] : by_kind) body += k + ": " + std::to_string(n) + "\n";
  if (!by_cat.empty()) {
    std::string cats;
    for (const auto& [cat, n] : by_cat) cats += (cats.empty() ? "" : ", ") + cat + " " + std::to_string(n);
    body += "by category: " + cats + "\n";
  }
  // A few item links, crisis first; the queue has the rest.
  std::vector<const Event*> sorted;
  for (const Event& e : events) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Event* a, const Event* b) { return a->crisis > b->crisis; });
  int shown = 0;
  for (const Event* e : sorted) {
    if (!e->item_id || shown == 5) continue;
    body += router.ItemLink(e->item_id) + "\n";
    ++shown;
  }
  m.text = body + m.link;
  return m;
}

}  // namespace aasr::alerts
