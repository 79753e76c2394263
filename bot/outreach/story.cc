#include "bot/outreach/story.h"

#include <cctype>
#include <cstdio>
#include <cstring>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "bot/util/html.h"

namespace aasr::outreach {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// 1-based line and column of a byte offset, for parser errors.
Location LocationOf(std::string_view body, size_t offset, const std::string& source) {
  Location loc{source, 1, 1};
  if (offset > body.size()) offset = body.size();
  for (size_t i = 0; i < offset; ++i) {
    if (body[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else if ((static_cast<unsigned char>(body[i]) & 0xC0) != 0x80) {
      ++loc.column;
    }
  }
  return loc;
}

int64_t ToUnix(int y, int mo, int d, int h, int mi, int s, int offset_seconds) {
  const auto tp = cctz::convert(cctz::civil_second(y, mo, d, h, mi, s), cctz::utc_time_zone());
  return std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count() -
         offset_seconds;
}

// Stories are dated inside the years system_clock can hold (its nanoseconds
// span 1677-09-21 .. 2262-04-11); the rest of the bot converts `published`
// to time points, so a date outside is refused here, with its item, rather
// than overflowing there. 0 ("no date") is in range.
constexpr int64_t kFirstStorySecond = -9'214'560'000;  // 1678-01-01T00:00:00Z
constexpr int64_t kLastStorySecond = 9'183'110'399;    // 2260-12-31T23:59:59Z

bool InStoryRange(int64_t unix_seconds) {
  return unix_seconds >= kFirstStorySecond && unix_seconds <= kLastStorySecond;
}

std::string OutOfRange(const char* field, const std::string& date) {
  return std::string(field) + " '" + date + "' is outside the years 1678 to 2260: skipped";
}

bool ReadInt(std::string_view s, size_t* pos, size_t min_digits, size_t max_digits, int* out) {
  size_t n = 0;
  int v = 0;
  while (*pos + n < s.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(s[*pos + n]))) {
    v = v * 10 + (s[*pos + n] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  *pos += n;
  *out = v;
  return true;
}

void SkipSpaces(std::string_view s, size_t* pos) {
  while (*pos < s.size() && std::isspace(static_cast<unsigned char>(s[*pos]))) ++*pos;
}

// The text of an element, whether plain or CDATA, with markup inside it
// (Atom type="html"/"xhtml") reduced to text.
std::string NodeText(const pugi::xml_node& node) {
  if (!node) return "";
  std::string raw;
  const std::string type = node.attribute("type").as_string();
  if (type == "xhtml") {
    // Inline XHTML: concatenate the text of every descendant.
    for (pugi::xml_node n = node.first_child(); n; n = n.next_sibling()) {
      struct Walker : pugi::xml_tree_walker {
        std::string* out;
        bool for_each(pugi::xml_node& x) override {
          if (x.type() == pugi::node_pcdata || x.type() == pugi::node_cdata) *out += x.value();
          else if (x.type() == pugi::node_element) *out += ' ';
          return true;
        }
      } w;
      w.out = &raw;
      if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) raw += n.value();
      else n.traverse(w);
    }
    return html::CollapseWhitespace(raw);
  }
  for (pugi::xml_node n = node.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) raw += n.value();
  }
  return html::HtmlToText(raw);
}

void ParseRss(const pugi::xml_node& channel, const std::string& source, ParsedFeed* feed) {
  int index = 0;
  for (pugi::xml_node item : channel.children("item")) {
    ++index;
    Story s;
    s.title = NodeText(item.child("title"));
    s.link = Trim(item.child_value("link"));
    s.id = Trim(item.child_value("guid"));
    if (s.id.empty()) s.id = s.link;
    const std::string subject = "item " + std::to_string(index) + (s.title.empty() ? "" : " '" + s.title + "'");
    if (s.id.empty()) {
      feed->warnings.push_back(Error{{source, 0, 0}, subject, "item has neither <guid> nor <link>: skipped"});
      continue;
    }
    pugi::xml_node desc = item.child("description");
    s.excerpt = NodeText(desc);
    if (s.excerpt.empty()) s.excerpt = NodeText(item.child("content:encoded"));
    const std::string date = Trim(item.child_value("pubDate"));
    if (!date.empty() && !ParseRfc822(date, &s.published)) {
      feed->warnings.push_back(Error{{source, 0, 0}, subject, "unreadable <pubDate> '" + date + "'"});
    }
    if (!InStoryRange(s.published)) {
      feed->warnings.push_back(Error{{source, 0, 0}, subject, OutOfRange("<pubDate>", date)});
      continue;
    }
    // Featured images: <enclosure type="image/..."> or <media:content>.
    for (pugi::xml_node enc : item.children("enclosure")) {
      if (std::string(enc.attribute("type").as_string()).rfind("image/", 0) == 0) {
        s.image_url = enc.attribute("url").as_string();
        break;
      }
    }
    if (s.image_url.empty()) {
      pugi::xml_node media = item.child("media:content");
      if (media && std::string(media.attribute("medium").as_string()) != "video")
        s.image_url = media.attribute("url").as_string();
    }
    feed->stories.push_back(std::move(s));
  }
}

void ParseAtom(const pugi::xml_node& root, const std::string& source, ParsedFeed* feed) {
  int index = 0;
  for (pugi::xml_node entry : root.children("entry")) {
    ++index;
    Story s;
    s.title = NodeText(entry.child("title"));
    for (pugi::xml_node link : entry.children("link")) {
      const std::string rel = link.attribute("rel").as_string();
      if (rel.empty() || rel == "alternate") {
        if (s.link.empty()) s.link = link.attribute("href").as_string();
      } else if (rel == "enclosure" &&
                 std::string(link.attribute("type").as_string()).rfind("image/", 0) == 0) {
        s.image_url = link.attribute("href").as_string();
      }
    }
    s.id = Trim(entry.child_value("id"));
    if (s.id.empty()) s.id = s.link;
    const std::string subject = "entry " + std::to_string(index) + (s.title.empty() ? "" : " '" + s.title + "'");
    if (s.id.empty()) {
      feed->warnings.push_back(Error{{source, 0, 0}, subject, "entry has neither <id> nor <link>: skipped"});
      continue;
    }
    s.excerpt = NodeText(entry.child("summary"));
    if (s.excerpt.empty()) s.excerpt = NodeText(entry.child("content"));
    std::string date = Trim(entry.child_value("published"));
    if (date.empty()) date = Trim(entry.child_value("updated"));
    if (!date.empty() && !ParseRfc3339(date, false, &s.published)) {
      feed->warnings.push_back(Error{{source, 0, 0}, subject, "unreadable date '" + date + "'"});
    }
    if (!InStoryRange(s.published)) {
      const char* field = Trim(entry.child_value("published")).empty() ? "<updated>" : "<published>";
      feed->warnings.push_back(Error{{source, 0, 0}, subject, OutOfRange(field, date)});
      continue;
    }
    feed->stories.push_back(std::move(s));
  }
}

}  // namespace

bool ParseRfc822(std::string_view text, int64_t* unix_seconds) {
  std::string_view s = text;
  size_t pos = 0;
  SkipSpaces(s, &pos);
  // Optional weekday.
  const size_t comma = s.find(',');
  if (comma != std::string_view::npos && comma < 12) {
    pos = comma + 1;
    SkipSpaces(s, &pos);
  }
  int day, year, hour, minute, second = 0;
  if (!ReadInt(s, &pos, 1, 2, &day)) return false;
  SkipSpaces(s, &pos);
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (pos + 3 > s.size()) return false;
  std::string mon(s.substr(pos, 3));
  for (char& c : mon) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int month = 0;
  for (int i = 0; i < 12; ++i)
    if (mon == kMonths[i]) month = i + 1;
  if (month == 0) return false;
  pos += 3;
  while (pos < s.size() && std::isalpha(static_cast<unsigned char>(s[pos]))) ++pos;  // "July"
  SkipSpaces(s, &pos);
  const size_t year_start = pos;
  if (!ReadInt(s, &pos, 2, 4, &year)) return false;
  if (pos - year_start == 2) year += year < 50 ? 2000 : 1900;
  SkipSpaces(s, &pos);
  if (!ReadInt(s, &pos, 1, 2, &hour)) return false;
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!ReadInt(s, &pos, 2, 2, &minute)) return false;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadInt(s, &pos, 2, 2, &second)) return false;
  }
  SkipSpaces(s, &pos);
  int offset = 0;
  const std::string zone = Trim(s.substr(pos));
  if (zone.empty() || zone == "GMT" || zone == "UT" || zone == "UTC" || zone == "Z") {
    offset = 0;
  } else if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 5) {
    size_t zp = 1;
    int hh, mm;
    if (!ReadInt(zone, &zp, 2, 2, &hh) || !ReadInt(zone, &zp, 2, 2, &mm)) return false;
    offset = (hh * 3600 + mm * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    static const struct { const char* name; int hours; } kZones[] = {
        {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
        {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    bool found = false;
    for (const auto& z : kZones)
      if (zone == z.name) {
        offset = z.hours * 3600;
        found = true;
      }
    if (!found) return false;
  }
  if (month < 1 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  *unix_seconds = ToUnix(year, month, day, hour, minute, second, offset);
  return true;
}

bool ParseRfc3339(std::string_view text, bool assume_utc, int64_t* unix_seconds) {
  const std::string s = Trim(text);
  size_t pos = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!ReadInt(s, &pos, 4, 4, &y) || pos >= s.size() || s[pos++] != '-') return false;
  if (!ReadInt(s, &pos, 2, 2, &mo) || pos >= s.size() || s[pos++] != '-') return false;
  if (!ReadInt(s, &pos, 2, 2, &d)) return false;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ReadInt(s, &pos, 2, 2, &h) || pos >= s.size() || s[pos++] != ':') return false;
    if (!ReadInt(s, &pos, 2, 2, &mi)) return false;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadInt(s, &pos, 2, 2, &sec)) return false;
    }
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    }
  } else if (pos != s.size()) {
    return false;
  }
  int offset = 0;
  if (pos == s.size()) {
    if (!assume_utc) return false;
  } else if (s[pos] == 'Z' || s[pos] == 'z') {
    if (++pos != s.size()) return false;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadInt(s, &pos, 2, 2, &oh)) return false;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (!ReadInt(s, &pos, 2, 2, &om) || pos != s.size()) return false;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  *unix_seconds = ToUnix(y, mo, d, h, mi, sec, offset);
  return true;
}

std::string FormatRfc3339(int64_t unix_seconds) {
  // A time_point of whole seconds: converting to system_clock's own
  // (nanosecond) duration would overflow int64 outside 1677..2262.
  const std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds> tp{
      std::chrono::seconds(unix_seconds)};
  return cctz::format("%Y-%m-%dT%H:%M:%SZ", tp, cctz::utc_time_zone());
}

Result<ParsedFeed> ParseXmlFeed(std::string_view body, const std::string& source) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_cdata);
  if (!parsed) {
    return Error{LocationOf(body, static_cast<size_t>(parsed.offset), source), "",
                 std::string("feed is not well-formed XML: ") + parsed.description()};
  }
  ParsedFeed feed;
  pugi::xml_node root = doc.document_element();
  const std::string root_name = root.name();
  if (root_name == "rss") {
    pugi::xml_node channel = root.child("channel");
    if (!channel) return Error{{source, 0, 0}, "", "RSS feed has no <channel>"};
    feed.kind = "rss";
    ParseRss(channel, source, &feed);
  } else if (root_name == "feed") {
    feed.kind = "atom";
    ParseAtom(root, source, &feed);
  } else {
    return Error{{source, 0, 0}, "", "not an RSS 2.0 or Atom feed (root element <" + root_name + ">)"};
  }
  return feed;
}

Result<ParsedFeed> ParseWpJson(std::string_view body, const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    return Error{LocationOf(body, e.byte > 0 ? e.byte - 1 : 0, source), "",
                 std::string("WordPress REST reply is not valid JSON: ") + e.what()};
  } catch (const nlohmann::json::exception& e) {
    // The parser also throws out_of_range.406 for a number no double holds
    // ("1e999"); it carries no offset. A feed must never throw past here.
    return Error{{source, 0, 0}, "", std::string("WordPress REST reply has a number out of range: ") + e.what()};
  }
  if (!doc.is_array()) {
    std::string msg = "WordPress REST reply is not a list of posts";
    if (doc.is_object() && doc.contains("message") && doc["message"].is_string())
      msg += " (server said: " + doc["message"].get<std::string>() + ")";
    return Error{{source, 0, 0}, "", msg};
  }
  ParsedFeed feed;
  feed.kind = "wp-json";
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& post = doc[i];
    const std::string subject = "posts[" + std::to_string(i) + "]";
    if (!post.is_object() || !post.contains("id") || !post["id"].is_number_integer()) {
      feed.warnings.push_back(Error{{source, 0, 0}, subject, "post has no numeric 'id': skipped"});
      continue;
    }
    Story s;
    s.id = "wp:" + std::to_string(post["id"].get<int64_t>());
    auto rendered = [&](const char* field) -> std::string {
      if (!post.contains(field)) return "";
      const nlohmann::json& f = post[field];
      if (f.is_object() && f.contains("rendered") && f["rendered"].is_string())
        return html::HtmlToText(f["rendered"].get<std::string>());
      if (f.is_string()) return html::HtmlToText(f.get<std::string>());
      feed.warnings.push_back(Error{{source, 0, 0}, subject + "." + field, "expected {\"rendered\": text}"});
      return "";
    };
    s.title = rendered("title");
    s.excerpt = rendered("excerpt");
    if (post.contains("link") && post["link"].is_string()) s.link = post["link"].get<std::string>();
    if (post.contains("date_gmt") && post["date_gmt"].is_string()) {
      const std::string date = post["date_gmt"].get<std::string>();
      if (!ParseRfc3339(date, /*assume_utc=*/true, &s.published))
        feed.warnings.push_back(Error{{source, 0, 0}, subject + ".date_gmt", "unreadable date '" + date + "'"});
      if (!InStoryRange(s.published)) {
        feed.warnings.push_back(Error{{source, 0, 0}, subject + ".date_gmt", OutOfRange("date_gmt", date)});
        continue;
      }
    }
    if (post.contains("_embedded") && post["_embedded"].is_object()) {
      const nlohmann::json& emb = post["_embedded"];
      if (emb.contains("wp:featuredmedia") && emb["wp:featuredmedia"].is_array() &&
          !emb["wp:featuredmedia"].empty()) {
        const nlohmann::json& media = emb["wp:featuredmedia"][0];
        if (media.is_object() && media.contains("source_url") && media["source_url"].is_string())
          s.image_url = media["source_url"].get<std::string>();
      }
    }
    feed.stories.push_back(std::move(s));
  }
  return feed;
}

Result<ParsedFeed> ParseFeed(std::string_view body, const std::string& source) {
  size_t i = 0;
  // Skip a UTF-8 BOM and leading whitespace.
  if (body.size() >= 3 && body.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  if (i == body.size()) return Error{{source, 1, 1}, "", "feed is empty"};
  if (body[i] == '[' || body[i] == '{') return ParseWpJson(body, source);
  return ParseXmlFeed(body, source);
}

}  // namespace aasr::outreach
