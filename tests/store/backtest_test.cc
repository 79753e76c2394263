// Backtests: newly flagged, no longer flagged, and per-rule decisions.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "bot/store/backtest.h"
#include "bot/store/ingest.h"
#include "tests/store/test_util.h"

using namespace aasr;
using namespace aasr::store;

namespace {

rules::RuleSetPtr Load(const std::string& yaml, const std::string& name) {
  auto r = rules::RuleSet::LoadString(yaml, name);
  if (!r.ok()) FAIL(FormatErrors(r.errors()));
  return r.value();
}

const char* kActive = R"(
rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling.
    action: review
    words: [idiot, clown]
  - id: spam.crypto
    category: spam
    description: Crypto schemes.
    action: review
    phrases: ["crypto giveaway"]
)";

// The candidate drops "clown" (moderators kept approving it), adds "moron",
// and retires the crypto rule.
const char* kCandidate = R"(
rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling.
    action: review
    words: [idiot, moron]
)";

}  // namespace

TEST_CASE("backtest compares candidate rules with active rules and decisions", "[store][backtest]") {
  testing::TempDb tmp;
  auto clock = std::make_shared<aasr::ManualClock>();
  StorePtr st = OpenSqliteStore(tmp.path(), clock).value();
  auto active = Load(kActive, "active.yaml");
  auto candidate = Load(kCandidate, "candidate.yaml");
  auto ingest = [&](const std::string& id, const std::string& text) {
    auto r = ScreenAndStore(*st, *active, testing::MakeComment(id, text));
    REQUIRE(r.ok());
    clock->Advance(1000);
    return r.value().item_id;
  };
  int64_t idiot1 = ingest("1", "you idiot");
  int64_t idiot2 = ingest("2", "what an idiot");
  int64_t clown = ingest("3", "the school board is a clown show");
  ingest("4", "crypto giveaway now");
  int64_t moron = ingest("5", "what a moron");  // not flagged by the active set
  CHECK(moron == 0);
  ingest("6", "thank you for the seclusion report");
  auto decide = [&](int64_t item, const char* d) {
    DecideRequest r;
    r.item_id = item;
    r.user = "ana";
    r.decision = d;
    REQUIRE(st->Decide(r).value().code == Code::kOk);
  };
  decide(idiot1, "remove");
  decide(idiot2, "approve");
  decide(clown, "approve");

  auto report = Backtest(*st, *active, *candidate, 0);
  REQUIRE(report.ok());
  const auto& r = report.value();
  CHECK(r.comments == 6);
  CHECK(r.flagged_active == 4);
  CHECK(r.flagged_candidate == 3);
  REQUIRE(r.newly_flagged.size() == 1);
  CHECK(r.newly_flagged[0].remote_id == "5");
  CHECK(r.newly_flagged[0].state == "");
  REQUIRE(r.no_longer_flagged.size() == 2);
  CHECK(r.no_longer_flagged[0].remote_id == "3");
  CHECK(r.no_longer_flagged[0].state == "approved");
  CHECK(r.no_longer_flagged[1].rules == std::vector<std::string>{"spam.crypto"});
  REQUIRE(r.rules.size() == 2);
  const BacktestRule& insult = r.rules[0];
  CHECK(insult.rule_id == "harassment.insult");
  CHECK(insult.active);
  CHECK(insult.candidate);
  CHECK(insult.hits_active == 3);
  CHECK(insult.hits_candidate == 3);
  CHECK(insult.removed == 1);
  CHECK(insult.approved == 1);
  CHECK(insult.not_reviewed == 1);
  CHECK(r.rules[1].rule_id == "spam.crypto");
  CHECK_FALSE(r.rules[1].candidate);
  CHECK(r.rules[1].hits_candidate == 0);

  // --since limits the comments considered.
  auto recent = Backtest(*st, *active, *candidate, clock->NowMs() - 2500);
  CHECK(recent.value().comments == 2);
}

// The issue's case: a candidate that switches a rule from review to hide and
// raises priorities changes nothing that is flagged, yet it decides what is
// hidden at once: every such change is listed.
TEST_CASE("backtest lists action, priority and category changes", "[store][backtest]") {
  testing::TempDb tmp;
  StorePtr st = OpenSqliteStore(tmp.path()).value();
  auto active = Load(R"(
rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling.
    action: review
    priority: normal
    words: [idiot]
  - id: threat.hurt
    category: threat
    description: Threats to hurt.
    action: review
    priority: high
    phrases: ["hurt you"]
  - id: spam.crypto
    category: spam
    description: Crypto schemes.
    action: review
    phrases: ["crypto giveaway"]
)", "active.yaml");
  auto candidate = Load(R"(
categories: [scam]
rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling.
    action: review
    priority: high
    words: [idiot]
  - id: threat.hurt
    category: threat
    description: Threats to hurt.
    action: hide
    priority: urgent
    phrases: ["hurt you"]
  - id: scam.crypto
    category: scam
    description: Crypto schemes, filed as scams now.
    action: review
    phrases: ["crypto giveaway"]
)", "candidate.yaml");
  for (auto [id, text] : {std::pair{"1", "you idiot"}, {"2", "I will hurt you"},
                          {"3", "crypto giveaway today"}, {"4", "thank you for the report"}})
    REQUIRE(ScreenAndStore(*st, *active, testing::MakeComment(id, text)).ok());

  auto report = Backtest(*st, *active, *candidate, 0);
  REQUIRE(report.ok());
  const auto& r = report.value();
  CHECK(r.flagged_active == 3);
  CHECK(r.flagged_candidate == 3);
  CHECK(r.newly_flagged.empty());
  CHECK(r.no_longer_flagged.empty());
  REQUIRE(r.action_changed.size() == 1);
  CHECK(r.action_changed[0].remote_id == "2");
  CHECK(r.action_changed[0].action_active == "review");
  CHECK(r.action_changed[0].action_candidate == "hide");
  REQUIRE(r.priority_changed.size() == 2);
  CHECK(r.priority_changed[0].remote_id == "1");
  CHECK(r.priority_changed[0].priority_candidate > r.priority_changed[0].priority_active);
  CHECK(r.priority_changed[1].remote_id == "2");
  REQUIRE(r.category_changed.size() == 1);
  CHECK(r.category_changed[0].categories_active == std::vector<std::string>{"spam"});
  CHECK(r.category_changed[0].categories_candidate == std::vector<std::string>{"scam"});
}

TEST_CASE("backtest since spans: 30d, 12h, 90m, all", "[store][backtest]") {
  CHECK(ParseSince("30d").value() == 30LL * 86'400'000);
  CHECK(ParseSince("12h").value() == 12LL * 3'600'000);
  CHECK(ParseSince("90m").value() == 90LL * 60'000);
  CHECK(ParseSince("all").ok());
  CHECK_FALSE(ParseSince("30").ok());
  CHECK_FALSE(ParseSince("3w").ok());
  CHECK_FALSE(ParseSince("-1d").ok());
  CHECK_THAT(FormatErrors(ParseSince("soon").errors()), Catch::Contains("--since"));
}

TEST_CASE("a comment line may name the thread's root post", "[store][ingest]") {
  auto c = ParseCommentLine(
      R"({"remote_id":"at://x/2","parent":"at://aasr/1","root":"at://aasr/0","text":"hi"})",
      "bluesky", "in.jsonl", 4);
  REQUIRE(c.ok());
  CHECK(c.value().root == "at://aasr/0");
  CHECK(c.value().parent == "at://aasr/1");
  auto bad = ParseCommentLine(R"({"remote_id":"r","root":[1],"text":"hi"})", "bluesky",
                              "in.jsonl", 7);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors().front().where.line == 7);
  CHECK(bad.errors().front().subject == "root");
}

TEST_CASE("backtest counts a shadow rule's would-be hits but never as flagged", "[store][backtest][shadow]") {
  testing::TempDb tmp;
  auto clock = std::make_shared<aasr::ManualClock>();
  StorePtr st = OpenSqliteStore(tmp.path(), clock).value();
  auto active = Load(kActive, "active.yaml");
  // The candidate watches "moron" in shadow mode before letting it act.
  auto candidate = Load(std::string(kActive) +
                            "  - id: harassment.moron\n    mode: shadow\n    category: harassment\n"
                            "    description: Moron.\n    action: hide\n    words: [moron]\n",
                        "candidate.yaml");
  for (const auto& [id, text] : std::vector<std::pair<std::string, std::string>>{
           {"1", "you idiot"}, {"2", "what a moron"}, {"3", "moron and idiot"}}) {
    REQUIRE(ScreenAndStore(*st, *active, testing::MakeComment(id, text)).ok());
    clock->Advance(1000);
  }
  auto report = Backtest(*st, *active, *candidate, 0);
  REQUIRE(report.ok());
  const auto& r = report.value();
  CHECK(r.flagged_active == 2);
  CHECK(r.flagged_candidate == 2);  // the shadow rule adds nothing
  CHECK(r.newly_flagged.empty());
  const BacktestRule* moron = nullptr;
  for (const auto& x : r.rules) {
    if (x.rule_id == "harassment.moron") moron = &x;
    else CHECK_FALSE(x.shadow);
  }
  REQUIRE(moron);
  CHECK(moron->shadow);
  CHECK(moron->candidate);
  CHECK_FALSE(moron->active);
  CHECK(moron->hits_candidate == 2);
  CHECK(moron->open == 1);          // "moron and idiot" is queued by the insult rule
  CHECK(moron->not_reviewed == 1);  // "what a moron" never was

  // What the store keeps: the shadow match apart from the verdict.
  auto rules_with_shadow = candidate;
  auto stored = ScreenAndStore(*st, *rules_with_shadow, testing::MakeComment("4", "moron"));
  REQUIRE(stored.ok());
  CHECK(stored.value().item_id == 0);
  auto v = st->GetVerdict(stored.value().comment_id).value();
  REQUIRE(v);
  CHECK(v->action == "allow");
  CHECK(v->categories.empty());
  REQUIRE(v->matches.size() == 1);
  CHECK(v->matches[0].action == kShadowAction);
  auto stats = st->RuleStatistics(0).value();
  bool counted = false;
  for (const auto& s : stats) counted |= s.rule_id == "harassment.moron" && s.hits == 1;
  CHECK(counted);
}
