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
//   1 RemoveFormatCharacters  2 FoldCompatibilityAndCase   (= the literal view)
//   3 StripDiacritics  4 FoldHomoglyphs  5 DecodeLeetspeak
//   6 CollapseSeparators                                   (= the canonical view)
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
MappedText StripDiacritics(const MappedText& in);
MappedText FoldHomoglyphs(const MappedText& in);
MappedText DecodeLeetspeak(const MappedText& in);
// Output starts and ends with one space, and words are separated by exactly
// one space, so a whole word `w` is always found as " w ".
MappedText CollapseSeparators(const MappedText& in);

struct Views {
  MappedText literal;    // steps 1-2: what `regex` conditions see
  MappedText canonical;  // steps 1-6: what words, phrases and lists see
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

// The RE2 pattern for a canonical term in which each letter matches a run of
// itself: "kill" -> "k+i+l+l+" (so "kiiilll" matches and "kil" does not);
// everything else is quoted.
std::string RepeatTolerantRegex(std::string_view canonical_term);

// Every run of one letter made a single letter ("kiiilll" -> "kil"). The
// candidate filter runs over this form of the canonical text, with terms in
// the same form; candidates are then confirmed on the canonical text itself.
std::string SqueezeLetters(std::string_view canonical);

// The canonical form of a term as an organizer wrote it (no leading or
// trailing space): "Kill  Your-Self" -> "kill your self".
std::string CanonicalTerm(std::string_view term);

}  // namespace aasr::rules
