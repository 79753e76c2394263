#include "bot/util/error.h"

namespace aasr {

std::string Error::ToString() const {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out.append(":").append(std::to_string(where.line));
      if (where.column > 0) out.append(":").append(std::to_string(where.column));
    }
    out += ": ";
  }
  out += message;
  if (!subject.empty()) out += " (" + subject + ")";
  return out;
}

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknown: return "unknown";
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kTransient: return "transient";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kRefused: return "refused";
    case ErrorCode::kAuth: return "auth";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kIo: return "io";
  }
  return "unknown";
}

bool HasCode(const Errors& errors, ErrorCode code) {
  for (const Error& e : errors)
    if (e.code == code) return true;
  return false;
}

std::string FormatErrors(const Errors& errors) {
  std::string out;
  for (const Error& e : errors) {
    out += e.ToString();
    out += '\n';
  }
  return out;
}

}  // namespace aasr
