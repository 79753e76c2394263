#include "bot/util/logging.h"

#include <ctime>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>
#include "bot/util/utf8.h"
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace aasr {
namespace {

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since = msg.time.time_since_epoch();
    const std::time_t secs = duration_cast<seconds>(since).count();
    const int ms = static_cast<int>(duration_cast<milliseconds>(since).count() % 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char when[80];
    std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    nlohmann::ordered_json j;
    j["time"] = when;
    const auto level = spdlog::level::to_string_view(msg.level);
    j["level"] = std::string(level.data(), level.size());
    j["component"] = msg.logger_name.size() ? std::string(msg.logger_name.data(), msg.logger_name.size()) : "aasr";
    j["msg"] = std::string(msg.payload.data(), msg.payload.size());
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

struct State {
  std::mutex mu;
  LogSettings settings;
  spdlog::sink_ptr sink;
};

State& GetState() {
  static State* s = new State();  // never destroyed: loggers may log during exit
  return *s;
}

Result<spdlog::level::level_enum> ParseLevel(const std::string& name) {
  for (int l = spdlog::level::trace; l <= spdlog::level::off; ++l) {
    auto sv = spdlog::level::to_string_view(static_cast<spdlog::level::level_enum>(l));
    if (name == std::string(sv.data(), sv.size())) return static_cast<spdlog::level::level_enum>(l);
  }
  if (name == "warn") return spdlog::level::warn;
  return Error{{"log", 0, 0}, "level", "unknown log level '" + name + "'"};
}

std::unique_ptr<spdlog::formatter> MakeFormatter(const std::string& format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%d %H:%M:%S.%e %-5l [%n] %v");
}

spdlog::level::level_enum LevelFor(const LogSettings& s, const std::string& component) {
  for (const auto& [name, level] : s.components)
    if (name == component) return ParseLevel(level).value();
  return ParseLevel(s.level).value();
}

}  // namespace

Status ConfigureLogging(const LogSettings& settings) {
  if (settings.format != "text" && settings.format != "json")
    return Error{{"log", 0, 0}, "format", "unknown log format '" + settings.format + "' (text or json)"};
  Errors errors;
  for (const std::string* l : {&settings.level}) {
    auto r = ParseLevel(*l);
    if (!r.ok()) errors.insert(errors.end(), r.errors().begin(), r.errors().end());
  }
  for (const auto& c : settings.components) {
    auto r = ParseLevel(c.second);
    if (!r.ok()) errors.insert(errors.end(), r.errors().begin(), r.errors().end());
  }
  if (!errors.empty()) return errors;

  State& st = GetState();
  std::lock_guard<std::mutex> lock(st.mu);
  st.settings = settings;
  if (!st.sink) st.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  st.sink->set_formatter(MakeFormatter(settings.format));
  auto def = std::make_shared<spdlog::logger>("aasr", st.sink);
  def->set_level(LevelFor(settings, "aasr"));
  def->flush_on(spdlog::level::info);
  spdlog::set_default_logger(def);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    if (l->name().empty() || l->name() == "aasr") return;
    l->sinks() = {st.sink};
    l->set_level(LevelFor(settings, l->name()));
  });
  return Ok{};
}

std::string LogSafe(std::string_view text) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  auto hex = [&](const char* prefix, unsigned v) {
    out += prefix;
    out.push_back(kHex[(v >> 4) & 0xf]);
    out.push_back(kHex[v & 0xf]);
  };
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\\') { out += "\\\\"; ++i; continue; }
    if (c == '\n') { out += "\\n"; ++i; continue; }
    if (c == '\r') { out += "\\r"; ++i; continue; }
    if (c == '\t') { out += "\\t"; ++i; continue; }
    if (c < 0x20 || c == 0x7f) { hex("\\x", c); ++i; continue; }
    if (c < 0x80) { out.push_back(static_cast<char>(c)); ++i; continue; }
    char32_t cp = 0;
    size_t len = 0;
    if (!utf8::Decode(text, i, &cp, &len)) { hex("\\x", c); ++i; continue; }
    if (cp >= 0x80 && cp <= 0x9f) hex("\\u00", static_cast<unsigned>(cp));
    else out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::shared_ptr<spdlog::logger> Log(const std::string& component) {
  if (auto l = spdlog::get(component)) return l;
  State& st = GetState();
  std::lock_guard<std::mutex> lock(st.mu);
  if (auto l = spdlog::get(component)) return l;
  if (!st.sink) {
    st.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    st.sink->set_formatter(MakeFormatter(st.settings.format));
  }
  auto l = std::make_shared<spdlog::logger>(component, st.sink);
  l->set_level(LevelFor(st.settings, component));
  l->flush_on(spdlog::level::info);
  spdlog::register_logger(l);
  return l;
}

}  // namespace aasr
