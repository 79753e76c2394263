#include "bot/platforms/html_text.h"

#include <cstdlib>

#include "bot/util/utf8.h"

namespace aasr::platforms {

std::string HtmlToText(const std::string& html) {
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      size_t end = html.find('>', i);
      if (end == std::string::npos) break;
      std::string tag = html.substr(i + 1, end - i - 1);
      std::string name;
      for (char t : tag) {
        if (t == ' ' || t == '/' ) {
          if (!name.empty()) break;
          if (t == '/') { name += '/'; continue; }
          continue;
        }
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(t)));
      }
      if (name == "br") out += '\n';
      if (name == "/p" && end + 1 < html.size()) out += "\n\n";
      i = end + 1;
      continue;
    }
    if (c == '&') {
      size_t semi = html.find(';', i);
      if (semi != std::string::npos && semi - i <= 10) {
        std::string ent = html.substr(i + 1, semi - i - 1);
        std::string rep;
        if (ent == "amp") rep = "&";
        else if (ent == "lt") rep = "<";
        else if (ent == "gt") rep = ">";
        else if (ent == "quot") rep = "\"";
        else if (ent == "apos" || ent == "#39") rep = "'";
        else if (ent == "nbsp") rep = "\xC2\xA0";
        else if (!ent.empty() && ent[0] == '#') {
          long cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X') ? std::strtol(ent.c_str() + 2, nullptr, 16)
                                                                       : std::strtol(ent.c_str() + 1, nullptr, 10);
          if (cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) utf8::Append(static_cast<char32_t>(cp), &rep);
        }
        if (!rep.empty()) {
          out += rep;
          i = semi + 1;
          continue;
        }
      }
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace aasr::platforms
