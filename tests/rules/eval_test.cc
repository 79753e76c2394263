// Scoring a rule set on a labeled corpus (bot/rules/eval.h): every metric on
// a hand-made corpus whose numbers are worked out below, thresholds, the JSON
// shape, corpus-line parsing, and shadow rules counted apart.
#include <catch2/catch.hpp>

#include "bot/rules/eval.h"

using namespace aasr;
using namespace aasr::rules;

namespace {

RuleSetPtr Load(const std::string& yaml) {
  Result<RuleSetPtr> r = RuleSet::LoadString(yaml, "eval.yaml");
  if (!r.ok()) FAIL(FormatErrors(r.errors()));
  return r.value();
}

const char* kRules = R"(rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling
    action: review
    words: [idiot]
  - id: threat.kill
    category: threat
    description: Threat to kill
    action: hide
    priority: high
    phrases: ["kill you"]
  - id: privacy.phone
    category: privacy
    description: Phone number
    action: hide
    regex: '\b\d{3}-\d{3}-\d{4}\b'
  - id: spam.whatsapp
    category: spam
    description: WhatsApp contact
    action: review
    priority: high
    words: [whatsapp]
  - id: crisis.die
    category: crisis
    description: Wish to die
    action: review
    priority: urgent
    phrases: ["want to die"]
  - id: crisis.kms
    mode: shadow
    category: crisis
    description: Slang for suicide
    action: review
    priority: urgent
    words: [kms]
  - id: spam.invest
    mode: shadow
    category: spam
    description: Investment pitch
    action: review
    words: [invest]
  - id: harassment.worthless
    mode: shadow
    category: harassment
    description: Worthless
    action: hide
    priority: high
    words: [worthless]
)";

EvalItem Item(const std::string& id, const std::string& text, bool flag, const std::string& category,
              const std::string& kind) {
  EvalItem e;
  e.id = id;
  e.source = "t.jsonl:" + id;
  e.comment.text = text;
  e.expect_flag = flag;
  e.category = category;
  e.kind = kind;
  return e;
}

// Worked out by hand:
// must-flag (7): 1 caught, 2 missed (shadow worthless would catch), 3 caught
// (hide), 4 caught but primary privacy (hide beats review) with spam among,
// 5 caught, 6 missed (shadow kms would catch), 13 caught but hidden by the
// threat rule and primary threat. Recall 5/7; plain 5/5.
// must-pass (5): 8 hidden (privacy), 9 clean, 10 clean (shadow invest hits),
// 11 clean, 12 flagged (reported). FPR 2/5, hidden 1.
// crisis items (must-flag only; 11 is a must-pass): 5, 6, 13 -> 3; crisis
// recall 2/3 (5, 13); hidden 1 (13).
// category over catches 1, 3, 4, 5, 13: primary 3/5, among 4/5.
std::vector<EvalItem> Corpus() {
  return {
      Item("1", "you idiot", true, "harassment", "plain"),
      Item("2", "you are worthless", true, "harassment", "no-marker"),
      Item("3", "I will kill you", true, "threat", "plain"),
      Item("4", "invest now whatsapp 555-123-4567", true, "spam", "plain"),
      Item("5", "I want to die", true, "crisis", "plain"),
      Item("6", "kms tonight", true, "crisis", "slang"),
      Item("8", "call the school board at 555-123-4567", false, "privacy", "org-phone"),
      Item("9", "what a lovely day", false, "", "plain"),
      Item("10", "invest in our kids", false, "spam", "plain"),
      Item("11", "this killed me", false, "crisis", "near-crisis"),
      Item("12", "he called me an idiot", false, "harassment", "reported"),
      Item("13", "I will kill you and then myself", true, "crisis", "plain"),
  };
}

double Rate(const Ratio& r) { return r.rate().value_or(-1); }

}  // namespace

TEST_CASE("eval: recall overall, per category and per kind on a known corpus") {
  const EvalReport r = Evaluate(*Load(kRules), Corpus());
  CHECK(r.items == 12);
  CHECK(r.flag_items == 7);
  CHECK(r.pass_items == 5);
  CHECK(r.recall.hit == 5);
  CHECK(r.recall.of == 7);
  CHECK(Rate(r.recall) == Approx(5.0 / 7));
  CHECK(r.recall_by_category.at("harassment").hit == 1);
  CHECK(r.recall_by_category.at("harassment").of == 2);
  CHECK(r.recall_by_category.at("threat").hit == 1);
  CHECK(r.recall_by_category.at("spam").hit == 1);
  CHECK(r.recall_by_category.at("crisis").hit == 2);
  CHECK(r.recall_by_category.at("crisis").of == 3);
  CHECK(r.recall_by_kind.at("plain").hit == 5);
  CHECK(r.recall_by_kind.at("plain").of == 5);
  CHECK(r.recall_by_kind.at("no-marker").hit == 0);
  CHECK(r.recall_by_kind.at("no-marker").of == 1);
  CHECK(r.recall_by_kind.at("slang").of == 1);
  // Pass items never enter the recall maps.
  CHECK(r.recall_by_kind.count("org-phone") == 0);
  REQUIRE(r.misses.size() == 2);
  CHECK(r.misses[0].id == "2");
  CHECK(r.misses[1].id == "6");
  CHECK(r.misses[1].explanation.find("allow: no rule matched") == 0);
}

TEST_CASE("eval: false-positive rate overall and per kind, and hidden must-pass items") {
  const EvalReport r = Evaluate(*Load(kRules), Corpus());
  CHECK(r.false_positives.hit == 2);
  CHECK(r.false_positives.of == 5);
  CHECK(Rate(r.false_positives) == Approx(0.4));
  CHECK(r.false_positives_by_kind.at("org-phone").hit == 1);
  CHECK(r.false_positives_by_kind.at("org-phone").of == 1);
  CHECK(r.false_positives_by_kind.at("plain").hit == 0);
  CHECK(r.false_positives_by_kind.at("plain").of == 2);
  CHECK(r.false_positives_by_kind.at("reported").hit == 1);
  CHECK(r.false_positives_by_kind.at("near-crisis").hit == 0);
  CHECK(r.hidden_pass == 1);
  REQUIRE(r.false_positive_cases.size() == 2);
  CHECK(r.false_positive_cases[0].id == "8");
  CHECK(r.false_positive_cases[0].action == "hide");
  CHECK(r.false_positive_cases[1].id == "12");
  CHECK(r.false_positive_cases[1].action == "review");
}

TEST_CASE("eval: crisis recall and crisis items hidden") {
  const EvalReport r = Evaluate(*Load(kRules), Corpus());
  CHECK(r.crisis_items == 3);
  CHECK(r.crisis_recall.hit == 2);
  CHECK(r.crisis_recall.of == 3);
  // 13 is a crisis item that only the threat rule caught: hidden.
  CHECK(r.crisis_hidden == 1);
}

TEST_CASE("eval: category accuracy by primary category and among the verdict's categories") {
  const RuleSetPtr rules = Load(kRules);
  const EvalReport r = Evaluate(*rules, Corpus());
  CHECK(r.category_primary.hit == 3);
  CHECK(r.category_primary.of == 5);
  CHECK(r.category_among.hit == 4);
  CHECK(r.category_among.of == 5);
  REQUIRE(r.miscategorized.size() == 2);
  CHECK(r.miscategorized[0].id == "4");
  CHECK(r.miscategorized[0].primary == "privacy");
  CHECK(r.miscategorized[1].id == "13");
  CHECK(r.miscategorized[1].primary == "threat");
}

TEST_CASE("eval: the primary category is the most severe action, then priority, then rule order") {
  const RuleSetPtr rules = Load(R"(rules:
  - {id: a.low, category: harassment, description: d, action: review, priority: low, words: [alpha]}
  - {id: b.high, category: spam, description: d, action: review, priority: high, words: [alpha]}
  - {id: c.high, category: hate, description: d, action: review, priority: high, words: [alpha]}
  - {id: d.hide, category: privacy, description: d, action: hide, priority: low, words: [beta]}
)");
  Comment c;
  c.text = "alpha";
  CHECK(PrimaryCategory(rules->Screen(c)) == "spam");  // high beats low; first of the two highs
  c.text = "alpha beta";
  CHECK(PrimaryCategory(rules->Screen(c)) == "privacy");  // hide beats review whatever the priority
  c.text = "nothing";
  CHECK(PrimaryCategory(rules->Screen(c)).empty());
}

TEST_CASE("eval: shadow rules are counted apart and never change a verdict") {
  const RuleSetPtr rules = Load(kRules);
  CHECK(rules->shadow_rule_ids() == std::vector<std::string>{"crisis.kms", "spam.invest", "harassment.worthless"});
  const EvalReport r = Evaluate(*rules, Corpus());
  REQUIRE(r.shadow.size() == 3);
  CHECK(r.shadow[0].rule_id == "crisis.kms");
  CHECK(r.shadow[0].hits == 1);
  CHECK(r.shadow[0].flag_hits == 1);
  CHECK(r.shadow[0].would_add_catches == 1);
  CHECK(r.shadow[1].rule_id == "spam.invest");
  CHECK(r.shadow[1].hits == 2);
  CHECK(r.shadow[1].flag_hits == 1);
  CHECK(r.shadow[1].pass_hits == 1);
  CHECK(r.shadow[1].would_add_catches == 0);  // item 4 is caught already
  CHECK(r.shadow[1].would_add_false_positives == 1);
  CHECK(r.shadow[2].would_add_catches == 1);
  CHECK(r.shadow_would_add_catches == 2);
  CHECK(r.shadow_would_add_false_positives == 1);

  Comment c;
  c.text = "you are worthless";  // a shadow hide rule: still allow, nothing queued or hidden
  const Verdict v = rules->Screen(c);
  CHECK(v.action == Action::kAllow);
  CHECK(v.matches.empty());
  CHECK(v.categories.empty());
  CHECK(v.priority == Priority::kLow);
  REQUIRE(v.shadow_matches.size() == 1);
  CHECK(v.shadow_matches[0].rule_id == "harassment.worthless");
  CHECK(v.shadow_matches[0].action == Action::kHide);
  CHECK(v.explanation == "allow: no rule matched; shadow (no effect): harassment.worthless [harassment]");
}

TEST_CASE("eval: thresholds pass, fail, and fail when nothing can be measured") {
  const EvalReport r = Evaluate(*Load(kRules), Corpus());
  const auto t = CheckThresholds(r, {{"min-recall", 0.7},
                                     {"min-recall", 0.75},
                                     {"min-crisis-recall", 0.6},
                                     {"max-fpr", 0.4},
                                     {"max-fpr", 0.39},
                                     {"max-hidden-pass", 1},
                                     {"max-hidden-pass", 0},
                                     {"max-crisis-hidden", 0},
                                     {"min-category", 0.6},
                                     {"min-category", 0.61},
                                     {"max-malformed", 0}});
  REQUIRE(t.size() == 11);
  CHECK(t[0].ok);
  CHECK_FALSE(t[1].ok);
  CHECK(t[2].ok);
  CHECK(t[3].ok);
  CHECK_FALSE(t[4].ok);
  CHECK(t[5].ok);
  CHECK_FALSE(t[6].ok);
  CHECK_FALSE(t[7].ok);
  CHECK(t[8].ok);
  CHECK_FALSE(t[9].ok);
  CHECK(t[10].ok);

  const EvalReport empty = Evaluate(*Load(kRules), {Item("9", "what a lovely day", false, "", "plain")});
  const auto e = CheckThresholds(empty, {{"min-crisis-recall", 0.95}, {"max-fpr", 0.02}});
  CHECK_FALSE(e[0].value.has_value());
  CHECK_FALSE(e[0].ok);  // no crisis item: a floor that cannot be measured does not hold
  CHECK(e[1].ok);
}

TEST_CASE("eval: the JSON report has every metric, and the lists only with list") {
  EvalReport r = Evaluate(*Load(kRules), Corpus());
  r.files = {"t.jsonl"};
  r.malformed = {"t.jsonl: line 7: not valid JSON"};
  const auto t = CheckThresholds(r, {{"max-hidden-pass", 0}});
  nlohmann::json j = nlohmann::json::parse(ReportToJson(r, t, false).dump());
  CHECK(j["files"] == nlohmann::json::array({"t.jsonl"}));
  CHECK(j["items"] == 12);
  CHECK(j["malformed"] == 1);
  CHECK(j["malformed_lines"][0] == "t.jsonl: line 7: not valid JSON");
  CHECK(j["recall"]["hit"] == 5);
  CHECK(j["recall"]["of"] == 7);
  CHECK(j["recall"]["rate"].get<double>() == Approx(5.0 / 7));
  CHECK(j["recall_by_category"]["crisis"]["of"] == 3);
  CHECK(j["recall_by_kind"]["plain"]["hit"] == 5);
  CHECK(j["false_positive_rate"]["hit"] == 2);
  CHECK(j["false_positive_rate_by_kind"]["org-phone"]["hit"] == 1);
  CHECK(j["hidden_pass"] == 1);
  CHECK(j["crisis"]["recall"]["hit"] == 2);
  CHECK(j["crisis"]["items"] == 3);
  CHECK(j["crisis"]["hidden"] == 1);
  CHECK(j["category"]["primary"]["hit"] == 3);
  CHECK(j["category"]["among"]["hit"] == 4);
  CHECK(j["shadow"]["rules"].size() == 3);
  CHECK(j["shadow"]["rules"][1]["id"] == "spam.invest");
  CHECK(j["shadow"]["rules"][1]["would_add_false_positives"] == 1);
  CHECK(j["shadow"]["would_add_catches"] == 2);
  CHECK(j["thresholds"][0]["name"] == "max-hidden-pass");
  CHECK(j["thresholds"][0]["value"] == 1.0);
  CHECK(j["thresholds"][0]["ok"] == false);
  CHECK(j["ok"] == false);
  CHECK_FALSE(j.contains("misses"));

  j = nlohmann::json::parse(ReportToJson(r, {}, true).dump());
  CHECK(j["ok"] == true);
  REQUIRE(j["misses"].size() == 2);
  CHECK(j["misses"][1]["id"] == "6");
  CHECK(j["misses"][1]["shadow"] == nlohmann::json::array({"crisis.kms"}));
  CHECK(j["false_positives"][0]["explanation"].get<std::string>().find("privacy.phone") != std::string::npos);
  CHECK(j["miscategorized"][0]["primary_category"] == "privacy");
}

TEST_CASE("eval: the text report and its list") {
  EvalReport r = Evaluate(*Load(kRules), Corpus());
  r.files = {"t.jsonl"};
  const std::string plain = FormatReport(r, {}, false);
  CHECK(plain.find("corpus: 12 items (7 must-flag, 5 must-pass) from 1 file(s)") != std::string::npos);
  CHECK(plain.find("recall                      5/7   71.4%") != std::string::npos);
  CHECK(plain.find("  category crisis           2/3   66.7%") != std::string::npos);
  CHECK(plain.find("false-positive rate         2/5   40.0%") != std::string::npos);
  CHECK(plain.find("must-pass hidden            1") != std::string::npos);
  CHECK(plain.find("crisis items hidden         1 of 3") != std::string::npos);
  CHECK(plain.find("category (primary)          3/5   60.0%") != std::string::npos);
  CHECK(plain.find("spam.invest: 2 hit(s) (1 must-flag, 1 must-pass)") != std::string::npos);
  CHECK(plain.find("misses (") == std::string::npos);
  const std::string listed = FormatReport(r, {}, true);
  CHECK(listed.find("misses (2)\n  t.jsonl:2 2 [harassment, no-marker]: you are worthless\n"
                    "    allow: no rule matched; shadow (no effect): harassment.worthless [harassment]") !=
        std::string::npos);
  CHECK(listed.find("false positives (2)") != std::string::npos);
  CHECK(listed.find("wrong primary category (2)") != std::string::npos);
}

TEST_CASE("eval: corpus lines parse, and malformed ones say why") {
  // The CLI passes screen's reader; here a minimal one stands in.
  const AuthorReader reader = [](const nlohmann::json& j, Author* a, std::string* error) {
    if (!j.is_object()) {
      *error = "field 'author' must be an object";
      return false;
    }
    if (j.contains("followers")) a->followers = j["followers"].get<double>();
    return true;
  };
  std::string error;
  auto item = ParseCorpusLine(
      R"({"id":7,"text":"hi","expect":"flag","category":"spam","kind":"plain","author":{"followers":3}})", reader,
      &error);
  REQUIRE(item);
  CHECK(error.empty());
  CHECK(item->id == "7");
  CHECK(item->expect_flag);
  CHECK(item->category == "spam");
  CHECK(item->kind == "plain");
  CHECK(item->comment.author.followers == 3.0);

  CHECK_FALSE(ParseCorpusLine("   ", reader, &error));
  CHECK(error.empty());  // a blank line is no item and no error

  auto bad = [&](const std::string& line) {
    CHECK_FALSE(ParseCorpusLine(line, reader, &error));
    return error;
  };
  CHECK(bad("{not json") == "not valid JSON");
  CHECK(bad("[1]") == "expected a JSON object");
  CHECK(bad(R"({"expect":"flag"})") == "missing string field 'text'");
  CHECK(bad(R"({"text":"x"})") == "missing field 'expect' (\"flag\" or \"pass\")");
  CHECK(bad(R"({"text":"x","expect":"block"})") == "field 'expect' must be \"flag\" or \"pass\", got \"block\"");
  CHECK(bad(R"({"text":"x","expect":"pass","kind":3})") == "field 'kind' must be a string");
  CHECK(bad(R"({"text":"x","expect":"pass","id":[1]})") == "field 'id' must be a string or an integer");
  CHECK(bad(R"({"text":"x","expect":"pass","author":"me"})") == "field 'author' must be an object");
  CHECK(bad("{\"text\":\"\xff\",\"expect\":\"pass\"}") == "invalid UTF-8 at byte 9");
}

TEST_CASE("shadow: an allow or crisis rule in shadow mode does not soften a live verdict") {
  const RuleSetPtr rules = Load(R"(rules:
  - {id: spam.scam, category: spam, description: d, action: hide, priority: high, words: [giveaway]}
  - {id: spam.ok, mode: shadow, category: spam, description: d, action: allow, words: [giveaway]}
  - {id: crisis.x, mode: shadow, category: crisis, description: d, action: review, priority: urgent, words: [die]}
)");
  Comment c;
  c.text = "giveaway or die";
  const Verdict v = rules->Screen(c);
  CHECK(v.action == Action::kHide);  // neither the explicit pass nor the crisis exception applies
  CHECK(v.priority == Priority::kHigh);
  CHECK(v.categories == std::vector<std::string>{"spam"});
  REQUIRE(v.matches.size() == 1);
  REQUIRE(v.shadow_matches.size() == 2);
  const auto j = VerdictToJson(v, "c1");
  CHECK(j["shadow"].size() == 2);
  CHECK(j["shadow"][0]["id"] == "spam.ok");
  c.text = "nothing";
  CHECK_FALSE(VerdictToJson(rules->Screen(c)).contains("shadow"));
}
