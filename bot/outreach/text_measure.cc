#include "bot/outreach/text_measure.h"

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
