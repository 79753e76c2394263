// CronExpr: five-field cron ("minute hour day-of-month month day-of-week")
// evaluated in an IANA time zone with cctz, DST-correct.
//
// Fields accept *, numbers, ranges a-b, lists a,b, steps */n and a-b/n, and
// names (JAN-DEC, SUN-SAT; day-of-week 0 and 7 are Sunday). As in Vixie cron,
// when both day-of-month and day-of-week are restricted, a day matching
// either fires.
//
// Daylight saving time, defined precisely:
//   - a slot that does not exist (02:30 on the spring-forward day in New
//     York) fires once, at the instant the clocks jump (03:00 new time);
//     several skipped slots collapse into that one firing;
//   - a slot that exists twice (01:30 on the fall-back day) fires once, at
//     its first occurrence; the repeated hour never fires again.
// Parse errors give the 0-based column in the expression. Immutable; thread safe.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include <cctz/time_zone.h>

namespace aasr::outreach {

struct CronError {
  size_t column = 0;  // 0-based offset in the expression
  std::string message;
};

class CronExpr {
 public:
  static bool Parse(const std::string& text, CronExpr* out, CronError* error);

  // The first firing instant strictly after `after` (Unix seconds), within
  // about five years; nullopt if none (e.g. "0 0 31 2 *").
  std::optional<int64_t> Next(int64_t after, const cctz::time_zone& zone) const;

  const std::string& text() const { return text_; }

 private:
  bool DayMatches(int year, int month, int day, int weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    // 1..31
  std::bitset<13> months_;  // 1..12
  std::bitset<7> weekdays_; // 0 = Sunday
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
};

// Loads a zone by IANA name ("America/New_York"); false if unknown.
bool LoadZone(const std::string& name, cctz::time_zone* zone);

// Unix seconds <-> civil time in a zone; the "HH:MM" of an instant.
std::string FormatLocal(int64_t unix_seconds, const cctz::time_zone& zone,
                        const char* format = "%Y-%m-%d %H:%M %Z");

}  // namespace aasr::outreach
