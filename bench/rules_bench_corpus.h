// The benchmark's inputs, all generated from fixed seeds so every run (on any
// machine with the same standard library-independent generator below) screens
// exactly the same bytes against exactly the same rules.
//
//   Corpus c = GenerateCorpus(10'500'000, words);  // >= 10.5 MB of comments
//   std::vector<GeneratedWord> words = GenerateWords(2000);
//   std::string yaml = GeneratedRulesYaml(words);  // 2,000 one-word rules
//
// Nothing here reads files; the word pools are embedded in
// rules_bench_corpus.cc. Not thread safe (plain functions over local state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace aasr::bench {

// std::uniform_int_distribution is implementation-defined; plain modulo on
// mt19937_64 (whose output sequence the standard fixes) keeps the corpus
// identical across standard libraries. The tiny modulo bias is irrelevant.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Below(uint64_t n) { return gen_() % n; }
  bool Chance(double p) { return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&pool)[N]) { return pool[Below(N)]; }
  template <typename T>
  const T& Pick(const std::vector<T>& pool) { return pool[Below(pool.size())]; }

 private:
  std::mt19937_64 gen_;
};

// What was planted in a comment, to check the engine does real work.
enum class Planted : uint8_t {
  kNone,       // community talk only (it may still contain Scunthorpe-family words)
  kPlain,      // an insult, threat, slur, spam, privacy or crisis phrase as written
  kDisguised,  // the same, disguised: leetspeak, spacing, homoglyphs, repeats, ...
  kGenerated,  // one of the 2,000 generated words
};

struct CorpusComment {
  std::string text;  // valid UTF-8, 100..400 bytes
  Planted planted = Planted::kNone;
  std::string planted_text;  // the planted sentence, as inserted
  bool has_author = false;  // author metadata known (account age, followers)
  double account_age_days = 0;
  double followers = 0;
  bool first_comment = false;
};

struct Corpus {
  std::vector<CorpusComment> comments;
  size_t bytes = 0;
  size_t non_ascii_comments = 0;
};

struct GeneratedWord {
  std::string word;  // 5..9 lowercase ASCII letters, consonant-vowel syllables
  bool wild_start = false;  // the rule says "*word"
  bool wild_end = false;    // the rule says "word*"
};

// `count` distinct made-up words, none of them an English word used in the
// corpus pools; about 8% end with a wildcard and 4% start with one.
std::vector<GeneratedWord> GenerateWords(size_t count);

// A rule file with one rule per word (id bench.gen-NNNN), categories and
// actions varied as real rules would be.
std::string GeneratedRulesYaml(const std::vector<GeneratedWord>& words);

// Comments until at least min_bytes; ~4% carry a planted hit.
Corpus GenerateCorpus(size_t min_bytes, const std::vector<GeneratedWord>& words);

// A stand-in for the shipped rules (about 100 typical terms, lists, phrases,
// two regexes, a metadata rule), used only when the shipped rules directory
// has no rule file or does not load. The benchmark says so when it does.
extern const char* const kStandInRulesYaml;

}  // namespace aasr::bench
