// Measuring and cutting post text the way each platform counts it.
//
// Graphemes are extended grapheme clusters (UAX #29, utf8proc): a family emoji
// joined with ZWJ, a thumbs-up with a skin tone, or "e" + combining acute
// each count once and are never split. URLs are "http(s)://" followed by
// non-space characters, minus trailing punctuation, as Mastodon and Bluesky
// clients link them. Hashtags are '#' at the start or after whitespace,
// followed by letters/digits/underscore/non-ASCII, not all digits.
// CountMastodonCharacters is Mastodon's own count (see below), which differs
// from both rules above on purpose.
// This is the one text-measuring module: the composer (composer.cc,
// graphics.cc) and the platform adapters (platforms/common.cc, replies.cc,
// mastodon.cc, bluesky.cc) all count through it, so a text the composer
// says fits is the text the adapter accepts (CountPlatformText below).
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
// Unicode code points (a stray continuation byte is not counted): Facebook's
// characters, and Mastodon's alt text (Ruby String#length).
size_t CountCodePoints(std::string_view text);

struct Span {
  size_t begin = 0;  // byte offset, inclusive
  size_t end = 0;    // byte offset, exclusive
};
std::vector<Span> FindUrls(std::string_view text);
// Spans include the '#'.
std::vector<Span> FindHashtags(std::string_view text);

// Mastodon's count, as app/validators/status_length_validator.rb does it:
// the text with every URL replaced by `url_weight` characters (the
// instance's configuration.statuses.characters_reserved_per_url, 23) and
// every `@user@domain` mention by `@user`, then counted in extended
// grapheme clusters (Ruby's each_grapheme_cluster). URLs and mentions are
// found as Mastodon's Extractor finds them (twitter-text rules), so a URL
// after "(", ":" or a quote counts 23 as well, not only after a space.
// (The server adds spoiler_text to the count; the bot posts none.)
size_t CountMastodonCharacters(std::string_view text, size_t url_weight = 23);
// The entities that count specially: URLs with an http(s) scheme, preceded
// by the start or a character other than a letter, digit, '@', '$' or '#';
// up to whitespace or '<'/'>'/'"', minus trailing punctuation (a ')' stays
// when it closes a '(' inside the URL); the host must have a dot.
std::vector<Span> FindMastodonUrls(std::string_view text);
// Account::MENTION_RE: '@' not after '=', '/' or a word character, a
// username ([a-z0-9_] with inner '.'/'-'), optionally '@domain'; not
// followed by '@' or "://". Spans cover "@user@domain"; overlaps with URLs
// are dropped by CountMastodonCharacters as Extractor does.
std::vector<Span> FindMastodonMentions(std::string_view text);

// How each platform counts a post's (or reply's) text against its limit:
//   mastodon  kMastodon   CountMastodonCharacters (url_weight per URL)
//   bluesky   kGraphemes  300 graphemes (its 3,000-byte limit is separate)
//   facebook, local and anything else  kCodePoints
enum class TextUnit { kCodePoints, kGraphemes, kMastodon };
TextUnit TextUnitFor(std::string_view platform);
// `url_weight` applies to kMastodon only: the instance's
// characters_reserved_per_url.
size_t CountText(std::string_view text, TextUnit unit, size_t url_weight = 23);
size_t CountPlatformText(std::string_view platform, std::string_view text, size_t url_weight = 23);

// The longest prefix of `text` that ends at a word boundary (whitespace),
// followed by "…", for which fits() is true. Text that is one single word
// (no whitespace) is cut between grapheme clusters instead, unless it is a
// URL or a hashtag.
// Returns "" when nothing fits. If the whole text fits it is returned as is.
std::string ShortenToFit(const std::string& text, const std::function<bool(const std::string&)>& fits);

}  // namespace aasr::outreach
