// The rule-language additions of issue 10 section 3: bounded gaps inside
// phrases, proximity (near), author.is_self and author.handle, reported
// speech. Each: loader errors with their place, matching, spans on the
// original text, and evasions still caught through the new conditions.
#include <catch2/catch.hpp>

#include "bot/rules/normalize.h"
#include "bot/rules/reported.h"
#include "bot/rules/rules.h"
#include "tests/rules/screen_helpers.h"

using namespace aasr;
using namespace aasr::rules;
using namespace aasr::rules::testing;

namespace {

std::string LoadErrors(const std::string& yaml) {
  Result<RuleSetPtr> r = RuleSet::LoadString(yaml, "test.yaml");
  REQUIRE_FALSE(r.ok());
  return FormatErrors(r.errors());
}


std::string OneRule(const std::string& body, const std::string& action = "review") {
  return "rules:\n  - id: t.rule\n    category: threat\n    description: test\n    action: " + action + "\n" + body;
}

Author Self(bool is_self) {
  Author a;
  a.is_self = is_self;
  return a;
}

Author Handle(const std::string& h) {
  Author a;
  a.handle = h;
  return a;
}

}  // namespace

// ---- {gap:N} inside phrases ----

TEST_CASE("a gap in a phrase allows up to N arbitrary words between its parts") {
  auto r = Load(OneRule("    phrases: [\"i {gap:3} kill you\"]\n"));
  CHECK(Fires(r, "I will kill you"));
  CHECK(Fires(r, "I kill you"));                          // zero words: the gap may be empty
  CHECK(Fires(r, "I am going to kill you"));              // three words
  CHECK_FALSE(Fires(r, "I am really going to kill you"));  // four: too many
  CHECK_FALSE(Fires(r, "kill you I will"));               // order matters
}

TEST_CASE("a gap with a minimum, next to list references") {
  auto r = Load(R"(lists:
  harm: [happens, "is done"]
rules:
  - id: t.wish
    category: threat
    description: wishing harm on a child
    action: review
    phrases: ["hope {gap:1-4} {harm} to your kid"]
)");
  CHECK(Fires(r, "I hope the same thing happens to your kid"));
  CHECK(Fires(r, "hope that is done to your kid"));
  CHECK_FALSE(Fires(r, "hope happens to your kid"));  // at least one word in between
  CHECK_FALSE(Fires(r, "hope one two three four five happens to your kid"));
}

TEST_CASE("a gap keeps evasions caught and spans on the original text") {
  auto r = Load(OneRule("    phrases: [\"i {gap:3} kill you\"]\n"));
  const std::string text = "ok. I  w1ll  really K.I.L.L. Y0U!!";
  const Verdict v = ScreenText(r, text);
  REQUIRE(v.matches.size() == 1);
  CHECK(Matched(text, v) == std::vector<std::string>{"I  w1ll  really K.I.L.L. Y0U"});
  CHECK(Fires(r, "i wіll kiiiill you"));  // Cyrillic і, letter repeats
}

TEST_CASE("malformed gaps are located errors") {
  const std::string all = LoadErrors(R"(rules:
  - id: a
    category: threat
    description: d
    action: review
    phrases: ["i {gap:x} you", "{gap:2} you", "kill {gap:2}", "a {gap:11} b", "a {gap:3-1} b", "a {gap:0} b"]
)");
  CHECK(all.find("test.yaml:6:15: '{gap:x}': a gap is {gap:N} or {gap:M-N}") != std::string::npos);
  CHECK(all.find("test.yaml:6:32: a gap goes between two parts of a phrase: '{gap:2} you'") != std::string::npos);
  CHECK(all.find("a gap goes between two parts of a phrase: 'kill {gap:2}'") != std::string::npos);
  CHECK(all.find("'{gap:11}'") != std::string::npos);
  CHECK(all.find("'{gap:3-1}'") != std::string::npos);
  CHECK(all.find("'{gap:0}'") != std::string::npos);
}

// ---- near ----

TEST_CASE("near: parts within N words in either order") {
  auto r = Load(OneRule(
      "    near: {terms: [[someone, somebody], [\"hurt*\", \"kill*\"]], within: 4}\n"));
  CHECK(Fires(r, "someone should really hurt you"));
  CHECK(Fires(r, "I hope you get hurt by somebody"));  // either order
  CHECK(Fires(r, "someone hurts"));                    // adjacent
  CHECK(Fires(r, "someone, one day, will kill"));   // three words between
  CHECK_FALSE(Fires(r, "someone, one day, will find and kill"));  // five
  CHECK_FALSE(Fires(r, "someone asked about the bus schedule and whether it hurt"));  // 8 words apart
  CHECK_FALSE(Fires(r, "someone called"));
  CHECK_FALSE(Fires(r, "it hurts"));
}

TEST_CASE("near: ordered keeps the order, spans are every part on the original text") {
  auto r = Load(OneRule(
      "    near: {terms: [[someone, somebody], [should], [\"hurt*\"]], within: 3, ordered: true}\n"));
  const std::string text = "S0MEONE really should, like, HURT you";
  const Verdict v = ScreenText(r, text);
  REQUIRE(v.matches.size() == 1);
  CHECK(Matched(text, v) == std::vector<std::string>{"S0MEONE", "should", "HURT"});
  CHECK_FALSE(Fires(r, "hurt someone should"));  // out of order
  CHECK_FALSE(Fires(r, "should someone hurt"));
}

TEST_CASE("near: list references, phrases, evasions and allow terms") {
  auto r = Load(R"(lists:
  kin: [kid, kids, "your son", "your daughter"]
rules:
  - id: t.where
    category: threat
    description: knows where the child is
    action: review
    near: {terms: [["{kin}"], ["i know where", "school"]], within: 5}
    allow: ["school board"]
)");
  CHECK(Fires(r, "I know where your  d a u g h t e r  goes"));
  CHECK(Fires(r, "your kid's schoooool is on my way"));
  CHECK_FALSE(Fires(r, "the school board met the kids"));  // "school" only inside an allow term
}

TEST_CASE("near: the same word cannot be two parts") {
  auto r = Load(OneRule("    near: {terms: [[\"kill*\"], [killer]], within: 2}\n"));
  CHECK_FALSE(Fires(r, "killer"));
  CHECK(Fires(r, "killer killer"));
}

TEST_CASE("near: malformed conditions are located errors with suggestions") {
  const std::string all = LoadErrors(R"(rules:
  - id: a
    category: threat
    description: d
    action: review
    near: {terms: [[x]], within: 2}
  - id: b
    category: threat
    description: d
    action: review
    near: {terms: [[x], [y]], withn: 2}
  - id: c
    category: threat
    description: d
    action: review
    near: {terms: [[x], [y]], within: many, ordered: maybe}
  - id: d
    category: threat
    description: d
    action: review
    near: [x, y]
)");
  CHECK(all.find("test.yaml:6:19: 'near' needs 'terms': a list of 2 to 5 groups") != std::string::npos);
  CHECK(all.find("test.yaml:11:31: unknown key 'withn' (did you mean 'within'?) (rule b)") != std::string::npos);
  CHECK(all.find("'near' needs 'within'") != std::string::npos);
  CHECK(all.find("test.yaml:16:39: 'within' is a whole number of words") != std::string::npos);
  CHECK(all.find("'ordered' is true or false") != std::string::npos);
  CHECK(all.find("test.yaml:21:11: 'near' takes {terms:") != std::string::npos);
}

TEST_CASE("near is misspelled: did you mean") {
  const std::string all = LoadErrors(OneRule("    neer: {terms: [[a], [b]], within: 2}\n"));
  CHECK(all.find("unknown key 'neer' (did you mean 'near'?)") != std::string::npos);
}

// ---- author.is_self, author.handle, never hiding our own ----

TEST_CASE("author.is_self: true only when we know it is our own account") {
  auto r = Load(OneRule("    author.is_self: true\n"));
  CHECK(Fires(r, "anything", Self(true)));
  CHECK_FALSE(Fires(r, "anything", Self(false)));
  CHECK_FALSE(Fires(r, "anything"));  // unknown: never by guess
  auto not_self = Load(OneRule("    words: [idiot]\n    author.is_self: false\n"));
  CHECK(Fires(not_self, "idiot", Self(false)));
  CHECK_FALSE(Fires(not_self, "idiot", Self(true)));
}

TEST_CASE("our own posts and replies are never hidden, at most reviewed") {
  auto r = Load(R"(rules:
  - {id: privacy.phone, category: privacy, description: a phone number, action: hide, priority: high,
     regex: '\d{3}-\d{3}-\d{4}'}
)");
  const std::string alert = "Call the school board office at 555-123-4567 before Tuesday!";
  CHECK(ScreenText(r, alert).action == Action::kHide);
  const Verdict own = ScreenText(r, alert, Self(true));
  CHECK(own.action == Action::kReview);
  CHECK(own.priority == Priority::kHigh);
  CHECK(own.explanation.find("our own account: never hidden") != std::string::npos);
  CHECK(ScreenText(r, alert, Self(false)).action == Action::kHide);
}

TEST_CASE("author.handle in a named list: case, leading @ and Mastodon domains") {
  auto r = Load(R"(lists:
  trusted_partners: ["@ParentsUnited", "alice@mastodon.example", "*@partners.example", school.bsky.social]
rules:
  - id: t.partner
    category: spam
    description: trusted partners may post links
    action: allow
    author.handle: {in: trusted_partners}
  - id: t.outsider
    category: spam
    description: an outsider
    action: review
    words: [donate]
    author.handle: {not_in: trusted_partners}
)");
  auto is_partner = [&](const std::string& h) {
    const Verdict v = ScreenText(r, "please donate", Handle(h));
    return v.action == Action::kAllow;
  };
  CHECK(is_partner("parentsunited"));
  CHECK(is_partner("@PARENTSUNITED"));
  CHECK(is_partner("Alice@Mastodon.Example"));
  CHECK(is_partner("@alice@mastodon.example"));
  CHECK(is_partner("anyone@partners.example"));
  CHECK(is_partner("School.bsky.social"));
  CHECK_FALSE(is_partner("alice@other.example"));  // the domain part counts
  CHECK_FALSE(is_partner("alice"));
  CHECK_FALSE(is_partner("mallory@evil.example"));
  CHECK(ScreenText(r, "please donate", Handle("mallory@evil.example")).action == Action::kReview);
  CHECK(ScreenText(r, "please donate").action == Action::kAllow);  // no handle: neither in nor not_in holds
}

TEST_CASE("author conditions: located errors") {
  const std::string all = LoadErrors(R"(rules:
  - {id: a, category: spam, description: d, action: review, author.is_self: yes please}
  - {id: b, category: spam, description: d, action: review, author.handle: {in: partnrs}}
  - {id: c, category: spam, description: d, action: review, author.handle: [x]}
  - {id: d, category: spam, description: d, action: review, author.handle: {in: ["two words", "a*b"]}}
  - {id: e, category: spam, description: d, action: review, author.is_selff: true}
lists:
  partners: [x]
)");
  CHECK(all.find("test.yaml:2:77: 'author.is_self' is true or false (rule a)") != std::string::npos);
  CHECK(all.find("test.yaml:3:81: unknown list 'partnrs' (did you mean 'partners'?)") != std::string::npos);
  CHECK(all.find("'author.handle' takes {in: LIST}") != std::string::npos);
  CHECK(all.find("'two words' is not a handle") != std::string::npos);
  CHECK(all.find("'a*b' is not a handle") != std::string::npos);
  CHECK(all.find("unknown key 'author.is_selff' (did you mean 'author.is_self'?)") != std::string::npos);
}

TEST_CASE("examples may say the author is our own account") {
  auto r = Load(R"(rules:
  - id: t.self
    category: spam
    description: d
    action: review
    author.is_self: true
    examples:
      flag: [{text: "hello", author: {is_self: true}}]
      pass: [{text: "hello", author: {is_self: false}}, "hello"]
)");
  CHECK(r->RunExamples().empty());
}

// ---- reported speech ----

TEST_CASE("QuotedRanges: double, curly, guillemets and single quotes, not apostrophes") {
  auto inside = [](const std::string& text) {
    std::vector<std::string> out;
    for (const ByteRange& q : QuotedRanges(text)) out.push_back(text.substr(q.first, q.second - q.first));
    return out;
  };
  CHECK(inside("he said \"you are a X\" to me") == std::vector<std::string>{"you are a X"});
  CHECK(inside("she wrote \xE2\x80\x9Cgo away\xE2\x80\x9D") == std::vector<std::string>{"go away"});
  CHECK(inside("dijo \xC2\xABvete\xC2\xBB y se fue") == std::vector<std::string>{"vete"});
  CHECK(inside("the aide said 'don't be a X' twice") == std::vector<std::string>{"don't be a X"});
  CHECK(inside("he said \xE2\x80\x98no\xE2\x80\x99, didn\xE2\x80\x99t he") == std::vector<std::string>{"no"});
  CHECK(inside("don't, won't, the kids' toys").empty());
  CHECK(inside("an unclosed \"quote").empty());
}

TEST_CASE("LeadInRanges: words after a reporting verb, up to N, never past a sentence end") {
  std::vector<LeadIn> leads;
  for (const std::string& t : {std::string("called"), std::string("told*"), std::string("llamo")}) {
    LeadIn l;
    REQUIRE(ParseLeadIn(t, &l));
    leads.push_back(l);
  }
  auto after = [&](const std::string& text, int within) {
    std::vector<std::string> out;
    for (const ByteRange& r : LeadInRanges(Normalize(text).canonical, text, leads, within))
      out.push_back(text.substr(r.first, r.second - r.first));
    return out;
  };
  CHECK(after("The teacher called my daughter a X yesterday", 4) == std::vector<std::string>{"my daughter a X"});
  CHECK(after("he told my son he was a X", 6) == std::vector<std::string>{"my son he was a X"});
  CHECK(after("He called. You are a X", 6).empty());  // the sentence ended
  CHECK(after("he called... a X", 6) == std::vector<std::string>{"a X"});  // an ellipsis does not end it
  CHECK(after("Llamó a mi hijo X", 6) == std::vector<std::string>{"a mi hijo X"});
  LeadIn bad;
  CHECK_FALSE(ParseLeadIn("{verbs}", &bad));
  CHECK_FALSE(ParseLeadIn("!!", &bad));
}

TEST_CASE("reported: a slur in quotes or after a reporting verb goes to review, low") {
  auto r = Load(R"(rules:
  - id: hate.slur
    category: hate
    description: slur
    action: hide
    priority: high
    words: [slurword]
    reported: {action: review, priority: low}
)");
  const Verdict aimed = ScreenText(r, "you are a slurword");
  CHECK(aimed.action == Action::kHide);
  CHECK(aimed.priority == Priority::kHigh);
  for (const std::string text : {"The teacher called my daughter a slurword in class",
                                 "the aide said 'you little slurword' to him",
                                 "he told my son he was a s-l-u-r-w-o-r-d",
                                 "Llamó a mi hijo slurword",
                                 "they wrote \xE2\x80\x9Cslurw0rd\xE2\x80\x9D on his locker"}) {
    INFO(text);
    const Verdict v = ScreenText(r, text);
    REQUIRE(v.matches.size() == 1);
    CHECK(v.action == Action::kReview);
    CHECK(v.priority == Priority::kLow);
    CHECK(v.matches[0].reported);
    CHECK(v.explanation.find("(reported speech)") != std::string::npos);
  }
  // Every span must be reported: one aimed use keeps the rule's own action.
  CHECK(ScreenText(r, "he called me a slurword. You are a slurword").action == Action::kHide);
  CHECK(ScreenText(r, "he called me a slurword. You are a slurword").matches[0].reported == false);
}

TEST_CASE("reported: allow drops the match, and lead-ins can be the organizers' own lists") {
  auto r = Load(R"(lists:
  self_reference: ["i m a proud", "i am a proud", "proud to be a"]
  reporting_verbs: [snarled]
rules:
  - id: hate.reclaimed
    category: hate
    description: reclaimable slur
    action: review
    words: [queer]
    reported: {action: allow, lead_ins: [self_reference], quotes: false, within: 2}
  - id: hate.slur
    category: hate
    description: slur
    action: review
    words: [slurword]
    reported: review
)");
  CHECK(ScreenText(r, "I'm a proud queer parent").action == Action::kAllow);
  CHECK(ScreenText(r, "I'm a proud queer parent").matches.empty());
  CHECK(ScreenText(r, "you queer").action == Action::kReview);
  CHECK(ScreenText(r, "she said \"queer\"").action == Action::kReview);  // quotes: false
  // reporting_verbs extends the built-in verbs.
  const Verdict v = ScreenText(r, "he snarled slurword at her");
  REQUIRE(v.matches.size() == 1);
  CHECK(v.matches[0].reported);
  CHECK(v.priority == Priority::kLow);
}

TEST_CASE("reported: malformed keys are located errors") {
  const std::string all = LoadErrors(R"(lists:
  leads: ["{x}"]
rules:
  - {id: a, category: hate, description: d, action: review, words: [x], reported: hide}
  - {id: b, category: hate, description: d, action: review, words: [x], reported: {actoin: review}}
  - {id: c, category: hate, description: d, action: review, words: [x], reported: {lead_ins: [leeds]}}
  - {id: d, category: hate, description: d, action: review, words: [x], reported: {lead_ins: [leads], within: 99}}
  - {id: e, category: hate, description: d, action: review, words: [x], reported: revew}
  - {id: f, category: hate, description: d, action: review, words: [x], reportd: review}
)");
  CHECK(all.find("test.yaml:4:83: reported speech is at most reviewed") != std::string::npos);
  CHECK(all.find("unknown key 'actoin' (did you mean 'action'?) (rule b)") != std::string::npos);
  CHECK(all.find("unknown list 'leeds' (did you mean 'leads'?)") != std::string::npos);
  CHECK(all.find("test.yaml:2:11: lead-in '{x}' must be words") != std::string::npos);
  CHECK(all.find("'within' is a whole number of words from 0 to 20") != std::string::npos);
  CHECK(all.find("did you mean 'review'?") != std::string::npos);
  CHECK(all.find("unknown key 'reportd' (did you mean 'reported'?)") != std::string::npos);
}

TEST_CASE("reported: every part of a near match must be reported") {
  auto r = Load(R"(rules:
  - id: threat.someone-hurt
    category: threat
    description: someone should hurt
    action: hide
    near: {terms: [[someone], ["hurt*"]], within: 3}
    reported: review
)");
  const Verdict quoted = ScreenText(r, "the aide said \"someone should hurt you\" to my son");
  REQUIRE(quoted.matches.size() == 1);
  CHECK(quoted.matches[0].reported);
  CHECK(quoted.action == Action::kReview);
  // One part outside the quotation: aimed, so the rule's own action.
  const Verdict half = ScreenText(r, "someone said \"hurt\" and meant it");
  REQUIRE(half.matches.size() == 1);
  CHECK_FALSE(half.matches[0].reported);
  CHECK(half.action == Action::kHide);
}

TEST_CASE("near and gaps combine with not, any and the set's other rules") {
  auto r = Load(R"(rules:
  - id: t.a
    category: threat
    description: near, unless a mitigator
    action: review
    near: {terms: [[kill], [you]], within: 2}
    not: {words: [joking]}
  - id: t.b
    category: threat
    description: a gap, in any
    action: review
    any:
      - phrases: ["watch {gap:2} back"]
      - words: [unrelated]
)");
  CHECK(Fires(r, "I will kill you"));
  CHECK_FALSE(Fires(r, "I will kill you, joking"));
  CHECK(Fires(r, "watch your back"));
  CHECK(Fires(r, "watch your own back"));
  CHECK_FALSE(Fires(r, "watch the movie with your back to the wall"));
}

TEST_CASE("examples carry handles, so author.handle rules test themselves") {
  auto r = Load(R"(lists:
  partners: ["@ParentsUnited@mastodon.example"]
rules:
  - id: t.partner-links
    category: spam
    description: links from outside the partners
    action: review
    words: [donate]
    author.handle: {not_in: partners}
    examples:
      flag: [{text: donate here, author: {handle: stranger@x.example}}]
      pass: [{text: donate here, author: {handle: parentsunited@MASTODON.example}}]
)");
  CHECK(r->RunExamples().empty());
}

TEST_CASE("allow scoped to the match: a term within N words neutralises it, one elsewhere does not") {
  auto r = Load(OneRule("    words: [kill]\n    allow: [\"killer whale\", {terms: [\"the bill\", \"{bills}\"], within: 2}]\n"
                        "  - id: t.whole\n    category: threat\n    description: test\n    action: review\n"
                        "    words: [kill]\n    not: {phrases: [\"the bill\"]}\n")
                     .insert(0, "lists:\n  bills: [senate bill]\n"));
  auto ids = [&](const std::string& text) {
    std::vector<std::string> out;
    for (const RuleMatch& m : ScreenText(r, text).matches) out.push_back(m.rule_id);
    return out;
  };
  CHECK(ids("we will kill the bill").empty());
  CHECK(ids("kill it, yes, the bill").empty());         // two words between: within 2
  CHECK(ids("kill that awful Senate-Bill now") == std::vector<std::string>{"t.whole"});  // a list reference
  CHECK(ids("saw a killer whale") == std::vector<std::string>{});
  // A benign phrase elsewhere: the scoped allow keeps the threat, `not` loses it.
  CHECK(ids("I will kill you. Anyway, please call about the bill") == std::vector<std::string>{"t.rule"});
  CHECK(ids("kill it, I really mean the bill") == std::vector<std::string>{"t.rule"});  // three words between
  // Each part is judged alone: the one near the bill is dropped, the other kept.
  const std::string both = "kill the bill, and after that we kill him";
  const Verdict v = ScreenText(r, both);
  REQUIRE(v.matches.size() == 1);
  const uint32_t second = static_cast<uint32_t>(both.rfind("kill"));
  CHECK(v.matches[0].spans == std::vector<Span>{{second, second + 4}});
}

TEST_CASE("allow scoped to the match inside near, and malformed scoped allows are located errors") {
  auto r = Load(OneRule("    near: {terms: [[you], [shoot]], within: 2}\n    allow: {terms: [video, photos], within: 3}\n"));
  CHECK_FALSE(Fires(r, "you should shoot the video today"));
  CHECK(Fires(r, "you I will shoot. i really love all of your video channel"));
  const std::string errors = LoadErrors(R"(rules:
  - {id: a, category: threat, description: d, action: review, words: [x], allow: {terms: [y], within: 99}}
  - {id: b, category: threat, description: d, action: review, words: [x], allow: {terms: [y]}}
  - {id: c, category: threat, description: d, action: review, words: [x], allow: [z, {terms: [y], withn: 2}]}
)");
  CHECK(errors.find("test.yaml:2:") != std::string::npos);
  CHECK(errors.find("'within' is a whole number of words from 0 to 20") != std::string::npos);
  CHECK(errors.find("test.yaml:3:") != std::string::npos);
  CHECK(errors.find("a scoped allow is {terms: [...], within: N}") != std::string::npos);
  CHECK(errors.find("test.yaml:4:") != std::string::npos);
  CHECK(errors.find("withn") != std::string::npos);
}
