// The Prometheus text format as /metrics renders it.
#include <catch2/catch.hpp>

#include "bot/daemon/metrics.h"

using aasr::daemon::Metrics;

TEST_CASE("metrics: counters, gauges and histograms in the text format", "[metrics]") {
  Metrics m;
  auto& c = m.AddCounter("aasr_comments_screened_total", "Comments screened", {"action", "category"});
  auto& g = m.AddGauge("aasr_queue_items", "Queue items", {"state"});
  auto& h = m.AddHistogram("aasr_comment_to_hide_seconds", "Time to hide", {"account"}, {0.5, 1, 5});
  c.Inc({"hide", "threat"});
  c.Inc({"hide", "threat"}, 2);
  c.Inc({"allow", "none"});
  c.Inc({"wrong"});  // wrong label count: dropped
  g.Set({"pending"}, 7);
  h.Observe({"local"}, 0.2);
  h.Observe({"local"}, 0.7);
  h.Observe({"local"}, 60);
  const std::string text = m.Render();
  INFO(text);
  CHECK(text.find("# HELP aasr_comments_screened_total Comments screened\n"
                  "# TYPE aasr_comments_screened_total counter\n"
                  "aasr_comments_screened_total{action=\"hide\",category=\"threat\"} 3\n"
                  "aasr_comments_screened_total{action=\"allow\",category=\"none\"} 1\n") != std::string::npos);
  CHECK(text.find("wrong") == std::string::npos);
  CHECK(text.find("# TYPE aasr_queue_items gauge\naasr_queue_items{state=\"pending\"} 7\n") != std::string::npos);
  CHECK(text.find("# TYPE aasr_comment_to_hide_seconds histogram\n"
                  "aasr_comment_to_hide_seconds_bucket{account=\"local\",le=\"0.5\"} 1\n"
                  "aasr_comment_to_hide_seconds_bucket{account=\"local\",le=\"1\"} 2\n"
                  "aasr_comment_to_hide_seconds_bucket{account=\"local\",le=\"5\"} 2\n"
                  "aasr_comment_to_hide_seconds_bucket{account=\"local\",le=\"+Inf\"} 3\n"
                  "aasr_comment_to_hide_seconds_sum{account=\"local\"} 60.9\n"
                  "aasr_comment_to_hide_seconds_count{account=\"local\"} 3\n") != std::string::npos);
}

TEST_CASE("metrics: label values are escaped and collectors run before rendering", "[metrics]") {
  Metrics m;
  auto& g = m.AddGauge("aasr_account_up", "Up", {"account"});
  int runs = 0;
  m.AddCollector([&] {
    ++runs;
    g.Set({"a\"b\\c\nd"}, runs);
  });
  std::string text = m.Render();
  CHECK(text.find("aasr_account_up{account=\"a\\\"b\\\\c\\nd\"} 1\n") != std::string::npos);
  text = m.Render();
  CHECK(text.find("} 2\n") != std::string::npos);
}
