// aasr::rules eval — scoring a rule set on a labeled corpus.
//
// Organizers (and CI) need numbers, not impressions: how much of what must be
// flagged is flagged, how much of what must pass is flagged or even hidden,
// whether a person in crisis is ever hidden, and whether a catch lands in the
// right category. `aasr-bot rules eval` is the CLI over this unit; it depends
// only on bot/rules so it is tested without the CLI or the store.
//
//   std::vector<EvalItem> items;                       // from ParseCorpusLine
//   EvalReport r = Evaluate(*rule_set, items);
//   std::cout << FormatReport(r, /*list=*/false);      // or ReportToJson(r)
//   std::vector<ThresholdResult> t = CheckThresholds(r, thresholds);
//
// Definitions (also in rules/README.md):
// - flagged: the verdict's action is review or hide.
// - recall: flagged must-flag items / must-flag items; per category uses the
//   item's expected category, per kind its kind.
// - false-positive rate: flagged must-pass items / must-pass items.
// - hidden must-pass: must-pass items whose verdict is hide.
// - crisis items: must-flag items whose expected category is "crisis" (a
//   must-pass item's category names what it could be mistaken for, so it is
//   no person in crisis); crisis recall is recall over them; crisis hidden
//   counts those whose verdict is hide (the engine should make that 0).
// - category accuracy, over catches (flagged must-flag items with an expected
//   category): "primary" when PrimaryCategory(verdict) equals the expected
//   category; "among" when the expected category is one of the verdict's
//   categories.
// - shadow rules (mode: shadow) never change a verdict; per shadow rule the
//   report counts its hits on must-flag and must-pass items, and the catches
//   and false positives it would add (items the live rules leave at allow).
//   "would add" in total counts the items any non-allow shadow rule would
//   newly flag (explicit-pass shadow rules are not simulated).
// Rates with nothing to divide by are absent (null in JSON), never 0 or 1.
// Thread safety: pure functions over immutable inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/rules/rules.h"

namespace aasr::rules {

// One labeled comment of the corpus.
struct EvalItem {
  std::string id;        // as given ("" when the line has none)
  std::string source;    // file (or "db:FILE") and line, for messages: "a.jsonl:12"
  Comment comment;
  bool expect_flag = false;
  std::string category;  // expected category ("" when not given)
  std::string kind;      // e.g. "plain", "no-marker", "evasion-leet"; "" when not given
};

// Reads a corpus line's `author` object into *author, or sets *error naming
// the bad field and returns false. The CLI passes `screen`'s own reader so a
// corpus line and a screened line mean the same thing.
using AuthorReader = std::function<bool(const nlohmann::json&, Author*, std::string*)>;

// Parses one corpus line `{"id", "text", "expect": "flag"|"pass", "category",
// "kind", "author"?}`. Blank lines are not items: the result is then
// std::nullopt with *error empty. A malformed line gives std::nullopt and
// *error says why (not JSON, invalid UTF-8, missing text, bad expect, a field
// of the wrong type, the author reader's message). `id` may be a string or a
// number; it defaults to "" (messages then use `source`).
std::optional<EvalItem> ParseCorpusLine(const std::string& line, const AuthorReader& read_author,
                                        std::string* error);

// The primary category of a verdict: the category of the matched rule with
// the most severe action (hide, then review, then allow), then the highest
// priority, then the first in match order (rule order). "" for no match.
std::string PrimaryCategory(const Verdict& v);

struct Ratio {
  int64_t hit = 0, of = 0;
  std::optional<double> rate() const {
    if (of == 0) return std::nullopt;
    return static_cast<double>(hit) / static_cast<double>(of);
  }
};

// An item worth showing with --list, with what the rules said about it.
struct EvalCase {
  std::string id, source, text, category, kind;
  std::string action;       // the verdict's action
  std::string primary;      // the verdict's primary category
  std::string explanation;  // the verdict's explanation
  std::vector<std::string> shadow_rules;  // shadow rules that matched
};

struct ShadowRuleReport {
  std::string rule_id, category;
  int64_t hits = 0, flag_hits = 0, pass_hits = 0;
  int64_t would_add_catches = 0;          // must-flag items the live rules miss
  int64_t would_add_false_positives = 0;  // must-pass items the live rules let through
};

struct EvalReport {
  int64_t items = 0, flag_items = 0, pass_items = 0;
  Ratio recall;
  std::map<std::string, Ratio> recall_by_category, recall_by_kind;
  Ratio false_positives;
  std::map<std::string, Ratio> false_positives_by_kind;
  int64_t hidden_pass = 0;
  Ratio crisis_recall;
  int64_t crisis_items = 0, crisis_hidden = 0;
  Ratio category_primary, category_among;
  // Shadow rules in rule order, including those that never matched.
  std::vector<ShadowRuleReport> shadow;
  int64_t shadow_would_add_catches = 0, shadow_would_add_false_positives = 0;
  // For --list, in corpus order.
  std::vector<EvalCase> misses, false_positive_cases, miscategorized;
  // Filled by the caller: corpus files read and the malformed lines skipped.
  std::vector<std::string> files;
  std::vector<std::string> malformed;  // "FILE: line N: message"
};

// Screens every item and scores the verdicts. Never fails.
EvalReport Evaluate(const RuleSet& rules, const std::vector<EvalItem>& items);

// A floor CI can hold. `name` is the CLI option ("min-recall", ...).
struct Threshold {
  std::string name;
  double limit = 0;
};
struct ThresholdResult {
  std::string name;
  double limit = 0;
  std::optional<double> value;  // absent when the metric has no items
  bool ok = false;              // a metric with no items never satisfies a floor
};
// Known names: min-recall, min-crisis-recall, max-fpr, max-hidden-pass,
// max-crisis-hidden, min-category (primary category accuracy),
// max-malformed. Rates are fractions (0.85), counts are counts.
std::vector<ThresholdResult> CheckThresholds(const EvalReport& r, const std::vector<Threshold>& thresholds);

// The human report; with list, every miss, false positive and miscategorized
// catch with its verdict's explanation.
std::string FormatReport(const EvalReport& r, const std::vector<ThresholdResult>& thresholds, bool list);

// The same as one JSON object (see rules/README.md for the keys). misses,
// false_positives and miscategorized are present only with list.
nlohmann::ordered_json ReportToJson(const EvalReport& r, const std::vector<ThresholdResult>& thresholds,
                                    bool list);

}  // namespace aasr::rules
