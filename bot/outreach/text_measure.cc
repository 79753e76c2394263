#include "bot/outreach/text_measure.h"

#include <algorithm>

#include <utf8proc.h>

#include "bot/util/utf8.h"

namespace aasr::outreach {
namespace {

bool IsSpaceByte(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

bool IsTrailingPunct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' ||
         c == '\'' || c == '"' || c == ']';
}

bool IsTagChar(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '_';
}

const char kEllipsis[] = "\u2026";

}  // namespace

std::vector<size_t> GraphemeBoundaries(std::string_view text) {
  std::vector<size_t> out;
  utf8proc_int32_t state = 0;
  utf8proc_int32_t prev = -1;
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp;
    size_t len;
    if (!utf8::Decode(text, pos, &cp, &len)) cp = 0xFFFD;  // a bad byte is its own cluster
    const auto cur = static_cast<utf8proc_int32_t>(cp);
    if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cur, &state)) out.push_back(pos);
    prev = cur;
    pos += len;
  }
  out.push_back(text.size());
  return out;
}

size_t CountGraphemes(std::string_view text) { return GraphemeBoundaries(text).size() - 1; }

size_t CountCodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

TextUnit TextUnitFor(std::string_view platform) {
  if (platform == "mastodon") return TextUnit::kMastodon;
  if (platform == "bluesky") return TextUnit::kGraphemes;
  return TextUnit::kCodePoints;
}

size_t CountText(std::string_view text, TextUnit unit, size_t url_weight) {
  switch (unit) {
    case TextUnit::kMastodon: return CountMastodonCharacters(text, url_weight);
    case TextUnit::kGraphemes: return CountGraphemes(text);
    case TextUnit::kCodePoints: break;
  }
  return CountCodePoints(text);
}

size_t CountPlatformText(std::string_view platform, std::string_view text, size_t url_weight) {
  return CountText(text, TextUnitFor(platform), url_weight);
}

std::vector<Span> FindUrls(std::string_view text) {
  std::vector<Span> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t h = text.find("http", pos);
    if (h == std::string_view::npos) break;
    const bool at_word_start = h == 0 || IsSpaceByte(text[h - 1]) || text[h - 1] == '(';
    size_t scheme_end = 0;
    if (text.compare(h, 8, "https://") == 0) scheme_end = h + 8;
    else if (text.compare(h, 7, "http://") == 0) scheme_end = h + 7;
    if (!at_word_start || scheme_end == 0) {
      pos = h + 4;
      continue;
    }
    size_t e = scheme_end;
    while (e < text.size() && !IsSpaceByte(text[e])) ++e;
    while (e > scheme_end && IsTrailingPunct(text[e - 1])) --e;
    if (e > scheme_end) out.push_back({h, e});
    pos = e > h ? e : h + 1;
  }
  return out;
}

std::vector<Span> FindHashtags(std::string_view text) {
  std::vector<Span> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '#' || (i > 0 && !IsSpaceByte(text[i - 1]) && text[i - 1] != '(')) continue;
    size_t e = i + 1;
    while (e < text.size() && IsTagChar(static_cast<unsigned char>(text[e]))) ++e;
    if (e == i + 1) continue;
    bool all_digits = true;
    for (size_t k = i + 1; k < e; ++k)
      if (text[k] < '0' || text[k] > '9') all_digits = false;
    if (all_digits) continue;
    // A non-ASCII space or punctuation ends a tag too: cut at the last full
    // grapheme that is a letter, mark or number.
    size_t end = i + 1;
    size_t p = i + 1;
    while (p < e) {
      char32_t cp;
      size_t len;
      if (!utf8::Decode(text, p, &cp, &len)) break;
      const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
      const bool word = cp == '_' || (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO) ||
                        cp == 0x200D || cp == 0xFE0F || cat == UTF8PROC_CATEGORY_SO ||
                        cat == UTF8PROC_CATEGORY_SK;
      if (!word) break;
      p += len;
      end = p;
    }
    if (end > i + 1) out.push_back({i, end});
    i = end - 1;
  }
  return out;
}

namespace {

// [[:word:]] in Ruby's Onigmo on UTF-8: letters, marks, numbers and
// connector punctuation ('_').
bool IsWordCp(char32_t cp) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO) || cat == UTF8PROC_CATEGORY_PC;
}

// The code point that ends just before byte `pos` (0 at the start).
char32_t CpBefore(std::string_view text, size_t pos) {
  if (pos == 0) return 0;
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80 && pos - start < 4) --start;
  char32_t cp;
  size_t len;
  if (!utf8::Decode(text, start, &cp, &len) || start + len != pos) return 0xFFFD;
  return cp;
}

bool IsAsciiAlnum(char32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool IsUsernameByte(char c) { return IsAsciiAlnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::vector<Span> FindMastodonUrls(std::string_view text) {
  std::vector<Span> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t h = text.find("http", pos);
    if (h == std::string_view::npos) break;
    size_t scheme_end = 0;
    if (text.compare(h, 8, "https://") == 0) scheme_end = h + 8;
    else if (text.compare(h, 7, "http://") == 0) scheme_end = h + 7;
    // twitter-text's valid_url_preceding_chars: not after a letter, digit,
    // '@', '$' or '#' ("foohttps://" and "#https://" are not links).
    const char32_t before = CpBefore(text, h);
    const bool preceded_ok = h == 0 || !(IsAsciiAlnum(before) || before == '@' || before == '$' ||
                                         before == '#' || before == 0xFF20 || before == 0xFF03);
    if (scheme_end == 0 || !preceded_ok) {
      pos = h + 4;
      continue;
    }
    size_t e = scheme_end;
    while (e < text.size() && !IsSpaceByte(text[e]) && text[e] != '<' && text[e] != '>' && text[e] != '"') ++e;
    // Trailing punctuation is sentence punctuation, not URL; a ')' stays if
    // it closes a '(' of the URL (https://en.wikipedia.org/wiki/A_(b)).
    for (;;) {
      if (e <= scheme_end) break;
      const char last = text[e - 1];
      if (last == ')') {
        const std::string_view body = text.substr(scheme_end, e - scheme_end);
        const auto opens = std::count(body.begin(), body.end(), '(');
        const auto closes = std::count(body.begin(), body.end(), ')');
        if (opens >= closes) break;
        --e;
        continue;
      }
      if (last == '.' || last == ',' || last == ';' || last == ':' || last == '!' || last == '?' ||
          last == '\'' || last == ']') {
        --e;
        continue;
      }
      break;
    }
    // The host needs a dot with something after it (twitter-text wants a
    // TLD; "https://localhost" is not linked).
    size_t host_end = scheme_end;
    while (host_end < e && text[host_end] != '/' && text[host_end] != '?' && text[host_end] != '#' &&
           text[host_end] != ':')
      ++host_end;
    const std::string_view host = text.substr(scheme_end, host_end - scheme_end);
    const size_t dot = host.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 >= host.size()) {
      pos = scheme_end;
      continue;
    }
    out.push_back({h, e});
    pos = e;
  }
  return out;
}

std::vector<Span> FindMastodonMentions(std::string_view text) {
  std::vector<Span> out;
  for (size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '@') continue;
    const char32_t before = CpBefore(text, at);
    if (at > 0 && (before == '=' || before == '/' || IsWordCp(before))) continue;
    // USERNAME_RE = [a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)? : a run of
    // [a-z0-9_.-] that starts and ends with [a-z0-9_].
    size_t u = at + 1;
    if (u >= text.size() || !IsUsernameByte(text[u])) continue;
    size_t e = u;
    while (e < text.size() && (IsUsernameByte(text[e]) || text[e] == '.' || text[e] == '-')) ++e;
    while (e > u && !IsUsernameByte(text[e - 1])) --e;
    // Optional "@domain": [[:word:].-]+[[:word:]]+ (at least two characters, ending in a word character).
    if (e < text.size() && text[e] == '@') {
      size_t d = e + 1, last_word_end = 0, chars = 0, chars_at_last_word = 0;
      while (d < text.size()) {
        char32_t cp;
        size_t len;
        if (!utf8::Decode(text, d, &cp, &len)) break;
        const bool word = IsWordCp(cp);
        if (!word && cp != '.' && cp != '-') break;
        d += len;
        ++chars;
        if (word) {
          last_word_end = d;
          chars_at_last_word = chars;
        }
      }
      if (last_word_end > 0 && chars_at_last_word >= 2) e = last_word_end;
    }
    // twitter-text end_mention_match: not a mention when followed by '@' or "://".
    if (e < text.size() && (text[e] == '@' || text.compare(e, 3, "://") == 0)) {
      at = e;
      continue;
    }
    out.push_back({at, e});
    at = e - 1;
  }
  return out;
}

size_t CountMastodonCharacters(std::string_view text, size_t url_weight) {
  // Extractor.remove_overlapping_entities: by start, the first one wins.
  struct Entity {
    Span span;
    bool url;
  };
  std::vector<Entity> entities;
  for (const Span& s : FindMastodonUrls(text)) entities.push_back({s, true});
  for (const Span& s : FindMastodonMentions(text)) entities.push_back({s, false});
  std::sort(entities.begin(), entities.end(), [](const Entity& a, const Entity& b) { return a.span.begin < b.span.begin; });
  // countable_text: a blank status counts nothing.
  if (std::all_of(text.begin(), text.end(), [](char c) { return IsSpaceByte(c); })) return 0;
  size_t count = 0;
  size_t last = 0;
  for (const Entity& ent : entities) {
    if (ent.span.begin < last) continue;  // overlaps the previous entity
    count += CountGraphemes(text.substr(last, ent.span.begin - last));
    if (ent.url) {
      count += url_weight;
    } else {
      const std::string_view m = text.substr(ent.span.begin, ent.span.end - ent.span.begin);
      const size_t second_at = m.find('@', 1);
      count += second_at == std::string_view::npos ? m.size() : second_at;  // "@user", ASCII
    }
    last = ent.span.end;
  }
  count += CountGraphemes(text.substr(last));
  return count;
}

std::string ShortenToFit(const std::string& text, const std::function<bool(const std::string&)>& fits) {
  if (fits(text)) return text;
  // Word boundaries: the start of each whitespace run after some text.
  std::vector<size_t> cuts;
  for (size_t i = 1; i < text.size(); ++i)
    if (IsSpaceByte(text[i]) && !IsSpaceByte(text[i - 1])) cuts.push_back(i);
  auto with_ellipsis = [&](size_t cut) {
    std::string s = text.substr(0, cut);
    // "safe," + "…" reads badly; drop the dangling separator.
    while (!s.empty() && (s.back() == ',' || s.back() == ';' || s.back() == ':' || s.back() == '-' ||
                          IsSpaceByte(s.back())))
      s.pop_back();
    return s.empty() ? s : s + kEllipsis;
  };
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    const std::string candidate = with_ellipsis(*it);
    if (!candidate.empty() && fits(candidate)) return candidate;
  }
  // Text with word boundaries is never cut inside a word ("So…" for "Some").
  // A single long word is cut between graphemes, unless it is a URL or a tag.
  if (!cuts.empty()) return "";
  const size_t first_end = text.size();
  const std::string_view first(text.data(), first_end);
  if (first.rfind("http://", 0) == 0 || first.rfind("https://", 0) == 0 || first.rfind('#', 0) == 0)
    return "";
  const std::vector<size_t> bounds = GraphemeBoundaries(first);
  for (size_t k = bounds.size() - 1; k-- > 1;) {
    const std::string candidate = text.substr(0, bounds[k]) + kEllipsis;
    if (fits(candidate)) return candidate;
  }
  return "";
}

}  // namespace aasr::outreach
