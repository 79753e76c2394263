// Measuring and cutting post text the way each platform counts it.
//
// Graphemes are extended grapheme clusters (UAX #29, utf8proc): a family emoji
// joined with ZWJ, a thumbs-up with a skin tone, or "e" + combining acute
// each count once and are never split. URLs are "http(s)://" followed by
// non-space characters, minus trailing punctuation, as Mastodon and Bluesky
// clients link them. Hashtags are '#' at the start or after whitespace,
// followed by letters/digits/underscore/non-ASCII, not all digits.
// Pure functions on valid UTF-8, thread safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace aasr::outreach {

// Byte offsets where each grapheme cluster starts, plus text.size() at the end.
std::vector<size_t> GraphemeBoundaries(std::string_view text);
size_t CountGraphemes(std::string_view text);

struct Span {
  size_t begin = 0;  // byte offset, inclusive
  size_t end = 0;    // byte offset, exclusive
};
std::vector<Span> FindUrls(std::string_view text);
// Spans include the '#'.
std::vector<Span> FindHashtags(std::string_view text);

// The longest prefix of `text` that ends at a word boundary (whitespace),
// followed by "…", for which fits() is true. Text that is one single word
// (no whitespace) is cut between grapheme clusters instead, unless it is a
// URL or a hashtag.
// Returns "" when nothing fits. If the whole text fits it is returned as is.
std::string ShortenToFit(const std::string& text, const std::function<bool(const std::string&)>& fits);

}  // namespace aasr::outreach
