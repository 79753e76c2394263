// Helpers the rule tests share: load a rule set from YAML text (failing the
// test with every located error), screen a text, and read back what matched.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "bot/rules/rules.h"

namespace aasr::rules::testing {

inline RuleSetPtr Load(const std::string& yaml) {
  Result<RuleSetPtr> r = RuleSet::LoadString(yaml, "test.yaml");
  if (!r.ok()) FAIL(FormatErrors(r.errors()));
  return r.value();
}

inline Verdict ScreenText(const RuleSetPtr& rules, const std::string& text, Author author = {}) {
  Comment c;
  c.text = text;
  c.author = std::move(author);
  return rules->Screen(c);
}

inline bool Fires(const RuleSetPtr& rules, const std::string& text, Author author = {}) {
  return !ScreenText(rules, text, std::move(author)).matches.empty();
}

// The original text of every span of every live match, in order.
inline std::vector<std::string> Matched(const std::string& text, const Verdict& v) {
  std::vector<std::string> out;
  for (const RuleMatch& m : v.matches)
    for (const Span& s : m.spans) out.push_back(text.substr(s.first, s.second - s.first));
  return out;
}

}  // namespace aasr::rules::testing
