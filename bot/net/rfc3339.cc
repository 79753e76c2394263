#include "bot/net/rfc3339.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace aasr::net {

std::string FormatRfc3339(WallTime t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ms / 1000);
  int frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::optional<WallTime> ParseRfc3339(const std::string& s) {
  int y, mo, d, h, mi, sec, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n == 0) {
    return std::nullopt;
  }
  size_t i = static_cast<size_t>(n);
  double frac = 0;
  if (i < s.size() && s[i] == '.') {
    double scale = 0.1;
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  int offset_minutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    std::string rest = s.substr(i + 1);
    if (std::sscanf(rest.c_str(), "%2d:%2d", &oh, &om) == 2 && rest.size() >= 5 && rest[2] == ':') {
      i += 6;
    } else if (rest.size() >= 4 && std::sscanf(rest.c_str(), "%2d%2d", &oh, &om) == 2) {
      i += 5;
    } else {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const int64_t t = static_cast<int64_t>(timegm(&tm)) - int64_t{offset_minutes} * 60;
  using namespace std::chrono;
  // WallTime counts nanoseconds in int64 (years 1677..2262): a time outside
  // would overflow the conversion below, so it is no time we can hold.
  constexpr int64_t kMax = duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  constexpr int64_t kMin = duration_cast<seconds>(system_clock::duration::min()).count() + 1;
  if (t < kMin || t > kMax) return std::nullopt;
  return WallTime(duration_cast<system_clock::duration>(seconds(t)) +
                  duration_cast<system_clock::duration>(duration<double>(frac)));
}

std::optional<WallTime> FromUnixSeconds(int64_t unix_seconds) {
  using namespace std::chrono;
  constexpr int64_t kMax = duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  constexpr int64_t kMin = duration_cast<seconds>(system_clock::duration::min()).count() + 1;
  if (unix_seconds < kMin || unix_seconds > kMax) return std::nullopt;
  return WallTime(duration_cast<system_clock::duration>(seconds(unix_seconds)));
}

double DaysBetween(WallTime then, WallTime now) {
  using Seconds = std::chrono::duration<double>;
  return (Seconds(now.time_since_epoch()).count() - Seconds(then.time_since_epoch()).count()) / 86400.0;
}

}  // namespace aasr::net
