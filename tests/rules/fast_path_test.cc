// The fast path of Screen (its cheaper canonical-view tests and lazy byte
// maps, see matcher.cc) against the reference evaluation: the same verdict,
// spans and explanation, on the shipped rules over the development corpus's
// tuning split, the bench corpus and random variations of both.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bench/rules_bench_corpus.h"
#include "bot/rules/rules.h"
#include "tests/rules/screen_helpers.h"
#include "aasr/build_paths.h"

using namespace aasr;
using namespace aasr::rules;

namespace {

namespace fs = std::filesystem;

RuleSetPtr ShippedRules() {
  Result<RuleSetPtr> r = RuleSet::LoadDirectory(std::string(AASR_SOURCE_DIR) + "/rules");
  if (!r.ok()) FAIL(FormatErrors(r.errors()));
  return r.value();
}

// The tuning split's comments (rules/corpus/tune/*.jsonl), with their authors.
std::vector<Comment> TuneComments() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(AASR_SOURCE_DIR) / "rules" / "corpus" / "tune")) {
    if (e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Comment> out;
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) continue;
      Comment c;
      c.text = j["text"].get<std::string>();
      if (j.contains("author") && j["author"].is_object()) {
        const nlohmann::json& a = j["author"];
        if (a.contains("handle") && a["handle"].is_string()) c.author.handle = a["handle"].get<std::string>();
        if (a.contains("is_self") && a["is_self"].is_boolean()) c.author.is_self = a["is_self"].get<bool>();
        if (a.contains("account_age_days") && a["account_age_days"].is_number())
          c.author.account_age_days = a["account_age_days"].get<double>();
        if (a.contains("followers") && a["followers"].is_number()) c.author.followers = a["followers"].get<double>();
        if (a.contains("first_comment") && a["first_comment"].is_boolean())
          c.author.first_comment = a["first_comment"].get<bool>();
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

// The comment, its fast verdict and its reference verdict, as `screen` JSON.
struct Disagreement {
  std::string text, fast, reference;
};

size_t Compare(const RuleSet& rules, const std::vector<Comment>& comments, std::vector<Disagreement>* bad,
               size_t* flagged) {
  size_t n = 0;
  for (const Comment& c : comments) {
    const Verdict fast = rules.Screen(c, RuleSet::Evaluation::kFast);
    const Verdict ref = rules.Screen(c, RuleSet::Evaluation::kReference);
    const std::string f = VerdictToJson(fast).dump(), r = VerdictToJson(ref).dump();
    if (f != r && bad->size() < 5) bad->push_back({c.text, f, r});
    n += f != r;
    *flagged += ref.action != Action::kAllow || !ref.shadow_matches.empty();
  }
  return n;
}

void RequireAgreement(const RuleSet& rules, const std::vector<Comment>& comments) {
  std::vector<Disagreement> bad;
  size_t flagged = 0;
  const size_t n = Compare(rules, comments, &bad, &flagged);
  for (const Disagreement& d : bad) {
    INFO("text: " << d.text << "\nfast:      " << d.fast << "\nreference: " << d.reference);
    CHECK(d.fast == d.reference);
  }
  CHECK(n == 0);
  // The comparison means something only if the rules fire on part of it.
  CHECK(flagged > 0);
  CHECK(flagged < comments.size());
}

// A variation of a comment: words dropped, repeated, swapped with another
// comment's, recased, letters doubled, masked or spaced, quotes added.
std::string Vary(const std::string& text, const std::string& other, std::mt19937_64& rng) {
  std::vector<std::string> words, other_words;
  auto split = [](const std::string& t, std::vector<std::string>* out) {
    size_t i = 0;
    while (i < t.size()) {
      const size_t j = t.find(' ', i);
      out->push_back(t.substr(i, j == std::string::npos ? std::string::npos : j - i));
      if (j == std::string::npos) break;
      i = j + 1;
    }
  };
  split(text, &words);
  split(other, &other_words);
  std::vector<std::string> out;
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  for (const std::string& w : words) {
    if (chance(8)) continue;  // dropped
    std::string v = w;
    if (chance(5) && !other_words.empty()) v = other_words[rng() % other_words.size()];
    if (chance(5)) std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    const bool ascii_word = std::all_of(v.begin(), v.end(), [](unsigned char ch) { return ch < 0x80 && std::isalpha(ch); });
    if (ascii_word && v.size() > 2) {
      const size_t at = 1 + rng() % (v.size() - 2);
      switch (rng() % 12) {
        case 0: v.insert(at, 1, v[at]); break;  // a doubled letter
        case 1: v[at] = '*'; break;             // a masked letter
        case 2: v.insert(at, " "); break;       // a split word
        case 3: v = "\"" + v + "\""; break;     // quoted
        case 4: v.insert(at, "."); break;       // a dot inside
        default: break;
      }
    }
    out.push_back(v);
    if (chance(4)) out.push_back(v);  // repeated
  }
  if (chance(20) && !other_words.empty()) {  // two comments' words interleaved
    const size_t at = rng() % (out.size() + 1);
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), other_words.begin(),
               other_words.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(other_words.size(), 12)));
  }
  std::string joined;
  for (const std::string& w : out) joined += (joined.empty() ? "" : " ") + w;
  return joined;
}

}  // namespace

TEST_CASE("fast path and reference agree on the tuning corpus") {
  const RuleSetPtr rules = ShippedRules();
  const std::vector<Comment> comments = TuneComments();
  REQUIRE(comments.size() > 1000);
  RequireAgreement(*rules, comments);
}

TEST_CASE("fast path and reference agree on the bench corpus") {
  const RuleSetPtr rules = ShippedRules();
  // The bench's own generator and seeds; its first 3 MB (the bench screens
  // 10.5 MB; the whole of it was compared once with `aasr-bot screen`).
  const bench::Corpus corpus = bench::GenerateCorpus(3'000'000, bench::GenerateWords(2000));
  std::vector<Comment> comments;
  for (const bench::CorpusComment& c : corpus.comments) {
    Comment out;
    out.text = c.text;
    if (c.has_author) {
      out.author.account_age_days = c.account_age_days;
      out.author.followers = c.followers;
      out.author.first_comment = c.first_comment;
    }
    comments.push_back(std::move(out));
  }
  RequireAgreement(*rules, comments);
}

TEST_CASE("fast path and reference agree on random variations of the tuning corpus") {
  const RuleSetPtr rules = ShippedRules();
  const std::vector<Comment> tune = TuneComments();
  REQUIRE(!tune.empty());
  std::mt19937_64 rng(0xFA57);
  std::vector<Comment> varied;
  for (int round = 0; round < 3; ++round) {
    for (const Comment& c : tune) {
      Comment v = c;
      v.text = Vary(c.text, tune[rng() % tune.size()].text, rng);
      varied.push_back(std::move(v));
    }
  }
  RequireAgreement(*rules, varied);
}

TEST_CASE("fast path and reference agree where allow terms and proximity interact") {
  // Hand-made cases for the fast path's shortcuts: an allowed part that the
  // canonical test cannot see, min_matches over coinciding matches, and
  // parts of a `near` chain at the edge of `within`.
  const RuleSetPtr rules = testing::Load(R"(
rules:
  - id: t.near
    category: threat
    description: near with an allow
    action: review
    near: {terms: [[you, your], [hurt, "kill*"]], within: 2}
    allow: ["killer whale", "you hurt"]
  - id: t.min
    category: harassment
    description: two insults
    action: review
    words: [idiot, "idio*"]
    min_matches: 2
  - id: t.not
    category: spam
    description: a not around near
    action: review
    words: [buy]
    not:
      near: {terms: [[now], [today]], within: 0}
)");
  const std::vector<std::string> texts = {
      "you saw the killer whale", "you hurt me", "i will hurt you", "your kid will be killed",
      "you , , , really will hurt", "you a b c hurt", "idiot", "idiot idiot", "idiotic idiot", "idiots",
      "buy now today", "buy today now", "buy now", "buy now tomorrow today", "y0u w1ll hurt", "ÿou hurt",
      "You.Hurt", "you killer whale hurt", "kill you", "killerwhale you"};
  std::vector<Comment> comments;
  for (const std::string& t : texts) {
    Comment c;
    c.text = t;
    comments.push_back(c);
  }
  std::vector<Disagreement> bad;
  size_t flagged = 0;
  CHECK(Compare(*rules, comments, &bad, &flagged) == 0);
  for (const Disagreement& d : bad) {
    INFO("text: " << d.text << "\nfast:      " << d.fast << "\nreference: " << d.reference);
    CHECK(d.fast == d.reference);
  }
  CHECK(flagged > 3);
}

TEST_CASE("fast path and reference agree where one-word terms are looked up among words") {
  // The fast path locates a term of one ASCII word through a word index
  // (matcher.cc, LocateWord) instead of its locator: letter runs, doubled
  // letters with and without `~`, masked words (the index steps aside),
  // accents, a word inside a longer word, digits beside letters.
  const RuleSetPtr rules = testing::Load(R"(
rules:
  - id: t.words
    category: threat
    description: one-word terms
    action: review
    words: [kill, "coon", "pass~", my]
  - id: t.near
    category: threat
    description: near of one-word terms
    action: review
    near: {terms: [[my, me], [kill, hurt]], within: 2}
  - id: t.scoped
    category: threat
    description: scoped allow
    action: review
    words: [hurt, "kill*"]
    allow: [{terms: [my, "the bill"], within: 1}]
)");
  const std::vector<std::string> texts = {
      "kill", "kil", "kiiilll", "KILL", "k*ll", "self-kill", "killer", "skill", "kill2", "k1ll",
      "con", "coon", "cooon", "pas", "pass", "paaasss", "p@ss", "my", "mmyy", "my kill", "me, i will hurt",
      "kíll my", "ｋｉｌｌ", "i m so kil", "hurt me hurt me kill kill", "kill\xF0\x9F\x94\xAA my", "mykill",
      "kill the bill", "kill it the bill", "my hurt", "my, k*ll", "hurt a b my", "killing my the bill"};
  std::vector<Comment> comments;
  for (const std::string& t : texts) {
    Comment c;
    c.text = "so " + t + " now";
    comments.push_back(c);
  }
  std::vector<Disagreement> bad;
  size_t flagged = 0;
  CHECK(Compare(*rules, comments, &bad, &flagged) == 0);
  for (const Disagreement& d : bad) {
    INFO("text: " << d.text << "\nfast:      " << d.fast << "\nreference: " << d.reference);
    CHECK(d.fast == d.reference);
  }
  CHECK(flagged >= 15);
}
