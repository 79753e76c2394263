// Contractions and run-together forms (contractions.h): the pieces a term is
// cut into, and screening through them with spans on the original text, on
// both evaluation paths.
#include <catch2/catch.hpp>

#include "bot/rules/contractions.h"
#include "bot/rules/reported.h"
#include "bot/rules/rules.h"
#include "tests/rules/screen_helpers.h"

using namespace aasr;
using namespace aasr::rules;
using namespace aasr::rules::testing;

namespace {

using Pieces = std::vector<std::vector<std::string>>;

std::string PhraseRule(const std::string& phrase) {
  return "rules:\n  - id: t.rule\n    category: harassment\n    description: test\n    action: review\n"
         "    phrases: [\"" + phrase + "\"]\n";
}

// Both evaluation paths agree, and return the matched original text.
std::vector<std::string> MatchedBoth(const RuleSetPtr& rules, const std::string& text) {
  Comment c;
  c.text = text;
  const Verdict fast = rules->Screen(c, RuleSet::Evaluation::kFast);
  const Verdict ref = rules->Screen(c, RuleSet::Evaluation::kReference);
  REQUIRE(VerdictToJson(fast).dump() == VerdictToJson(ref).dump());
  return Matched(text, fast);
}

}  // namespace

TEST_CASE("ContractionPieces: a term without contraction is one piece") {
  CHECK(ContractionPieces("kill yourself") == Pieces{{"kill yourself"}});
  CHECK(ContractionPieces("") == Pieces{});
  // "ill" is a word of its own (sick): never taken for "i will".
  CHECK(ContractionPieces("ill") == Pieces{{"ill"}});
}

TEST_CASE("ContractionPieces: i am, with and without the article") {
  CHECK(ContractionPieces("i am") == Pieces{{"i am", "i m", "im"}});
  CHECK(ContractionPieces("i am a loser") == Pieces{{"i am a", "i m a", "im a", "ima"}, {"loser"}});
  // Every written form of the term gives the same forms.
  CHECK(ContractionPieces("i m a loser") == Pieces{{"i m a", "i am a", "im a", "ima"}, {"loser"}});
  CHECK(ContractionPieces("ima loser") == Pieces{{"ima", "i am a", "i m a", "im a"}, {"loser"}});
  CHECK(ContractionPieces("so i am done") == Pieces{{"so"}, {"i am", "i m", "im"}, {"done"}});
}

TEST_CASE("ContractionPieces: you are and do not") {
  CHECK(ContractionPieces("you are a x")[0] ==
        std::vector<std::string>{"you are a", "you re a", "youre a", "u r a", "ur a", "u are a", "you r a", "ura"});
  CHECK(ContractionPieces("dont go") == Pieces{{"dont", "do not", "don t"}, {"go"}});
  CHECK(ContractionPieces("i do not care")[0] == std::vector<std::string>{"i"});
  CHECK(ContractionPieces("i do not care")[1] == std::vector<std::string>{"do not", "don t", "dont"});
}

TEST_CASE("a phrase with i am matches every contraction, spans on the original") {
  const RuleSetPtr rules = Load(PhraseRule("i am a burden"));
  for (const std::string text : {"i am a burden", "I'm a burden", "I\xE2\x80\x99m a burden", "im a burden",
                                 "ima burden", "i m a burden", "I.m a burden", "IIIM A BURDEN"}) {
    INFO(text);
    CHECK(MatchedBoth(rules, "so " + text + " now") == std::vector<std::string>{text});
  }
  CHECK(MatchedBoth(rules, "i a burden").empty());
  CHECK(MatchedBoth(rules, "aim a burden").empty());
}

TEST_CASE("you are and do not: u r, ur, youre, don't, dont, don t") {
  const RuleSetPtr you = Load(PhraseRule("you are worthless"));
  for (const std::string text : {"you are worthless", "u r worthless", "ur worthless", "you're worthless",
                                 "youre worthless", "U R WORTHLESS"}) {
    INFO(text);
    CHECK(MatchedBoth(you, text + "!") == std::vector<std::string>{text});
  }
  CHECK(MatchedBoth(you, "your worthless").empty());  // a different word, left to its own term
  const RuleSetPtr idiot = Load(PhraseRule("you are a idiot"));
  CHECK(MatchedBoth(idiot, "u r a idiot") == std::vector<std::string>{"u r a idiot"});
  const RuleSetPtr dont = Load(PhraseRule("don't want to live"));
  for (const std::string text : {"don't want to live", "dont want to live", "don t want to live",
                                 "do not want to live", "don\xE2\x80\x99t want to live"}) {
    INFO(text);
    CHECK(MatchedBoth(dont, "I " + text) == std::vector<std::string>{text});
  }
}

TEST_CASE("contractions inside near groups, list references and allow terms") {
  const RuleSetPtr rules = Load(
      "lists:\n  selfref: [\"i am a proud\"]\nrules:\n  - id: t.near\n    category: crisis\n"
      "    description: test\n    action: review\n    near: {terms: [[\"i am\"], [burden]], within: 3}\n"
      "  - id: t.list\n    category: hate\n    description: test\n    action: review\n"
      "    phrases: [\"{selfref} mom\"]\n");
  CHECK(MatchedBoth(rules, "honestly im such a burden") == std::vector<std::string>{"im", "burden"});
  CHECK(MatchedBoth(rules, "I'm a proud mom") == std::vector<std::string>{"I'm a proud mom"});
}

TEST_CASE("lead-ins match their contracted forms too") {
  std::vector<LeadIn> forms;
  REQUIRE(ParseLeadInForms("i am a proud", &forms));
  REQUIRE(forms.size() == 4);
  CHECK(forms[0].words == std::vector<std::string>{"i", "am", "a", "proud"});
  CHECK(forms[3].words == std::vector<std::string>{"ima", "proud"});
  CHECK_FALSE(ParseLeadInForms("{x}", &forms));
}

TEST_CASE("reported: self-reference through contractions, and a reclaimed term after an adjective") {
  const RuleSetPtr rules = Load(R"(lists:
  self_reference: ["i am a proud", "as an", "as a"]
rules:
  - id: hate.reclaimable
    category: hate
    description: reclaimable
    action: review
    words: [crip]
    reported: {action: allow, lead_ins: [self_reference], quotes: false, within: 2}
  - id: hate.slur
    category: hate
    description: slur
    action: hide
    priority: high
    words: [slurword]
    reported: {action: review, priority: low}
)");
  for (const std::string text : {"I'm a proud crip", "im a proud crip", "I\xE2\x80\x99m a proud crip",
                                 "as an autistic crip myself, I disagree", "as a disabled crip myself"}) {
    INFO(text);
    const Verdict v = ScreenText(rules, text);
    CHECK(v.action == Action::kAllow);
    CHECK(v.matches.empty());
  }
  // Too far from the lead-in, or aimed: still flagged.
  CHECK(ScreenText(rules, "I'm a proud parent and you are a crip").action == Action::kReview);
  // The person named is outside the quotation, the slur follows the verb.
  for (const std::string text : {"the aide called my son a slurword", "she told him he was a slurword"}) {
    INFO(text);
    const Verdict v = ScreenText(rules, text);
    REQUIRE(v.matches.size() == 1);
    CHECK(v.action == Action::kReview);
    CHECK(v.priority == Priority::kLow);
    CHECK(v.matches[0].reported);
  }
  CHECK(ScreenText(rules, "you are a slurword").action == Action::kHide);
}
