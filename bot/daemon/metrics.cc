#include "bot/daemon/metrics.h"
#include <sstream>
#include <iterator>
#include <fstream>
#include <filesystem>
#include <cstdlib>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace aasr::daemon {
namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Label values escape backslash, double quote and newline; HELP text
// escapes backslash and newline.
std::string Escape(const std::string& s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
  return out;
}

}  // namespace

Family::Family(std::string name, std::string help, std::string type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)), label_names_(std::move(label_names)) {}

bool Family::Check(const Labels& values) const { return values.size() == label_names_.size(); }

std::string Family::LabelText(const Labels& values) const {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i ? "," : "") + label_names_[i] + "=\"" + Escape(values[i], true) + "\"";
  }
  return out;
}

std::vector<double>& Family::Series(const Labels& values, size_t width) {
  auto it = series_.find(values);
  if (it == series_.end()) {
    it = series_.emplace(values, std::vector<double>(width, 0.0)).first;
    order_.push_back(values);
  }
  return it->second;
}

void Family::Render(std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  *out += "# HELP " + name_ + " " + Escape(help_, false) + "\n";
  *out += "# TYPE " + name_ + " " + type_ + "\n";
  for (const Labels& l : order_) RenderSeries(LabelText(l), series_.at(l), out);
}

void Family::RenderSeries(const std::string& labels, const std::vector<double>& values, std::string* out) const {
  *out += name_ + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(values[0]) + "\n";
}

void Counter::Inc(const Labels& values, double by) {
  if (!Check(values) || by < 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  Series(values, 1)[0] += by;
}

void Gauge::Set(const Labels& values, double v) {
  if (!Check(values)) return;
  std::lock_guard<std::mutex> lock(mu_);
  Series(values, 1)[0] = v;
}

void Gauge::Add(const Labels& values, double by) {
  if (!Check(values)) return;
  std::lock_guard<std::mutex> lock(mu_);
  Series(values, 1)[0] += by;
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : Family(std::move(name), std::move(help), "histogram", std::move(label_names)), bounds_(std::move(bounds)) {}

// Series layout: one count per bucket (not cumulative), then +Inf, sum, count.
void Histogram::Observe(const Labels& values, double v) {
  if (!Check(values)) return;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<double>& s = Series(values, bounds_.size() + 3);
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  s[i] += 1;
  s[bounds_.size() + 1] += v;
  s[bounds_.size() + 2] += 1;
}

void Histogram::RenderSeries(const std::string& labels, const std::vector<double>& values, std::string* out) const {
  const std::string sep = labels.empty() ? "" : ",";
  double cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += values[i];
    const std::string le = i < bounds_.size() ? Number(bounds_[i]) : "+Inf";
    *out += name_ + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + Number(cumulative) + "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  *out += name_ + "_sum" + braces + " " + Number(values[bounds_.size() + 1]) + "\n";
  *out += name_ + "_count" + braces + " " + Number(values[bounds_.size() + 2]) + "\n";
}

Counter& Metrics::AddCounter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  families_.push_back(std::make_unique<Counter>(name, help, "counter", std::move(labels)));
  return static_cast<Counter&>(*families_.back());
}

Gauge& Metrics::AddGauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  families_.push_back(std::make_unique<Gauge>(name, help, "gauge", std::move(labels)));
  return static_cast<Gauge&>(*families_.back());
}

Histogram& Metrics::AddHistogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                                 std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  families_.push_back(std::make_unique<Histogram>(name, help, std::move(labels), std::move(bounds)));
  return static_cast<Histogram&>(*families_.back());
}

void Metrics::AddCollector(std::function<void()> collect) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Metrics::Render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  for (const auto& c : collectors) c();
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) f->Render(&out);
  return out;
}

ProcessStats ReadProcessStats() {
  ProcessStats out;
  const long page = sysconf(_SC_PAGESIZE), ticks = sysconf(_SC_CLK_TCK);
  if (std::ifstream statm("/proc/self/statm"); statm) {
    long size = 0, resident = 0;
    if (statm >> size >> resident) out.rss_bytes = static_cast<double>(resident) * static_cast<double>(page);
  }
  if (std::ifstream stat("/proc/self/stat"); stat) {
    std::string line;
    std::getline(stat, line);
    // The command name (field 2) may hold spaces and parentheses: fields are
    // counted from the last ')'.
    const size_t close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(line.substr(close + 2));
      std::vector<std::string> f{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
      // rest[0] is field 3 (state): utime is field 14, stime 15, num_threads 20.
      if (f.size() > 17 && ticks > 0) {
        out.cpu_seconds = (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) /
                          static_cast<double>(ticks);
        out.threads = std::strtod(f[17].c_str(), nullptr);
      }
    }
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    out.open_fds += 1;
  return out;
}

}  // namespace aasr::daemon
