// The one JSON codec of comment::Comment, used by `queue ingest`, the local
// platform's inbox, `screen`, `/api/try` and the intake's JSON lines.
//
//   {"id" | "remote_id": "c1", "text": "...", "platform": "mastodon",
//    "account": "...", "post": "...", "parent": "...", "root": "...",
//    "parent_text": "...", "created_at": "2026-...Z", "kind": "reply",
//    "received_at_ms": 1790000000000,
//    "author": {"id": "u1", "handle": "parent42", "account_age_days": 3,
//               "followers": 10, "first_comment": true, "is_self": false}}
//
// Promises: Decode reads every field it knows and ignores others; nothing is
// required (callers require what they need: RequireText, RequireId); a
// field of the wrong type is an Error whose subject is the field
// ("author.followers") and whose message names it ("field
// 'author.followers' must be a number"). Strings also accept integers (ids
// are often numbers); null is the same as absent. DecodeLine adds the line's
// own errors ("invalid UTF-8 at byte N", "not valid JSON", "expected a JSON
// object"). Encode gives back what Decode reads (round trip), with absent
// optional fields left out. Errors carry no location: callers add theirs.
// Thread safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bot/comment/comment.h"
#include "bot/util/error.h"

namespace aasr::comment {

Result<Comment> Decode(const nlohmann::json& j);
Result<Comment> DecodeLine(const std::string& line);
nlohmann::json Encode(const Comment& c);

// The usual requirements, with the messages the readers have always given.
Status RequireText(const Comment& c);  // "missing string field 'text'"
Status RequireId(const Comment& c);    // "missing field 'remote_id'"

}  // namespace aasr::comment
