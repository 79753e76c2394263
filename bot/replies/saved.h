// Saved replies: named reply templates organizers keep in a YAML file
// (config/replies.yaml; format in config/README.md), offered on the review
// page and edited by the moderator before sending.
//
//   org: Alliance Against Seclusion and Restraint
//   replies:
//     - name: crisis-en
//       title: "Crisis: you are not alone"
//       offer_first_for: [crisis]    # categories it is offered first for
//       text: |
//         {author}, thank you for telling us ...
//
// Promises: Load() reads the whole file or rejects it whole: every problem
// is an Error at file:line:column (unknown keys with a suggestion, a missing
// or duplicate name, empty text, an unknown {placeholder}, a wrong type).
// Placeholders: {author} (the author's handle as the platform shows it),
// {org} (`org:`); "{{" and "}}" are literal braces. Render() fills them.
// ForItem() lists the templates with those offered first for one of the
// item's categories at the front, in file order otherwise.
// SavedRepliesFile reloads the file when it changes (checked at most every
// two seconds, as rules are); a rejected edit keeps the previous version in
// force and its errors are reported by error().
// Thread safety: Load/Render are pure; SavedRepliesFile is thread safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bot/util/error.h"

namespace aasr::replies {

struct SavedReply {
  std::string name, title, text;
  std::vector<std::string> offer_first_for;  // categories, e.g. "crisis"
  int line = 0;                              // where it is in the file
};

struct SavedReplies {
  std::string file;
  std::string org;
  std::vector<SavedReply> replies;

  // Templates for an item with `categories`: offered-first ones at the front.
  std::vector<SavedReply> ForItem(const std::vector<std::string>& categories) const;
};

Result<SavedReplies> LoadSavedReplies(const std::string& path);
Result<SavedReplies> ParseSavedReplies(const std::string& yaml_text, const std::string& name);

// `text` with {author} and {org} filled in.
std::string RenderSavedReply(const std::string& text, const std::string& author, const std::string& org);

class SavedRepliesFile {
 public:
  // `now_ms` is for the two-second check; pass the injected clock's time.
  explicit SavedRepliesFile(std::string path) : path_(std::move(path)) {}

  // The version in force (null when the file has never loaded), reloading
  // first when the file changed and the last check is over two seconds old.
  std::shared_ptr<const SavedReplies> Current(int64_t now_ms);
  // The last rejected edit's errors ("" while the file in force is the file on disk).
  std::string error();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::mutex mu_;
  std::shared_ptr<const SavedReplies> current_;
  std::string error_;
  int64_t checked_ms_ = -1;
  int64_t mtime_ns_ = -1;
  uintmax_t size_ = 0;
};

}  // namespace aasr::replies
