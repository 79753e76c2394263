#include "bot/review/item_json.h"

#include <cstdio>

#include "bot/util/utf8.h"

namespace aasr::review {

using nlohmann::json;

std::string Snippet(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

void AppendJsonString(std::string* out, std::string_view s) {
  if (utf8::FindInvalid(s) != std::string_view::npos) {
    *out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out->push_back('"');
  size_t run = 0;  // start of the pending run of characters needing no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        *out += buf;
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendItemJson(std::string* out, const store::Item& it, int64_t now_ms) {
  // Keys in the order nlohmann::json (a std::map) writes them.
  *out += "{\"account\":";
  AppendJsonString(out, it.account);
  *out += ",\"author\":";
  AppendJsonString(out, it.author_handle);
  *out += ",\"categories\":[";
  for (size_t i = 0; i < it.categories.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, it.categories[i]);
  }
  *out += "],\"claim_expires_ms\":" +
          std::to_string(it.claim_expires_ms > now_ms ? it.claim_expires_ms : 0);
  *out += ",\"claimed_by\":";
  AppendJsonString(out, it.claim_expires_ms > now_ms ? it.claimed_by : "");
  *out += ",\"created_ms\":" + std::to_string(it.created_ms);
  *out += ",\"crisis\":" + std::string(it.crisis ? "true" : "false");
  *out += ",\"hidden\":" + std::string(it.hidden ? "true" : "false");
  *out += ",\"id\":" + std::to_string(it.id);
  *out += ",\"platform\":";
  AppendJsonString(out, it.platform);
  *out += ",\"priority\":";
  AppendJsonString(out, store::PriorityName(it.priority));
  *out += ",\"priority_rank\":" + std::to_string(it.priority);
  *out += ",\"received_ms\":" + std::to_string(it.received_ms);
  *out += ",\"snippet\":";
  AppendJsonString(out, Snippet(it.text, 160));
  *out += ",\"state\":";
  AppendJsonString(out, store::StateName(it.state));
  *out += ",\"version\":" + std::to_string(it.version) + "}";
}

json ItemJson(const store::Item& it, int64_t now_ms, bool with_text) {
  std::string text;
  AppendItemJson(&text, it, now_ms);
  json j = json::parse(text);
  if (with_text) j["text"] = it.text;
  return j;
}

}  // namespace aasr::review
