// Internal: the compiled form of a rule set. Only bot/rules/*.cc include this.
//
// Loading turns YAML into Rules whose term conditions refer to Patterns by
// index. Every Pattern is compiled twice: into one of two RE2::Sets (one pass
// over a comment finds every candidate) and into a single RE2 with one
// capture group that locates the spans of a candidate.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <re2/re2.h>
#include <re2/set.h>

#include "bot/rules/reported.h"
#include "bot/rules/rules.h"

namespace aasr::rules {

// Which normalized view a pattern runs on (see normalize.h).
enum class View { kCanonical, kLiteral };

struct Pattern {
  View view = View::kCanonical;
  std::string regex;          // the pattern as added to the set (for terms: the
                              // squeezed prefilter, run over the squeezed text)
  std::string locate_regex;   // the same with one capture group around the match
  // For a term that is one word of ASCII letters: its squeezed form ("kill"
  // -> "kil") and the least length of each letter run (1, 1, 2), so that on a
  // canonical text without masking placeholders a word matches exactly when
  // it squeezes to simple_word with runs at least as long (what the locator
  // would find). Empty for every other pattern.
  std::string simple_word;
  std::vector<uint8_t> simple_runs;

  // The single RE2 that locates spans, compiled on first use (most patterns
  // of a large set never match, so loading does not pay for them). Thread safe.
  const RE2& Locator() const {
    std::call_once(*once, [this] {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_case_sensitive(view == View::kCanonical);
      locate = std::make_unique<RE2>(locate_regex, options);
    });
    return *locate;
  }

  std::unique_ptr<std::once_flag> once = std::make_unique<std::once_flag>();
  mutable std::unique_ptr<RE2> locate;
};

enum class Field { kAccountAgeDays, kFollowers, kFirstComment, kLinksCount, kMentionsCount,
                   kCapsRatio, kLength,
                   kIsSelf };
enum class CompareOp { kLt, kLe, kGt, kGe, kEq, kNe };

struct Condition {
  enum class Kind { kAll, kAny, kNot, kTerms, kCompare, kDomains,
                    kNear, kHandles };
  Kind kind = Kind::kAll;
  std::vector<Condition> children;  // kAll, kAny, kNot (one child)
  // kTerms: true when at least min_matches spans of these patterns survive
  // the rule's allow terms. kNear: every pattern of every group (so the
  // rule is a candidate when any of them hits).
  std::vector<int> patterns;
  int min_matches = 1;
  // kCompare
  Field field = Field::kLength;
  CompareOp op = CompareOp::kEq;
  double value = 0;
  // kDomains: some link's domain is (in) / is not (!in) in `domains`.
  bool domains_in = true;
  std::vector<std::string> domains;
  // kNear: one match of each group, consecutive parts at most `within`
  // words apart, in group order when `ordered` (else in any order).
  std::vector<std::vector<int>> groups;
  int within = 0;
  bool ordered = false;
  // kHandles: the author's handle (NormalizeHandle) is (in) / is not (!in)
  // in `handles`; an entry "*@domain" stands for every handle on domain.
  bool handles_in = true;
  std::vector<std::string> handles;
};

// A rule's `reported:` key: when every span of its match lies inside
// reported speech (see reported.h), the match takes this action and priority
// instead of the rule's (kAllow: the match is dropped from the verdict).
struct ReportedSpec {
  Action action = Action::kReview;
  Priority priority = Priority::kLow;
  ReportedOptions options;
};

struct Example {
  Comment comment;
  bool should_flag = true;
  Location where;
};

struct Rule {
  std::string id;
  std::string category;
  std::string description;
  Action action = Action::kReview;
  Priority priority = Priority::kNormal;
  bool shadow = false;  // `mode: shadow`: matched and reported, never obeyed
  Condition root;
  std::optional<ReportedSpec> reported;
  std::vector<int> allow_patterns;  // canonical patterns neutralising matches
  // Scoped allow terms: a pattern neutralising a match that lies at most
  // `within` words from one of its matches (or overlaps it).
  struct ScopedAllow {
    int pattern;
    int within;
  };
  std::vector<ScopedAllow> scoped_allow;
  std::vector<Example> examples;
  Location where;
  // False when the rule can hold without any term matching (metadata only,
  // or a `not`), so it must be evaluated for every comment.
  bool needs_term_hit = true;
};

struct RuleSet::Impl {
  std::vector<Rule> rules;
  std::vector<Pattern> patterns;
  std::vector<std::string> sources;
  // Set index -> pattern index, per view.
  std::unique_ptr<RE2::Set> canonical_set, literal_set;
  std::vector<int> canonical_ids, literal_ids;
  std::vector<std::vector<int>> rules_by_pattern;  // pattern -> rules using it
  std::vector<int> always_evaluate;                // rules with needs_term_hit == false
  bool needs_literal_view = false;

  // Compiles patterns into the sets and indexes. Returns errors (e.g. RE2 out
  // of memory) located at `where`.
  Errors Compile(const Location& where);
};

struct RuleSetFactory {
  static RuleSetPtr Make(std::unique_ptr<RuleSet::Impl> impl) {
    return RuleSetPtr(new RuleSet(std::move(impl)));
  }
};

// A handle as author.handle compares it: surrounding spaces and one leading
// '@' removed, ASCII lowercased ("@Alice@Example.org" -> "alice@example.org").
std::string NormalizeHandle(std::string_view handle);

// Loader entry point shared by LoadDirectory and LoadString.
struct SourceText {
  std::string name;  // file path or a name for errors
  std::string text;
};
struct ListFile {
  std::string name;  // list name
  std::string path;
  std::string text;
};
Result<RuleSetPtr> BuildRuleSet(const std::vector<SourceText>& rule_files,
                                const std::vector<ListFile>& list_files);

}  // namespace aasr::rules
