// Normalization: undoing the ways people disguise words, while remembering
// where every byte came from.
//
// A MappedText is a transformed copy of a comment: for each byte of `text`,
// [begin[i], end[i]) is the range of the ORIGINAL comment that produced it.
// Each step below takes a MappedText and returns a new one whose map still
// points into the original, so spans found after any number of steps can be
// reported against the text the person wrote.
//
//   Views v = Normalize(comment);   // all steps, in order
//   Span s = v.canonical.ToOriginal(b, e);
//
// The steps, in the order Normalize() applies them (rules/README.md explains
// them to organizers):
//   1 RemoveFormatCharacters  2 FoldCompatibilityAndCase  2a FoldLetterSymbols
//   2b JoinSpacedNumbers                                   (= the literal view)
//   from 2a: 3 StripDiacritics  4 FoldHomoglyphs  5 DecodeLeetspeak
//   6 CollapseSeparators, which also keeps masking symbols (= the canonical view)
// Step 2b feeds only the literal view: words and phrases see "five" as a word.
// Letter repeats ("iiiidiooot") are not squeezed here: each letter of a term
// matches a run of itself (see TermPattern in loader.cc), so "kill" matches
// "kiiill" while "coon" does not match "con".
// Invalid UTF-8 bytes become spaces in step 1. All functions are pure and
// thread safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aasr::rules {

struct MappedText {
  std::string text;
  std::vector<uint32_t> begin;  // per byte of text
  std::vector<uint32_t> end;    // per byte of text

  static MappedText Identity(std::string_view original);

  // Original range covered by bytes [b, e) of text; e > b.
  std::pair<uint32_t, uint32_t> ToOriginal(size_t b, size_t e) const {
    return {begin[b], end[e - 1]};
  }
};

MappedText RemoveFormatCharacters(const MappedText& in);
MappedText FoldCompatibilityAndCase(const MappedText& in);
// Step 2a, after case folding: letters NFKC leaves as symbols or as other
// letters become the ASCII letter they show. Regional indicators (🇰 -> k),
// negative circled and negative squared letters (🅚 🅺 -> k; NFKC already folds
// circled ⓚ, squared 🄺 and parenthesized ⒦), small capitals (ᴋ ɪ ʟ ꜱ ʀ ʏ ...),
// IPA and turned letters that read as Latin ones (ɑ ɡ ɛ ɫ; ʞ ɐ ǝ ɹ ʇ ʎ ...).
// One code point in, one out, same map; turned text is not un-reversed.
MappedText FoldLetterSymbols(const MappedText& in);
// Its table: the ASCII lowercase letter for cp, or 0 if cp is not one of these.
char32_t LetterSymbol(char32_t cp);

// Step 2b, the literal view only: a written-out number made whole, so `regex`
// conditions see phone numbers and ids as digits. A run of at least 3
// "number units" (a lone digit, or a number word: zero..nine, cero..nueve,
// uno) joined by separators of 1-3 characters from " -./()_" becomes digits.
// The separator between the run's first two units is its spacing and is
// dropped wherever it recurs; any other separator is kept without its
// whitespace (" - " -> "-"), or as one space if it had only whitespace:
//   "5 5 5 - 2 1 3 - 8 8 7 6" -> "555-213-8876"
//   "five five five two one three" -> "555213",  "cinco cinco cinco" -> "555"
// Text with fewer than 3 units in a row is unchanged ("I have 2 kids, 3 dogs",
// "one or two", "555-213-8876"). Each digit maps to its unit's original
// range; the text must be case folded (step 2).
MappedText JoinSpacedNumbers(const MappedText& in);

MappedText StripDiacritics(const MappedText& in);
MappedText FoldHomoglyphs(const MappedText& in);
MappedText DecodeLeetspeak(const MappedText& in);
// Output starts and ends with one space, and words are separated by exactly
// one space or by masking placeholders, so a whole word `w` is always found
// between two bytes of " *" (kWordEdges).
//
// Symbol masking: a separator of 1-3 masking symbols between two ASCII
// letters stands for letters ("k*ll", "st#pid", "r*t*rd", "f**k"); each
// symbol becomes one kMask byte, mapped to that symbol. Strong masks are
// * # % + ~ ^ = | \ < > &; weak ones (. - _) mask only when at least one of
// the two words has more than one letter, so "U.S." and "e.g." stay words.
// Runs of spelled-out letters are joined first ("k*y*s" -> "kys"). A kMask
// byte also separates words: term patterns (RepeatTolerantRegex) accept it
// in place of one interior letter of a word or in place of the space
// between two words, so "self-harm" still matches `harm` and `self harm`.
MappedText CollapseSeparators(const MappedText& in);

// The placeholder of a masked letter in the canonical view, and the class of
// bytes that can border a canonical word.
inline constexpr char kMask = '*';
inline constexpr const char* kWordEdges = "[ *]";

struct Views {
  MappedText literal;    // steps 1-2b: what `regex` conditions see
  MappedText canonical;  // steps 1-2a, 3-6: what words, phrases and lists see
};

// All steps. Normalize() runs them fused in one pass over the code points
// (decoding once, reusing per-thread buffers); NormalizeStepwise() applies the
// step functions one by one. Both give the same result (tested on random
// input); the stepwise form is the readable reference.
Views Normalize(std::string_view original);
Views NormalizeStepwise(std::string_view original);

// Screening without maps: most comments match nothing, and spans are needed
// only for those that do, so the screen first runs on the bare texts.
bool IsAsciiText(std::string_view text);
// For ASCII text: exactly Normalize(text).canonical.text, in one tight pass
// with no maps (tested on random input). The literal view of ASCII text is the
// text itself up to case, which case-insensitive patterns do not see.
std::string CanonicalAsciiText(std::string_view ascii);
// For ASCII text: exactly Normalize(text).literal.text (lowercased, numbers
// joined), without maps.
std::string LiteralAsciiText(std::string_view ascii);
// Whether step 2b changes this text (case-insensitive; any text). Screening
// uses the bare comment as the literal view of ASCII text when it does not,
// since the literal set is case-insensitive.
bool HasSpacedNumber(std::string_view text);

// How a term's letters may be written in the comment.
struct TermOptions {
  // A doubled letter of the term ("ll" in "kill") may also be written once
  // ("kil"). Opt-in (term suffix `~`): `ass` must not match "as" by default.
  bool single_doubles = false;
};

// Whether a canonical term has a letter written twice in a row ("kill"), the
// only thing TermOptions::single_doubles changes.
bool HasDoubledLetter(std::string_view canonical_term);

// The RE2 pattern for a canonical term in which each letter matches a run of
// itself: "kill" -> "k+(?:i+|\*)(?:l+|\*)l+" (so "kiiilll" matches and "kil"
// does not). A letter that is neither the first nor the last of its word may
// also be one masking placeholder ("k*ll"), and a space between words may be
// one or more placeholders ("self-harm"). Everything else is quoted.
std::string RepeatTolerantRegex(std::string_view canonical_term, TermOptions options = {});

// Every run of one letter made a single letter ("kiiilll" -> "kil"). The
// candidate filter runs over this form of the canonical text, with terms in
// the form SqueezedTermRegex gives; candidates are then confirmed on the
// canonical text itself.
std::string SqueezeLetters(std::string_view canonical);

// The candidate filter's pattern for a canonical term: it matches the
// squeezed form of every text RepeatTolerantRegex(term, options) matches
// (a superset, never fewer): "kill" -> "k[i*][l*]{1,2}".
std::string SqueezedTermRegex(std::string_view canonical_term, TermOptions options = {});

// The canonical form of a term as an organizer wrote it (no leading or
// trailing space, no masking placeholder: the symbols of a term separate its
// words): "Kill  Your-Self" -> "kill your self".
std::string CanonicalTerm(std::string_view term);

}  // namespace aasr::rules
