// Story: one item of a WordPress site's feed, already reduced to plain text.
//
// Parsers for the three sources WordPress offers: RSS 2.0 and Atom (parsed
// with pugixml) and the REST API (`/wp-json/wp/v2/posts?_embed`, JSON).
// ParseFeed() looks at the body to tell them apart.
//
// Identity: a story's `id` is what the site says identifies it, never its
// title: the RSS <guid> (else <link>), the Atom <id> (else its alternate
// link), or "wp:<post id>" for the REST API. An edited story keeps its id, so
// it is recognised as already seen.
//
// Errors: a body that is not a feed (XML or JSON syntax, unknown root) fails as
// a whole with "source:line:column: message"; one bad item (no identity, a
// date that cannot be read) is reported in `warnings` with its index and the
// rest of the feed is still returned. A story dated outside the years 1678 to
// 2260 (what the bot's clocks can hold) is skipped, with a warning naming the
// feed (`where.file`), the item (`subject`) and the date field. Numbers that
// JSON cannot hold (`1e999`) fail the reply as a whole, like any syntax error;
// no parser here throws. Pure functions, thread safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bot/util/error.h"

namespace aasr::outreach {

struct Story {
  std::string id;         // guid / atom id / "wp:123"
  std::string title;      // plain text (tags stripped, entities decoded)
  std::string excerpt;    // plain text
  std::string link;       // canonical URL of the story
  std::string image_url;  // featured image, if the source names one
  int64_t published = 0;  // Unix seconds UTC; 0 when the source gives none
};

struct ParsedFeed {
  std::string kind;  // "rss", "atom", "wp-json"
  std::vector<Story> stories;
  Errors warnings;   // items skipped or partly read
};

Result<ParsedFeed> ParseFeed(std::string_view body, const std::string& source);
Result<ParsedFeed> ParseXmlFeed(std::string_view body, const std::string& source);
Result<ParsedFeed> ParseWpJson(std::string_view body, const std::string& source);

// Date parsers; return false if `text` is not in the format.
// RFC 822/1123 as RSS uses it: "Tue, 18 Jul 2023 14:03:21 +0000" (also GMT,
// UT, Z, US zone names, two-digit years, no weekday, no seconds).
bool ParseRfc822(std::string_view text, int64_t* unix_seconds);
// RFC 3339 / ISO 8601: "2023-07-18T14:03:21Z", "...+02:00", "...21.5Z", and,
// when `assume_utc` is true, no offset at all (WordPress `date_gmt`).
bool ParseRfc3339(std::string_view text, bool assume_utc, int64_t* unix_seconds);

// "2023-07-18T14:03:21Z"; any int64 is formatted (no overflow outside 1677..2262).
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace aasr::outreach
