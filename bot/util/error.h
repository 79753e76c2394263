// Error: one problem a person can fix, with the place it was found.
//
// Every layer of aasr-bot reports bad input the same way: a file (or source
// such as "stdin" or an API name), a 1-based line and column when known, an
// optional subject (a rule id, a field, an item id) and a message.
// ToString() gives the conventional "file:line:column: message" form that
// editors and CI logs understand.
//
// Each Error carries a Code so that callers decide by kind (retry, back off,
// give up, ask for a new token) and never by matching message text; the
// message is for people and may change.
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

// What kind of problem, for the caller's decision. kUnknown is the default
// so that aggregate initialisation (Error{where, subject, message}) stays
// valid; code that decides by kind should set one.
enum class ErrorCode {
  kUnknown = 0,
  kInvalidInput,  // bad input from a file, a request or a reply: fix it, do not retry
  kNotFound,      // the thing (comment, post, account) is not there (HTTP 404/410)
  kTransient,     // network failure, timeout, 5xx: the same call may work later
  kRateLimited,   // the service asked us to slow down (HTTP 429, Graph codes 4/17/32/613)
  kRefused,       // the service understood and said no (HTTP 4xx): retrying will not help
  kAuth,          // credentials missing, wrong or expired (HTTP 401, Graph code 190)
  kUnsupported,   // the platform cannot do this at all (e.g. delete on Bluesky)
  kConflict,      // someone else changed it first (a decision, a claim)
  kIo,            // disk or database: full, read-only, corrupt
};

// "invalid_input", "not_found", ...: stable names for logs, JSON and metrics.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  Location where;
  std::string subject;  // e.g. "rule harassment.insult"; may be empty
  std::string message;
  ErrorCode code = ErrorCode::kUnknown;

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

// Whether any error has `code` (a Result may carry several).
bool HasCode(const Errors& errors, ErrorCode code);

// Joins errors one per line, in ToString() form.
std::string FormatErrors(const Errors& errors);

}  // namespace aasr
