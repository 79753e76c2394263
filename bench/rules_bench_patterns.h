// The patterns the two baselines (std::regex and raw Hyperscan) run: the
// terms and regexes of a rules directory plus the generated words, each as
// one plain regex string that both ECMAScript std::regex (icase) and
// Hyperscan (HS_FLAG_CASELESS) accept with the same meaning.
//
// A term becomes \bw1\W+w2\b ("*" wildcards drop the boundary on their side,
// "{list}" becomes an alternation of the list's terms). The baselines match
// the raw text: they do not undo disguises, which is what the engine's
// normalization pays for. Rule `regex` conditions are kept when both engines
// accept them (RE2 syntax mostly is); the rest are counted as skipped.
//
// Errors: unreadable or malformed YAML is reported in `problems`; the
// patterns found elsewhere are still returned. Not thread safe.
#pragma once

#include <string>
#include <vector>

#include "bench/rules_bench_corpus.h"

namespace aasr::bench {

struct BaselinePatterns {
  std::vector<std::string> regexes;  // deduplicated, in discovery order
  size_t from_terms = 0;             // words, phrases, list terms of the rule files
  size_t from_regex = 0;             // rule `regex` conditions both engines accept
  size_t from_generated = 0;         // the generated words
  std::vector<std::string> problems;  // skipped regexes and unreadable files, for the table

  // The same rules in the engine's own pattern form, for the breakdown's
  // replica of its two RE2::Set passes: word/phrase/list/allow terms as
  // " core " over the canonical view (as bot/rules/loader.cc builds them at
  // the time of writing), and `regex` conditions as written over the literal
  // view. A replica, not the engine: if the loader changes, this drifts.
  std::vector<std::string> engine_canonical;
  std::vector<std::string> engine_literal;
};

// Adds the patterns of every *.yaml/*.yml file of dir and its lists/*.txt.
void AddRulePatterns(const std::string& dir, BaselinePatterns* out);

// Adds one pattern per generated word.
void AddGeneratedPatterns(const std::vector<GeneratedWord>& words, BaselinePatterns* out);

}  // namespace aasr::bench
