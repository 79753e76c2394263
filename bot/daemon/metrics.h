// Metrics: counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
//   Metrics m;
//   Counter& screened = m.AddCounter("aasr_comments_screened_total",
//                                    "Comments screened", {"action", "category"});
//   screened.Inc({"hide", "threat"});
//   Histogram& h = m.AddHistogram("aasr_time_to_verdict_seconds", "…", {}, {0.1, 1, 10});
//   h.Observe({}, 0.25);
//   std::string page = m.Render();
//
// Promises: families are registered once, up front (Add* returns a reference
// that lives as long as the Metrics); label values are escaped as the format
// requires; series appear in the order first seen. A family may also carry a
// collector that refreshes its values at render time (queue depth from the
// store). Passing the wrong number of label values is a programming error:
// the observation is dropped (tests catch it: the series never appears).
// Thread safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aasr::daemon {

using Labels = std::vector<std::string>;  // values, in the family's label order

class Family {
 public:
  Family(std::string name, std::string help, std::string type, std::vector<std::string> label_names);
  virtual ~Family() = default;
  void Render(std::string* out) const;

 protected:
  friend class Metrics;
  virtual void RenderSeries(const std::string& labels, const std::vector<double>& values, std::string* out) const;
  bool Check(const Labels& values) const;
  std::string LabelText(const Labels& values) const;

  const std::string name_, help_, type_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<Labels, std::vector<double>> series_;  // values per label set
  std::vector<Labels> order_;                     // first-seen order
  std::vector<double>& Series(const Labels& values, size_t width);
};

class Counter : public Family {
 public:
  using Family::Family;
  void Inc(const Labels& values, double by = 1);
};

class Gauge : public Family {
 public:
  using Family::Family;
  void Set(const Labels& values, double v);
  void Add(const Labels& values, double by);
};

class Histogram : public Family {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds);
  void Observe(const Labels& values, double v);

 private:
  void RenderSeries(const std::string& labels, const std::vector<double>& values, std::string* out) const override;
  const std::vector<double> bounds_;  // upper bounds, ascending; +Inf implied
};

class Metrics {
 public:
  Counter& AddCounter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Gauge& AddGauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                          std::vector<double> bounds);
  // Runs before every Render(), e.g. to set gauges from the store.
  void AddCollector(std::function<void()> collect);

  std::string Render() const;  // text/plain; version=0.0.4

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
};

// This process as Prometheus' standard process_* metrics name it, read from
// /proc/self (Linux); zeros where a file cannot be read.
struct ProcessStats {
  double rss_bytes = 0;
  double cpu_seconds = 0;  // user + system
  double open_fds = 0;
  double threads = 0;
};
ProcessStats ReadProcessStats();

}  // namespace aasr::daemon
