// Logging: one place that sets up spdlog for the whole process, and named
// loggers per component ("daemon", "intake", "outreach", "review", ...).
//
//   ConfigureLogging({"json", "info", {{"intake", "debug"}}});
//   Log("intake")->info("fetched {} comments for {}", n, account);
//
// Text format (default): "2026-11-23 04:30:01.123 info  [intake] message".
// JSON format: one object per line, {"time":"2026-11-23T04:30:01.123Z",
// "level":"info","component":"intake","msg":"…"}, every string escaped, so
// log shippers never see a broken line whatever a comment contains. Code that
// logs through spdlog's default logger appears as component "aasr".
// Levels: trace debug info warn error critical off, per component; loggers
// created after ConfigureLogging get their component's level too.
// Errors: an unknown format or level is an Error naming it (the config loader
// already rejects those at file:line:column).
// Anything a request or a comment supplies goes through LogSafe() before it
// is logged: a newline or an escape code in a user name, path or header
// could otherwise forge a log line ("login: x (admin)") or drive the
// terminal of whoever reads the log.
// Thread safety: Log() and logging are thread safe; call ConfigureLogging
// from one thread (at start and on config reload).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "bot/util/error.h"

namespace aasr {

struct LogSettings {
  std::string format = "text";  // "text" | "json"
  std::string level = "info";
  std::vector<std::pair<std::string, std::string>> components;  // component -> level
};

Status ConfigureLogging(const LogSettings& settings);

// `text` with every control character escaped: \n \r \t, other C0 and DEL
// as \xNN, C1 controls (U+0080-U+009F) as \u00NN, bytes that are not UTF-8
// as \xNN, and a backslash doubled, so a logged field is one line and reads
// back unambiguously. Printable UTF-8 is kept as it is.
std::string LogSafe(std::string_view text);

// The logger of a component, created on first use.
std::shared_ptr<spdlog::logger> Log(const std::string& component);

}  // namespace aasr
