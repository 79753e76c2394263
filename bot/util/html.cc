#include "bot/util/html.h"

#include <cctype>
#include <string>
#include <unordered_map>

#include "bot/util/utf8.h"

namespace aasr::html {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string LowerTagName(std::string_view html, size_t pos) {
  std::string name;
  while (pos < html.size() && (std::isalnum(static_cast<unsigned char>(html[pos])))) {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[pos])));
    ++pos;
  }
  return name;
}

// Tags after which the text reads as a new word or sentence.
bool IsBreakingTag(const std::string& name) {
  static const char* kTags[] = {"br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4",
                                "h5", "h6", "blockquote", "tr", "td", "th", "figure",
                                "figcaption", "hr", "section", "article", "img"};
  for (const char* t : kTags)
    if (name == t) return true;
  return false;
}

const std::unordered_map<std::string_view, char32_t>& NamedEntities() {
  static const auto* kMap = new std::unordered_map<std::string_view, char32_t>{
      {"amp", U'&'},      {"lt", U'<'},       {"gt", U'>'},       {"quot", U'"'},
      {"apos", U'\''},    {"nbsp", 0xA0},     {"hellip", 0x2026}, {"ndash", 0x2013},
      {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"sbquo", 0x201A},
      {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},  {"laquo", 0xAB},
      {"raquo", 0xBB},    {"copy", 0xA9},     {"reg", 0xAE},      {"trade", 0x2122},
      {"deg", 0xB0},      {"middot", 0xB7},   {"bull", 0x2022},   {"prime", 0x2032},
      {"eacute", 0xE9},   {"Eacute", 0xC9},   {"egrave", 0xE8},   {"aacute", 0xE1},
      {"agrave", 0xE0},   {"iacute", 0xED},   {"oacute", 0xF3},   {"uacute", 0xFA},
      {"ntilde", 0xF1},   {"Ntilde", 0xD1},   {"ccedil", 0xE7},   {"uuml", 0xFC},
      {"ouml", 0xF6},     {"auml", 0xE4},     {"Uuml", 0xDC},     {"Ouml", 0xD6},
      {"Auml", 0xC4},     {"szlig", 0xDF},    {"euro", 0x20AC},   {"pound", 0xA3},
      {"cent", 0xA2},     {"sect", 0xA7},     {"para", 0xB6},     {"times", 0xD7},
      {"divide", 0xF7},   {"frac12", 0xBD},   {"frac14", 0xBC},   {"frac34", 0xBE},
      {"iexcl", 0xA1},    {"iquest", 0xBF},   {"shy", 0xAD},      {"zwj", 0x200D},
      {"zwnj", 0x200C},   {"thinsp", 0x2009}, {"ensp", 0x2002},   {"emsp", 0x2003},
      {"hearts", 0x2665}, {"larr", 0x2190},   {"rarr", 0x2192},   {"ecirc", 0xEA},
      {"acirc", 0xE2},    {"ocirc", 0xF4},    {"icirc", 0xEE},    {"ucirc", 0xFB},
  };
  return *kMap;
}

}  // namespace

std::string StripTags(std::string_view html, bool keep_lines) {
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c != '<' || i + 1 >= html.size()) {
      out += c;
      ++i;
      continue;
    }
    const char next = html[i + 1];
    const bool closing = next == '/';
    const bool is_tag = std::isalpha(static_cast<unsigned char>(next)) || closing ||
                        next == '!' || next == '?';
    if (!is_tag) {
      out += c;
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const std::string name = LowerTagName(html, i + (closing ? 2 : 1));
    // Find the end of the tag, skipping '>' inside quoted attribute values.
    size_t j = i + 1;
    char quote = 0;
    for (; j < html.size(); ++j) {
      if (quote) {
        if (html[j] == quote) quote = 0;
      } else if (html[j] == '"' || html[j] == '\'') {
        quote = html[j];
      } else if (html[j] == '>') {
        break;
      }
    }
    if (j >= html.size()) {
      // An unterminated tag: drop the rest rather than leak markup.
      break;
    }
    i = j + 1;
    if (!closing && (name == "script" || name == "style")) {
      const std::string close = "</" + name;
      size_t k = i;
      while (k < html.size()) {
        if (html[k] == '<' && k + close.size() <= html.size()) {
          std::string probe(html.substr(k, close.size()));
          for (char& ch : probe) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          if (probe == close) break;
        }
        ++k;
      }
      const size_t end = html.find('>', k);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    if (keep_lines && name == "br") out += '\n';
    else if (keep_lines && name == "p") out += closing ? "\n\n" : "";
    else if (IsBreakingTag(name)) out += keep_lines && closing ? "\n" : " ";
  }
  return out;
}

std::string DecodeEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '&') {
      out += text[i++];
      continue;
    }
    const size_t semi = text.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 32) {
      out += text[i++];
      continue;
    }
    const std::string_view body = text.substr(i + 1, semi - i - 1);
    char32_t cp = 0;
    bool ok = false;
    if (!body.empty() && body[0] == '#') {
      const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
      const std::string_view digits = body.substr(hex ? 2 : 1);
      if (!digits.empty() && digits.size() <= 8) {
        ok = true;
        uint64_t v = 0;
        for (char d : digits) {
          int dv;
          if (d >= '0' && d <= '9') dv = d - '0';
          else if (hex && d >= 'a' && d <= 'f') dv = d - 'a' + 10;
          else if (hex && d >= 'A' && d <= 'F') dv = d - 'A' + 10;
          else { ok = false; break; }
          v = v * (hex ? 16 : 10) + dv;
        }
        // Surrogates, NUL and out-of-range values become U+FFFD as HTML does.
        if (ok) cp = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD : char32_t(v);
      }
    } else {
      const auto& named = NamedEntities();
      auto it = named.find(body);
      if (it != named.end()) {
        ok = true;
        cp = it->second;
      }
    }
    if (!ok) {
      out += text[i++];
      continue;
    }
    utf8::Append(cp, &out);
    i = semi + 1;
  }
  return out;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < text.size()) {
    if (IsAsciiSpace(text[i])) {
      pending_space = true;
      ++i;
      continue;
    }
    // U+00A0 (C2 A0) reads as a space in a post.
    if (static_cast<unsigned char>(text[i]) == 0xC2 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      pending_space = true;
      i += 2;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += text[i++];
  }
  return out;
}

std::string HtmlToText(std::string_view html) {
  return CollapseWhitespace(DecodeEntities(StripTags(html)));
}

std::string HtmlToLines(std::string_view html) {
  std::string out = DecodeEntities(StripTags(html, true));
  while (!out.empty() && IsAsciiSpace(out.back())) out.pop_back();
  size_t start = 0;
  while (start < out.size() && IsAsciiSpace(out[start])) ++start;
  return out.substr(start);
}

}  // namespace aasr::html
