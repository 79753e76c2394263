#include "bot/util/log_limiter.h"

#include <cctype>

namespace aasr {

LogLimiter::LogLimiter(const Clock* clock, int64_t window_ms, size_t max_causes)
    : clock_(clock), window_ms_(window_ms), max_causes_(max_causes == 0 ? 1 : max_causes) {}

bool LogLimiter::Admit(const std::string& cause, int64_t* held) {
  const int64_t now = clock_->MonotonicMs();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = causes_.find(cause);
  if (it == causes_.end()) {
    if (causes_.size() >= max_causes_) {
      // Forget the cause whose window started first.
      auto oldest = causes_.begin();
      for (auto c = causes_.begin(); c != causes_.end(); ++c)
        if (c->second.window_start < oldest->second.window_start) oldest = c;
      causes_.erase(oldest);
    }
    causes_[cause] = Entry{now, 0};
    if (held) *held = 0;
    return true;
  }
  Entry& e = it->second;
  if (now - e.window_start < window_ms_) {
    ++e.held;
    return false;
  }
  if (held) *held = e.held;
  e = Entry{now, 0};
  return true;
}

std::string LogLimiter::CauseOf(const std::string& scope, const Error& e) {
  std::string text = e.where.file + "|" + e.message;
  std::string cause = scope + "|" + ErrorCodeName(e.code) + "|";
  bool in_digits = false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!in_digits) cause += '#';
      in_digits = true;
      continue;
    }
    in_digits = false;
    cause += c;
    if (cause.size() >= 200) break;
  }
  return cause;
}

std::string LogLimiter::HeldNote(int64_t held) {
  if (held <= 0) return "";
  return " (and " + std::to_string(held) + " more like this in the last minute)";
}

}  // namespace aasr
