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

std::string FormatErrors(const Errors& errors) {
  std::string out;
  for (const Error& e : errors) {
    out += e.ToString();
    out += '\n';
  }
  return out;
}

}  // namespace aasr
