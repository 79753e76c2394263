// aasr::rules — screening comments against the Community Standards.
//
// Organizers write rules as YAML files in a directory (see rules/README.md).
// Load them once, then screen any number of comments, from any thread:
//
//   aasr::Result<aasr::rules::RuleSetPtr> loaded =
//       aasr::rules::RuleSet::LoadDirectory("rules");
//   if (!loaded.ok()) {                       // every problem, file:line:column
//     std::cerr << aasr::FormatErrors(loaded.errors());
//     return 1;
//   }
//   aasr::rules::Comment comment;
//   comment.text = "y0u are an 1d1ot";
//   aasr::rules::Verdict v = loaded.value()->Screen(comment);
//   // v.action == Action::kReview, v.priority, v.categories,
//   // v.matches[0].rule_id, v.matches[0].spans = {{4, 11}, {12, 18}} ...
//   // Spans are byte offsets into comment.text as given, however disguised.
//   std::cout << aasr::rules::VerdictToJson(v, "c1").dump() << "\n";
//
// Verdict: `allow` if a matched rule says allow (an explicit pass); otherwise
// `hide` if a matched rule says hide, else `review` if any rule matched, else
// `allow`. It carries the highest priority among matched rules. Never `hide`
// when a crisis rule matched or the author is one of our own accounts
// (Author::is_self): then `review`. Rules in `mode: shadow` take no part in
// it: their matches are reported apart (Verdict::shadow_matches).
//
// Thread safety: a RuleSet is immutable after loading; Screen() is const and
// may be called concurrently. Replace a RuleSet by swapping the shared pointer
// (see ActiveRules in active_rules.h), never by mutating it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/util/error.h"

namespace aasr::rules {

enum class Action { kAllow, kReview, kHide };
enum class Priority { kLow, kNormal, kHigh, kUrgent };

const char* ActionName(Action a);      // "allow", "review", "hide"
const char* PriorityName(Priority p);  // "low", "normal", "high", "urgent"

// What the platforms tell us about a comment's author. Unknown fields stay
// empty; a condition on an unknown field is false (it never flags by guess).
struct Author {
  std::string handle;
  std::optional<double> account_age_days;
  std::optional<double> followers;
  std::optional<bool> first_comment;
  // The comment is by one of the organization's own accounts (set by intake
  // from the platform adapter's own identity). A verdict for such a comment
  // is never `hide` (at most `review`): our own posts and replies stay up.
  std::optional<bool> is_self;
};

struct Comment {
  std::string text;  // UTF-8 as received; must be valid UTF-8
  Author author;
  std::string platform;
};

// A byte range [begin, end) of Comment::text.
using Span = std::pair<uint32_t, uint32_t>;

struct RuleMatch {
  std::string rule_id;
  std::string category;
  std::string description;
  Action action = Action::kReview;
  Priority priority = Priority::kNormal;
  std::vector<Span> spans;  // sorted, merged; empty for metadata-only rules
  // Every span lies inside reported speech (quotes, or words after a
  // reporting verb) and the rule's `reported:` key set action and priority.
  bool reported = false;
};

struct Verdict {
  Action action = Action::kAllow;
  Priority priority = Priority::kLow;
  std::vector<std::string> categories;  // distinct, in match order
  std::vector<RuleMatch> matches;       // every live rule that matched
  std::string explanation;              // one line, for humans
  // Rules in `mode: shadow` that matched. They are watched, never obeyed:
  // they never change action, priority, categories or matches above.
  std::vector<RuleMatch> shadow_matches;
};

struct Rule;  // internal; see rule_set_internal.h

class RuleSet;
using RuleSetPtr = std::shared_ptr<const RuleSet>;

class RuleSet {
 public:
  // Loads every *.yaml / *.yml file of dir (sorted by name) and the list files
  // under dir/lists/. Returns every problem found, each with file:line:column
  // and the rule id; a set with any error is never returned.
  static Result<RuleSetPtr> LoadDirectory(const std::string& dir);

  // Loads rules from YAML text; `name` is used in error locations. List files
  // are not consulted. Meant for tests and the `try` box.
  static Result<RuleSetPtr> LoadString(const std::string& yaml_text,
                                       const std::string& name = "<string>");

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // How candidate rules are evaluated: kFast skips, by a cheaper test on the
  // canonical view, the exact work for rules that cannot hold; kReference
  // always does the exact work. Both give the same verdict (tested); the
  // reference is for those tests and for suspicion, never needed otherwise.
  enum class Evaluation { kFast, kReference };

  // Screens one comment. Never throws; invalid UTF-8 in text is matched as if
  // each bad byte were a separator.
  Verdict Screen(const Comment& comment, Evaluation mode = Evaluation::kFast) const;

  size_t rule_count() const;
  std::vector<std::string> rule_ids() const;
  // The ids of the rules in `mode: shadow`, in rule order.
  std::vector<std::string> shadow_rule_ids() const;
  // Files the set was loaded from, for hot reload and messages.
  const std::vector<std::string>& source_files() const;

  // Runs every `examples` entry. Each failure is an Error located at the
  // example, with the verdict's explanation in its message.
  Errors RunExamples() const;
  size_t example_count() const;

  struct Impl;

 private:
  friend struct RuleSetFactory;
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The `screen` JSON shape:
// {"id":…, "action":…, "categories":[…], "priority":…,
//  "rules":[{"id":…, "category":…, "spans":[[b,e],…], "reported":true?}],
//  "explanation":…}  ("reported" only when the match was reported speech)
// `id` is omitted when null. "shadow":[{"id","category","spans"}] follows
// "rules" only when a shadow rule matched.
nlohmann::ordered_json VerdictToJson(const Verdict& v, const nlohmann::json& id = nullptr);

}  // namespace aasr::rules
