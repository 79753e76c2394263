// Reading organizer-owned YAML with errors that point at the place.
//
// Every loader (rules, posts, schedules, config) uses these so that a mistake
// is reported the same way everywhere: "file:line:column: message (subject)".
// Lines and columns are 1-based. Nothing here throws; yaml-cpp exceptions are
// turned into Errors.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "bot/util/error.h"

namespace aasr::yaml {

// Parses a file or a string. A syntax error names its line and column.
Result<YAML::Node> LoadFile(const std::string& path);
Result<YAML::Node> LoadString(const std::string& text, const std::string& name);

// Where a node starts in `file`.
Location Where(const YAML::Node& node, const std::string& file);

// An Error at node.
Error ErrorAt(const YAML::Node& node, const std::string& file, std::string message,
              std::string subject = "");

// Reports every key of `map` not in `known` as "unknown key 'x' (did you
// mean 'y'?)" at that key. Returns false if any was unknown.
bool CheckKeys(const YAML::Node& map, const std::vector<std::string>& known,
               const std::string& file, const std::string& subject, Errors* errors);

// The closest candidate within a small edit distance, or "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// Reads a scalar as a string; reports a type error and returns false otherwise.
bool ReadString(const YAML::Node& node, const std::string& file, const std::string& subject,
                const std::string& field, std::string* out, Errors* errors);

}  // namespace aasr::yaml
