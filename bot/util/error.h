// Error: one problem a person can fix, with the place it was found.
//
// Every layer of aasr-bot reports bad input the same way: a file (or source
// such as "stdin" or an API name), a 1-based line and column when known, an
// optional subject (a rule id, a field, an item id) and a message.
// ToString() gives the conventional "file:line:column: message" form that
// editors and CI logs understand.
//
// Result<T> carries either a value or one or more Errors; loaders collect every
// problem they find instead of stopping at the first, so organizers can fix a
// file in one pass. Neither type throws.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aasr {

struct Location {
  std::string file;  // path, or a source name such as "stdin"
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
};

struct Error {
  Location where;
  std::string subject;  // e.g. "rule harassment.insult"; may be empty
  std::string message;

  // "file:line:column: message (subject)"; parts that are unknown are left out.
  std::string ToString() const;
};

using Errors = std::vector<Error>;

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) { errors_.push_back(std::move(error)); }
  Result(Errors errors) : errors_(std::move(errors)) {}

  bool ok() const { return errors_.empty() && value_.has_value(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const Errors& errors() const { return errors_; }

 private:
  std::optional<T> value_;
  Errors errors_;
};

// For operations that return nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

// Joins errors one per line, in ToString() form.
std::string FormatErrors(const Errors& errors);

}  // namespace aasr
