// Every kind of mistake an organizer can make is reported with its place.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bot/rules/rules.h"

using namespace aasr;
using namespace aasr::rules;

namespace {

Errors LoadErrors(const std::string& yaml) {
  Result<RuleSetPtr> r = RuleSet::LoadString(yaml, "test.yaml");
  REQUIRE_FALSE(r.ok());
  return r.errors();
}

std::string All(const Errors& errors) { return FormatErrors(errors); }

const char* kGoodRule = R"(
rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling
    action: review
    words: [idiot]
)";

}  // namespace

TEST_CASE("a good rule file loads") {
  Result<RuleSetPtr> r = RuleSet::LoadString(kGoodRule, "good.yaml");
  REQUIRE(r.ok());
  CHECK(r.value()->rule_count() == 1);
  CHECK(r.value()->rule_ids() == std::vector<std::string>{"harassment.insult"});
}

TEST_CASE("YAML syntax errors name line and column") {
  const Errors e = LoadErrors("rules:\n  - id: x\n    words: [a, b\n");
  REQUIRE(e.size() == 1);
  CHECK(e[0].where.file == "test.yaml");
  CHECK(e[0].where.line > 0);
  CHECK(e[0].where.column > 0);
  CHECK(e[0].message.find("YAML syntax") != std::string::npos);
}

TEST_CASE("unknown keys are reported with a suggestion, at the key") {
  const Errors e = LoadErrors(R"(rules:
  - id: a.b
    category: harassment
    description: d
    action: review
    wrods: [idiot]
)");
  const std::string all = All(e);
  CHECK(all.find("test.yaml:6:5: unknown key 'wrods' (did you mean 'words'?) (rule a.b)") != std::string::npos);
}

TEST_CASE("invalid regex carries RE2's message and the rule id") {
  const Errors e = LoadErrors(R"(rules:
  - id: privacy.bad
    category: privacy
    description: d
    action: hide
    regex: '(\d{3}'
)");
  REQUIRE(e.size() == 1);
  CHECK(e[0].where.line == 6);
  CHECK(e[0].where.column == 12);
  CHECK(e[0].subject == "rule privacy.bad");
  CHECK(e[0].message.find("invalid regex") != std::string::npos);
  CHECK(e[0].message.find("missing )") != std::string::npos);
}

TEST_CASE("duplicate ids point at the second and name the first") {
  const Errors e = LoadErrors(R"(rules:
  - {id: x, category: spam, description: d, action: review, words: [a1]}
  - {id: x, category: spam, description: d, action: review, words: [b1]}
)");
  REQUIRE(e.size() == 1);
  CHECK(e[0].where.line == 3);
  CHECK(e[0].message.find("duplicate id (first defined at test.yaml:2)") != std::string::npos);
}

TEST_CASE("unknown category, action, priority and list are errors") {
  const Errors e = LoadErrors(R"(rules:
  - {id: a, category: harasment, description: d, action: revew, priority: asap, lists: [nope]}
)");
  const std::string all = All(e);
  CHECK(all.find("unknown category 'harasment' (did you mean 'harassment'?)") != std::string::npos);
  CHECK(all.find("unknown action 'revew'") != std::string::npos);
  CHECK(all.find("unknown priority 'asap'") != std::string::npos);
  CHECK(all.find("unknown list 'nope'") != std::string::npos);
  CHECK(e.size() == 4);  // every problem at once
}

TEST_CASE("declared categories and lists from another file are usable") {
  Result<RuleSetPtr> r = RuleSet::LoadString(R"(
categories: [fundraising]
lists:
  money: [donate now, "wire *"]
rules:
  - {id: f.one, category: fundraising, description: d, action: review, lists: [money]}
)");
  REQUIRE(r.ok());
}

TEST_CASE("bad comparisons are errors") {
  const Errors e = LoadErrors(R"(rules:
  - {id: a, category: spam, description: d, action: review, author.account_age_days: "< seven"}
  - {id: b, category: spam, description: d, action: review, caps_ratio: "> 7"}
  - {id: c, category: spam, description: d, action: review, author.first_comment: maybe}
  - {id: d, category: spam, description: d, action: review, links.domains: [bit.ly]}
)");
  const std::string all = All(e);
  CHECK(all.find("bad comparison '< seven'") != std::string::npos);
  CHECK(all.find("share between 0 and 1") != std::string::npos);
  CHECK(all.find("true or false") != std::string::npos);
  CHECK(all.find("{in: [...]}") != std::string::npos);
}

TEST_CASE("a crisis rule may not hide") {
  const Errors e = LoadErrors(R"(rules:
  - {id: crisis.x, category: crisis, description: d, action: hide, phrases: ["end it all"]}
)");
  CHECK(All(e).find("a crisis rule must not hide") != std::string::npos);
}

TEST_CASE("terms that cannot match and misplaced wildcards are errors") {
  const Errors e = LoadErrors(R"(rules:
  - {id: a, category: spam, description: d, action: review, words: ["!!!", "mo*ron", "{unclosed"]}
)");
  const std::string all = All(e);
  CHECK(all.find("can never match") != std::string::npos);
  CHECK(all.find("wildcard only at the start or end") != std::string::npos);
  CHECK(all.find("'{' without '}'") != std::string::npos);
}

TEST_CASE("missing fields and empty conditions are errors") {
  const Errors e = LoadErrors(R"(rules:
  - {id: a}
  - {id: b, category: spam, description: d, action: review, min_matches: 2}
)");
  const std::string all = All(e);
  CHECK(all.find("rule has no 'category'") != std::string::npos);
  CHECK(all.find("rule has no 'description'") != std::string::npos);
  CHECK(all.find("rule has no 'action'") != std::string::npos);
  CHECK(all.find("rule has no conditions") != std::string::npos);
  CHECK(all.find("'min_matches' needs words") != std::string::npos);
}

TEST_CASE("a directory is loaded with its list files, and list errors name file and line") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("aasr_loader_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "lists");
  std::ofstream(dir / "a.yaml") << "rules:\n  - {id: a, category: spam, description: d, action: review, lists: [scam]}\n";
  std::ofstream(dir / "lists" / "scam.txt") << "# scams\ncrypto doubler\n\n  !!!  \n";
  Result<RuleSetPtr> r = RuleSet::LoadDirectory(dir.string());
  REQUIRE_FALSE(r.ok());
  const std::string all = All(r.errors());
  CHECK(all.find((dir / "lists" / "scam.txt").string() + ":4:3: term '!!!'") != std::string::npos);

  std::ofstream(dir / "lists" / "scam.txt") << "# scams\ncrypto doubler\n";
  r = RuleSet::LoadDirectory(dir.string());
  REQUIRE(r.ok());
  Comment c;
  c.text = "try my CRYPTO   doubler";
  CHECK(r.value()->Screen(c).action == Action::kReview);
  fs::remove_all(dir);
}

TEST_CASE("a missing directory is an error, not a crash") {
  Result<RuleSetPtr> r = RuleSet::LoadDirectory("/nonexistent/rules");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message == "not a directory");
}

TEST_CASE("mode: live and shadow load, a misspelt mode is located with a did-you-mean") {
  Result<RuleSetPtr> r = RuleSet::LoadString(std::string(kGoodRule) + "    mode: shadow\n", "good.yaml");
  REQUIRE(r.ok());
  CHECK(r.value()->shadow_rule_ids() == std::vector<std::string>{"harassment.insult"});
  r = RuleSet::LoadString(std::string(kGoodRule) + "    mode: live\n", "good.yaml");
  REQUIRE(r.ok());
  CHECK(r.value()->shadow_rule_ids().empty());

  const std::string errors = All(LoadErrors(std::string(kGoodRule) + "    mode: shadoww\n"));
  CHECK(errors.find("test.yaml:8:11: unknown mode 'shadoww' (live or shadow; did you mean 'shadow'?)") !=
        std::string::npos);
  CHECK(errors.find("harassment.insult") != std::string::npos);
  // A shadow crisis rule still may not hide: it would the day it goes live.
  const std::string crisis = All(LoadErrors(
      "rules:\n  - {id: c.x, category: crisis, description: d, action: hide, mode: shadow, words: [x]}\n"));
  CHECK(crisis.find("a crisis rule must not hide") != std::string::npos);
}

TEST_CASE("a misplaced or useless single-letter tolerance is a located error") {
  const Errors e = LoadErrors("rules:\n  - {id: a, category: spam, description: d, action: review,\n"
                              "     words: [\"ki~ll\", \"kil~\"]}\n");
  const std::string all = All(e);
  CHECK(all.find("'~' (a doubled letter may be written once) goes only at the end of a term: 'ki~ll'") !=
        std::string::npos);
  CHECK(all.find("term 'kil~' has no doubled letter") != std::string::npos);
  CHECK(all.find("test.yaml:3:") != std::string::npos);  // located at the term
}
