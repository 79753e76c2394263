#include "bot/replies/saved.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "bot/util/yaml.h"

namespace aasr::replies {
namespace {

const std::vector<std::string> kTopKeys = {"org", "replies"};
const std::vector<std::string> kReplyKeys = {"name", "title", "text", "offer_first_for"};
const std::vector<std::string> kPlaceholders = {"author", "org"};

// Checks every {placeholder} of `text`; errors at the text's node.
void CheckPlaceholders(const YAML::Node& node, const std::string& text, const std::string& file,
                       const std::string& subject, Errors* errors) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
      ++i;
      continue;
    }
    if (text[i] != '{') continue;
    const size_t end = text.find('}', i);
    if (end == std::string::npos) {
      errors->push_back(yaml::ErrorAt(node, file, "'{' without '}' (write {{ for a literal brace)", subject));
      return;
    }
    const std::string name = text.substr(i + 1, end - i - 1);
    if (std::find(kPlaceholders.begin(), kPlaceholders.end(), name) == kPlaceholders.end()) {
      std::string hint = yaml::DidYouMean(name, kPlaceholders);
      errors->push_back(yaml::ErrorAt(node, file,
                                      "unknown placeholder {" + name + "}" +
                                          (hint.empty() ? "" : " (did you mean {" + hint + "}?)") +
                                          "; known: {author}, {org}",
                                      subject));
    }
    i = end;
  }
}

Result<SavedReplies> FromNode(const YAML::Node& root, const std::string& file) {
  Errors errors;
  SavedReplies out;
  out.file = file;
  if (!root.IsMap()) return yaml::ErrorAt(root, file, "expected a map with `org` and `replies`", "saved replies");
  yaml::CheckKeys(root, kTopKeys, file, "saved replies", &errors);
  if (root["org"]) yaml::ReadString(root["org"], file, "saved replies", "org", &out.org, &errors);
  const YAML::Node list = root["replies"];
  if (!list) {
    errors.push_back(yaml::ErrorAt(root, file, "missing key `replies` (a list of saved replies)", "saved replies"));
    return errors;
  }
  if (!list.IsSequence()) {
    errors.push_back(yaml::ErrorAt(list, file, "`replies` must be a list", "saved replies"));
    return errors;
  }
  std::set<std::string> names;
  for (const YAML::Node& n : list) {
    SavedReply r;
    r.line = yaml::Where(n, file).line;
    const std::string subject = "replies[" + std::to_string(out.replies.size()) + "]";
    if (!n.IsMap()) {
      errors.push_back(yaml::ErrorAt(n, file, "each saved reply is a map (name, title, text)", subject));
      continue;
    }
    yaml::CheckKeys(n, kReplyKeys, file, subject, &errors);
    if (!n["name"]) errors.push_back(yaml::ErrorAt(n, file, "missing `name`", subject));
    else if (yaml::ReadString(n["name"], file, subject, "name", &r.name, &errors)) {
      if (r.name.empty()) errors.push_back(yaml::ErrorAt(n["name"], file, "`name` is empty", subject));
      else if (!names.insert(r.name).second)
        errors.push_back(yaml::ErrorAt(n["name"], file, "a saved reply named '" + r.name + "' comes earlier", subject));
    }
    if (n["title"]) yaml::ReadString(n["title"], file, subject, "title", &r.title, &errors);
    if (!n["text"]) errors.push_back(yaml::ErrorAt(n, file, "missing `text`", subject));
    else if (yaml::ReadString(n["text"], file, subject, "text", &r.text, &errors)) {
      while (!r.text.empty() && (r.text.back() == '\n' || r.text.back() == ' ')) r.text.pop_back();
      if (r.text.empty()) errors.push_back(yaml::ErrorAt(n["text"], file, "`text` is empty", subject));
      CheckPlaceholders(n["text"], r.text, file, subject, &errors);
    }
    if (const YAML::Node cats = n["offer_first_for"]) {
      if (!cats.IsSequence()) {
        errors.push_back(yaml::ErrorAt(cats, file, "`offer_first_for` is a list of categories, e.g. [crisis]", subject));
      } else {
        for (const YAML::Node& c : cats) {
          std::string v;
          if (yaml::ReadString(c, file, subject, "offer_first_for", &v, &errors)) r.offer_first_for.push_back(v);
        }
      }
    }
    if (r.title.empty()) r.title = r.name;
    out.replies.push_back(std::move(r));
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace

std::vector<SavedReply> SavedReplies::ForItem(const std::vector<std::string>& categories) const {
  std::vector<SavedReply> first, rest;
  for (const SavedReply& r : replies) {
    bool match = false;
    for (const auto& c : r.offer_first_for)
      if (std::find(categories.begin(), categories.end(), c) != categories.end()) match = true;
    (match ? first : rest).push_back(r);
  }
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}

Result<SavedReplies> ParseSavedReplies(const std::string& yaml_text, const std::string& name) {
  auto root = yaml::LoadString(yaml_text, name);
  if (!root.ok()) return root.errors();
  return FromNode(root.value(), name);
}

Result<SavedReplies> LoadSavedReplies(const std::string& path) {
  auto root = yaml::LoadFile(path);
  if (!root.ok()) return root.errors();
  return FromNode(root.value(), path);
}

std::string RenderSavedReply(const std::string& text, const std::string& author, const std::string& org) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "{{") == 0) { out += '{'; ++i; continue; }
    if (text.compare(i, 2, "}}") == 0) { out += '}'; ++i; continue; }
    if (text.compare(i, 8, "{author}") == 0) { out += author; i += 7; continue; }
    if (text.compare(i, 5, "{org}") == 0) { out += org; i += 4; continue; }
    out += text[i];
  }
  return out;
}

std::shared_ptr<const SavedReplies> SavedRepliesFile::Current(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (checked_ms_ >= 0 && now_ms - checked_ms_ < 2000) return current_;
  checked_ms_ = now_ms;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    error_ = path_ + ": cannot read the saved replies file";
    return current_;
  }
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (mtime == mtime_ns_ && static_cast<uintmax_t>(st.st_size) == size_) return current_;
  mtime_ns_ = mtime;
  size_ = static_cast<uintmax_t>(st.st_size);
  auto loaded = LoadSavedReplies(path_);
  if (!loaded.ok()) {
    error_ = FormatErrors(loaded.errors());
    return current_;  // the previous version stays in force
  }
  current_ = std::make_shared<const SavedReplies>(std::move(loaded).value());
  error_.clear();
  return current_;
}

std::string SavedRepliesFile::error() {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace aasr::replies
