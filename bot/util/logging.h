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
// Thread safety: Log() and logging are thread safe; call ConfigureLogging
// from one thread (at start and on config reload).
#pragma once

#include <memory>
#include <string>
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

// The logger of a component, created on first use.
std::shared_ptr<spdlog::logger> Log(const std::string& component);

}  // namespace aasr
