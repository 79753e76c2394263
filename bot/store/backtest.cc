#include "bot/store/backtest.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "bot/store/ingest.h"

namespace aasr::store {

Result<int64_t> ParseSince(const std::string& text) {
  if (text == "all") return int64_t{1} << 52;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n <= 0 || p + 1 != text.data() + text.size())
    return Error{{"--since", 0, 0}, "", "expected a span such as 30d, 12h, 90m or 'all', got '" + text + "'"};
  switch (*p) {
    case 'd': return n * 86'400'000;
    case 'h': return n * 3'600'000;
    case 'm': return n * 60'000;
    default:
      return Error{{"--since", 0, 0}, "", "unknown unit in '" + text + "' (use d, h or m)"};
  }
}

Result<BacktestReport> Backtest(Store& store, const rules::RuleSet& active,
                                const rules::RuleSet& candidate, int64_t since_ms) {
  BacktestReport report;
  std::map<std::string, BacktestRule> by_rule;
  for (const auto& id : active.rule_ids()) {
    by_rule[id].rule_id = id;
    by_rule[id].active = true;
  }
  for (const auto& id : candidate.rule_ids()) {
    by_rule[id].rule_id = id;
    by_rule[id].candidate = true;
  }
  for (const auto& id : active.shadow_rule_ids()) by_rule[id].shadow = true;
  // A rule in the candidate set takes its mode from there.
  const std::vector<std::string> candidate_shadow = candidate.shadow_rule_ids();
  for (const auto& id : candidate.rule_ids()) {
    by_rule[id].shadow =
        std::find(candidate_shadow.begin(), candidate_shadow.end(), id) != candidate_shadow.end();
  }
  auto flagged = [](const rules::Verdict& v) { return v.action != rules::Action::kAllow; };
  auto ids = [](const rules::Verdict& v) {
    std::vector<std::string> out;
    for (const auto& m : v.matches) out.push_back(m.rule_id);
    return out;
  };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  Status s = store.ForEachComment(since_ms, [&](const StoredComment& c, const std::optional<Item>& item) {
    ++report.comments;
    rules::Comment rc = ToRulesComment(c);
    rules::Verdict a = active.Screen(rc);
    rules::Verdict b = candidate.Screen(rc);
    bool fa = flagged(a), fb = flagged(b);
    report.flagged_active += fa;
    report.flagged_candidate += fb;
    auto count_active = [&](const rules::RuleMatch& m) {
      auto& r = by_rule[m.rule_id];
      r.rule_id = m.rule_id;
      r.category = m.category;
      ++r.hits_active;
    };
    for (const auto& m : a.matches) count_active(m);
    for (const auto& m : a.shadow_matches) count_active(m);
    auto count_candidate = [&](const rules::RuleMatch& m) {
      auto& r = by_rule[m.rule_id];
      r.rule_id = m.rule_id;
      r.category = m.category;
      ++r.hits_candidate;
      if (!item) ++r.not_reviewed;
      else if (item->state == ItemState::kRemoved) ++r.removed;
      else if (item->state == ItemState::kApproved) ++r.approved;
      else ++r.open;
    };
    for (const auto& m : b.matches) count_candidate(m);
    for (const auto& m : b.shadow_matches) count_candidate(m);
    if (!fa && !fb) return true;
    BacktestChange ch;
    ch.comment_id = c.id;
    ch.item_id = item ? item->id : 0;
    ch.platform = c.platform;
    ch.remote_id = c.remote_id;
    ch.text = c.text;
    ch.state = item ? StateName(item->state) : "";
    ch.rules = fb ? ids(b) : ids(a);
    ch.action_active = rules::ActionName(a.action);
    ch.action_candidate = rules::ActionName(b.action);
    ch.priority_active = static_cast<int>(a.priority);
    ch.priority_candidate = static_cast<int>(b.priority);
    ch.categories_active = sorted(a.categories);
    ch.categories_candidate = sorted(b.categories);
    if (fa != fb) {
      (fb ? report.newly_flagged : report.no_longer_flagged).push_back(std::move(ch));
      return true;
    }
    if (ch.action_active != ch.action_candidate) report.action_changed.push_back(ch);
    if (ch.priority_active != ch.priority_candidate) report.priority_changed.push_back(ch);
    if (ch.categories_active != ch.categories_candidate) report.category_changed.push_back(ch);
    return true;
  });
  if (!s.ok()) return s.errors();
  for (auto& [id, r] : by_rule) report.rules.push_back(r);
  return report;
}

}  // namespace aasr::store
