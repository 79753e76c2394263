#include "bot/outreach/cron.h"

#include <cctype>
#include <vector>

#include <cctz/civil_time.h>

namespace aasr::outreach {
namespace {

using Clock = std::chrono::system_clock;

int64_t ToUnix(const Clock::time_point& tp) {
  return std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
}

// Parses one value: a number or (for months/days) a three-letter name.
bool ParseValue(const std::string& s, size_t* pos, int min, int max, const char* const* names,
                int name_base, int* out) {
  if (*pos < s.size() && std::isdigit(static_cast<unsigned char>(s[*pos]))) {
    int v = 0;
    size_t n = 0;
    while (*pos < s.size() && std::isdigit(static_cast<unsigned char>(s[*pos])) && n < 3) {
      v = v * 10 + (s[*pos] - '0');
      ++*pos;
      ++n;
    }
    if (v < min || v > max) {
      *pos -= n;  // errors point at the start of the value
      return false;
    }
    *out = v;
    return true;
  }
  if (names && *pos + 3 <= s.size()) {
    std::string word = s.substr(*pos, 3);
    for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (int i = 0; names[i]; ++i) {
      if (word == names[i]) {
        *pos += 3;
        *out = i + name_base;
        return true;
      }
    }
  }
  return false;
}

template <size_t N>
bool ParseField(const std::string& field, size_t field_offset, int min, int max,
                const char* const* names, int name_base, std::bitset<N>* bits, bool* restricted,
                CronError* error, const char* what) {
  *restricted = field != "*";
  size_t pos = 0;
  auto fail = [&](const std::string& msg) {
    error->column = field_offset + pos;
    error->message = std::string(what) + ": " + msg;
    return false;
  };
  while (true) {
    int lo = min, hi = max, step = 1;
    if (pos < field.size() && field[pos] == '*') {
      ++pos;
    } else {
      if (!ParseValue(field, &pos, min, max, names, name_base, &lo))
        return fail("expected a value from " + std::to_string(min) + " to " + std::to_string(max));
      hi = lo;
      if (pos < field.size() && field[pos] == '-') {
        ++pos;
        if (!ParseValue(field, &pos, min, max, names, name_base, &hi))
          return fail("expected the end of the range");
        if (hi < lo) return fail("range ends before it starts");
      }
    }
    if (pos < field.size() && field[pos] == '/') {
      ++pos;
      // A step larger than the field's span selects only its start, so
      // anything past `max` is refused: reading on would overflow int, and so
      // would `v += step` below.
      const size_t step_start = pos;
      int v = 0;
      size_t n = 0;
      while (pos < field.size() && std::isdigit(static_cast<unsigned char>(field[pos]))) {
        if (v <= max) v = v * 10 + (field[pos] - '0');
        ++pos;
        ++n;
      }
      if (n == 0 || v == 0) return fail("expected a step of at least 1");
      if (v > max) {
        pos = step_start;  // the error points at the step
        return fail("step must be from 1 to " + std::to_string(max));
      }
      step = v;
      if (lo == hi && field[0] != '*') hi = max;  // "5/15" means 5-max/15
    }
    for (int v = lo; v <= hi; v += step) bits->set(static_cast<size_t>(v));
    if (pos == field.size()) return true;
    if (field[pos] != ',') return fail("unexpected '" + std::string(1, field[pos]) + "'");
    ++pos;
  }
}

}  // namespace

bool CronExpr::Parse(const std::string& text, CronExpr* out, CronError* error) {
  CronExpr e;
  e.text_ = text;
  std::vector<std::pair<std::string, size_t>> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    fields.emplace_back(text.substr(start, i - start), start);
  }
  if (fields.size() != 5) {
    error->column = fields.size() > 5 ? fields[5].second : text.size();
    error->message = "expected 5 fields (minute hour day-of-month month day-of-week), found " +
                     std::to_string(fields.size());
    return false;
  }
  static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                  "AUG", "SEP", "OCT", "NOV", "DEC", nullptr};
  static const char* kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};
  bool r;
  std::bitset<8> dow;
  if (!ParseField(fields[0].first, fields[0].second, 0, 59, nullptr, 0, &e.minutes_, &r, error, "minute") ||
      !ParseField(fields[1].first, fields[1].second, 0, 23, nullptr, 0, &e.hours_, &r, error, "hour") ||
      !ParseField(fields[2].first, fields[2].second, 1, 31, nullptr, 0, &e.days_, &e.dom_restricted_, error,
                  "day-of-month") ||
      !ParseField(fields[3].first, fields[3].second, 1, 12, kMonths, 1, &e.months_, &r, error, "month") ||
      !ParseField(fields[4].first, fields[4].second, 0, 7, kDays, 0, &dow, &e.dow_restricted_, error,
                  "day-of-week"))
    return false;
  for (size_t d = 0; d < 7; ++d) e.weekdays_[d] = dow[d];
  if (dow[7]) e.weekdays_[0] = true;
  *out = e;
  return true;
}

bool CronExpr::DayMatches(int /*year*/, int month, int day, int weekday) const {
  if (!months_[static_cast<size_t>(month)]) return false;
  const bool dom = days_[static_cast<size_t>(day)];
  const bool dow = weekdays_[static_cast<size_t>(weekday)];
  if (dom_restricted_ && dow_restricted_) return dom || dow;
  return dom && dow;
}

std::optional<int64_t> CronExpr::Next(int64_t after, const cctz::time_zone& zone) const {
  const auto after_tp = Clock::time_point(std::chrono::seconds(after));
  const cctz::civil_second start = cctz::convert(after_tp, zone);
  cctz::civil_day day(start);
  for (int i = 0; i < 366 * 5; ++i, ++day) {
    const cctz::weekday wd = cctz::get_weekday(day);
    // cctz: monday=0 .. sunday=6; cron: sunday=0.
    const int cron_wd = wd == cctz::weekday::sunday ? 0 : static_cast<int>(wd) + 1;
    if (!DayMatches(static_cast<int>(day.year()), day.month(), day.day(), cron_wd)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!hours_[static_cast<size_t>(h)]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_[static_cast<size_t>(m)]) continue;
        const cctz::civil_second cs(day.year(), day.month(), day.day(), h, m, 0);
        const cctz::time_zone::civil_lookup cl = zone.lookup(cs);
        int64_t at;
        switch (cl.kind) {
          case cctz::time_zone::civil_lookup::UNIQUE: at = ToUnix(cl.pre); break;
          case cctz::time_zone::civil_lookup::SKIPPED: at = ToUnix(cl.trans); break;
          case cctz::time_zone::civil_lookup::REPEATED: at = ToUnix(cl.pre); break;
          default: at = ToUnix(cl.pre);
        }
        if (at > after) return at;
      }
    }
  }
  return std::nullopt;
}

bool LoadZone(const std::string& name, cctz::time_zone* zone) {
  if (name.empty()) return false;
  return cctz::load_time_zone(name, zone);
}

std::string FormatLocal(int64_t unix_seconds, const cctz::time_zone& zone, const char* format) {
  return cctz::format(format, Clock::time_point(std::chrono::seconds(unix_seconds)), zone);
}

}  // namespace aasr::outreach
