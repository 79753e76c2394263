#include "bot/util/yaml.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace aasr::yaml {
namespace {

Error FromParserException(const YAML::Exception& e, const std::string& name) {
  Error err;
  err.where.file = name;
  if (!e.mark.is_null()) {
    err.where.line = e.mark.line + 1;
    err.where.column = e.mark.column + 1;
  }
  err.message = "YAML syntax: " + e.msg;
  return err;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

Result<YAML::Node> LoadString(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return FromParserException(e, name);
  }
}

Result<YAML::Node> LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{{path, 0, 0}, "", "cannot open file"};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return LoadString(buffer.str(), path);
}

Location Where(const YAML::Node& node, const std::string& file) {
  Location loc{file, 0, 0};
  if (node.IsDefined() && !node.Mark().is_null()) {
    loc.line = node.Mark().line + 1;
    loc.column = node.Mark().column + 1;
  }
  return loc;
}

Error ErrorAt(const YAML::Node& node, const std::string& file, std::string message,
              std::string subject) {
  return Error{Where(node, file), std::move(subject), std::move(message)};
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

bool CheckKeys(const YAML::Node& map, const std::vector<std::string>& known,
               const std::string& file, const std::string& subject, Errors* errors) {
  bool ok = true;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = "unknown key '" + key + "'";
    const std::string suggestion = DidYouMean(key, known);
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    errors->push_back(ErrorAt(kv.first, file, message, subject));
    ok = false;
  }
  return ok;
}

bool ReadString(const YAML::Node& node, const std::string& file, const std::string& subject,
                const std::string& field, std::string* out, Errors* errors) {
  if (!node.IsScalar()) {
    errors->push_back(ErrorAt(node, file, "'" + field + "' must be a text value", subject));
    return false;
  }
  *out = node.Scalar();
  return true;
}

}  // namespace aasr::yaml
