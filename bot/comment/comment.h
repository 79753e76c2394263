// Comment: the one model of an incoming comment as it travels as JSON,
// before any layer adds its own (platforms::FetchedComment, store::NewComment,
// rules::Comment are filled from it).
//
// Promises: plain data; every field optional at this level (each reader
// states what it requires, json.h). Thread safety: a value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aasr::comment {

struct Author {
  std::string id;
  std::string handle;
  std::optional<double> account_age_days;
  std::optional<double> followers;
  std::optional<bool> first_comment;
  std::optional<bool> is_self;  // the comment is our own account's
};

struct Comment {
  std::string remote_id;    // JSON "remote_id", or "id" (the screen and inbox name)
  std::string platform;
  std::string account;
  std::string post;         // our post it arrived under (the local inbox)
  std::string parent;       // the post or comment it answers
  std::string root;         // our post at the top of the thread
  std::string parent_text;
  std::string text;
  bool has_text = false;    // a string "text" was given (it may be empty)
  std::string created_at;   // RFC 3339
  std::string kind;         // "reply", "mention", ...
  std::optional<int64_t> received_at_ms;
  bool has_author = false;  // an "author" object was given
  Author author;
};

}  // namespace aasr::comment
