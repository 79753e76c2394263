// Rule backtests: what a candidate rule set would have done to the comments
// already stored, compared with the active rules and with what moderators
// decided. Organizers see the effect of a rule change before it goes live.
//
// Promises: every stored comment received at or after since_ms is screened by
// both sets (nothing is written). A comment is "flagged" when the verdict is
// review or hide. Every change that decides what moderators see or what is
// hidden at once is listed: newly flagged, no longer flagged, and among
// comments flagged by both, action changed (review <-> hide), priority
// changed, categories changed (a comment may be in several of the last three). Per candidate rule: its hits, and of those how many
// moderators removed, approved, left open, or never saw (not queued by the
// active rules at the time). Rules in `mode: shadow` are counted the same
// way (their would-be hits) but never count towards flagged_* or the changes:
// they change no verdict. Errors come only from the store.
// Thread safety: stateless; rule sets are immutable and screening is const.
#pragma once

#include <string>
#include <vector>

#include "bot/rules/rules.h"
#include "bot/store/store.h"

namespace aasr::store {

struct BacktestChange {
  int64_t comment_id = 0;
  int64_t item_id = 0;          // 0: never queued
  std::string platform, remote_id, text;
  std::string state;            // the item's state, or "" when not queued
  std::vector<std::string> rules;  // rules that matched in the set that flags it
                                   // (both sets: the candidate's)
  // The two verdicts: "allow" | "review" | "hide", 0-3, sorted categories.
  std::string action_active, action_candidate;
  int priority_active = 0, priority_candidate = 0;
  std::vector<std::string> categories_active, categories_candidate;
};

struct BacktestRule {
  std::string rule_id;
  std::string category;
  bool active = false;     // in the active set
  bool candidate = false;  // in the candidate set
  bool shadow = false;     // in shadow mode (in the candidate set, else the active one)
  int64_t hits_active = 0, hits_candidate = 0;
  // Of the candidate's hits: what moderators decided.
  int64_t removed = 0, approved = 0, open = 0, not_reviewed = 0;
};

struct BacktestReport {
  int64_t comments = 0;
  int64_t flagged_active = 0, flagged_candidate = 0;
  std::vector<BacktestChange> newly_flagged;
  std::vector<BacktestChange> no_longer_flagged;
  std::vector<BacktestChange> action_changed;    // flagged by both; review <-> hide
  std::vector<BacktestChange> priority_changed;  // flagged by both
  std::vector<BacktestChange> category_changed;  // flagged by both
  std::vector<BacktestRule> rules;  // sorted by rule id
};

Result<BacktestReport> Backtest(Store& store, const rules::RuleSet& active,
                                const rules::RuleSet& candidate, int64_t since_ms);

// "30d", "12h", "90m" -> milliseconds; "all" -> a very large span.
Result<int64_t> ParseSince(const std::string& text);

}  // namespace aasr::store
