// The one writer of a queue item's JSON (the `item` of bot/review/README.md).
//
// Why text first: the queue is the hottest route, and writing its items
// straight into the response text instead of through a JSON tree saved most
// of a request's allocations. Routes that need a tree (the item view, an
// Outcome, the author's history) parse that same text, so there is one
// description of an item and the two forms cannot drift apart.
//
// Promises:
// - AppendItemJson writes one JSON object, keys sorted (as nlohmann::json
//   writes them), invalid UTF-8 replaced by U+FFFD; a claim shows only while
//   it runs at `now_ms`.
// - ItemJson(it, now_ms) == json::parse(text of AppendItemJson).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bot/store/store.h"

namespace aasr::review {

void AppendItemJson(std::string* out, const store::Item& it, int64_t now_ms);
// with_text adds the full "text" (the item view); lists carry the snippet only.
nlohmann::json ItemJson(const store::Item& it, int64_t now_ms, bool with_text = false);

// A JSON string literal of s (quotes included); invalid UTF-8 replaced.
void AppendJsonString(std::string* out, std::string_view s);
// At most `max` bytes, never cutting a UTF-8 sequence in half.
std::string Snippet(const std::string& text, size_t max);

}  // namespace aasr::review
