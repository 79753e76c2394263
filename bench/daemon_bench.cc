// The daemon under a comment burst, and idle (issue 6 §4). Runs the real
// `aasr-bot run` as a child process (tests/daemon/daemon_process.h) with the
// local platform, drops 10,000 comments (10% that the shipped rules flag)
// into its inbox at once, and measures:
//   - time until all are screened and stored, and comments per second
//     (wall, from the drop; and the ingest span, first to last stored);
//   - time-to-hide p50/p95 for the ones the rules hide, from the moment the
//     files appeared in the inbox to the hide line the local platform appends
//     to var/outbox/moderation.jsonl (and /metrics' mean, from created_at);
//   - the daemon's CPU (utime+stime from /proc/<pid>/stat) and peak RSS
//     (VmHWM from /proc/<pid>/status) over the burst;
//   - then the idle daemon's CPU and RSS (VmRSS) over AASR_BENCH_IDLE_SECONDS
//     (default 60).
// Targets: >= 5,000 comments/s, idle CPU < 1% of a core, RSS < 80 MB.
// Figures, not a test: it prints them (and one JSON line) and never fails on
// a timing. Env: AASR_BENCH_COMMENTS (default 10000), AASR_BENCH_IDLE_SECONDS,
// AASR_KEEP_TEST_DIRS=1 keeps the workspace.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "bench/rules_bench_corpus.h"
#include "bot/net/rfc3339.h"
#include "bot/rules/rules.h"
#include "bot/store/ingest.h"
#include "bot/store/sqlite_store.h"
#include "tests/daemon/daemon_process.h"
#include "aasr/build_paths.h"

using namespace aasr;
using namespace aasr::testing;
using nlohmann::json;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// utime + stime of a process, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A /proc/<pid>/status field in kB ("VmRSS", "VmHWM"), as MB (10^6 bytes).
double StatusMb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) * 1024 / 1e6;
  return 0;
}

// Sum of a metric's samples on /metrics (every label set).
double MetricSum(const std::string& body, const std::string& name) {
  double sum = 0;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : ' ';
    if (next != '{' && next != ' ') continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

// Every examples.flag text of the shipped rules.
std::vector<std::string> FlagExamples(const std::string& rules_dir) {
  std::vector<std::string> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(rules_dir))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    YAML::Node root = YAML::LoadFile(f.string());
    for (const auto& r : root["rules"]) {
      const YAML::Node flag = r["examples"]["flag"];
      if (!flag || !flag.IsSequence()) continue;
      for (const auto& t : flag) {
        // A plain string, or {text, author} for metadata rules (the author
        // is dropped here; the screening below keeps only what still flags).
        if (t.IsScalar()) out.push_back(t.as<std::string>());
        else if (t.IsMap() && t["text"] && t["text"].IsScalar()) out.push_back(t["text"].as<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

int main() {
  const int n = EnvInt("AASR_BENCH_COMMENTS", 10000);
  const int idle_s = EnvInt("AASR_BENCH_IDLE_SECONDS", 60);
  const int files = 20;
  std::printf("daemon_bench: %d comments (10%% flagged by the shipped rules) in %d inbox files at once; "
              "idle %d s\n", n, files, idle_s);

  // --- The comments: community talk from the rule benchmark's corpus
  // generator that the rules allow, and the rules' own flag examples.
  auto rules = rules::RuleSet::LoadDirectory(std::string(AASR_SOURCE_DIR) + "/rules");
  if (!rules.ok()) {
    std::fprintf(stderr, "%s", FormatErrors(rules.errors()).c_str());
    return 2;
  }
  auto screen = [&](const std::string& text, const std::string& handle) {
    store::NewComment c;
    c.platform = "local";
    c.text = text;
    c.author_handle = handle;
    return rules.value()->Screen(store::ToRulesComment(c)).action;
  };
  std::vector<std::string> flagged, flagged_hide;
  for (const std::string& t : FlagExamples(std::string(AASR_SOURCE_DIR) + "/rules")) {
    const auto a = screen(t, "reader");
    if (a != rules::Action::kAllow) flagged.push_back(t);
    if (a == rules::Action::kHide) flagged_hide.push_back(t);
  }
  const auto words = bench::GenerateWords(200);
  const bench::Corpus corpus = bench::GenerateCorpus(static_cast<size_t>(n) * 400, words);
  std::vector<std::string> benign;
  for (const auto& c : corpus.comments)
    if (c.planted == bench::Planted::kNone && screen(c.text, "reader") == rules::Action::kAllow) benign.push_back(c.text);
  std::printf("  pools: %zu benign corpus comments, %zu flag examples (%zu hidden)\n", benign.size(), flagged.size(),
              flagged_hide.size());
  if (benign.empty() || flagged.empty()) return 2;

  DaemonWorkspace ws("bench");
  // The embedded default's intervals (config/bot.yaml), polling every second.
  ws.WriteConfig("database: var/aasr.db\nrules: rules\nposts: posts\n"
                 "review: {listen: \"" + ws.url() + "\"}\n"
                 "polling: {seconds: 1, jitter: 0.1, actions_seconds: 2, outreach_seconds: 30, reload_seconds: 2}\n"
                 "log: {format: text, level: info}\n"
                 "accounts:\n  - {name: local, platform: local, dir: var}\n");
  DaemonProcess d(ws);
  if (!d.Start()) {
    std::fprintf(stderr, "the daemon did not start:\n%s", ws.Log().c_str());
    return 2;
  }
  const pid_t pid = d.pid();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // settle after start

  // --- Stage the files, then make them all appear at once.
  fs::create_directories(ws.File("var/staging"));
  fs::create_directories(ws.File("var/inbox"));
  std::set<std::string> hide_expected;
  const std::string created = net::FormatRfc3339(net::WallTime(std::chrono::milliseconds(WallMs())));
  for (int f = 0; f < files; ++f) {
    std::ofstream out(ws.File("var/staging/" + std::to_string(100 + f) + ".jsonl"), std::ios::binary);
    for (int i = f; i < n; i += files) {
      const bool flag = i % 10 == 0;
      const std::string& text = flag ? flagged[(i / 10) % flagged.size()] : benign[i % benign.size()];
      const std::string id = "b" + std::to_string(i);
      if (flag && screen(text, "reader" + std::to_string(i % 97)) == rules::Action::kHide) hide_expected.insert(id);
      out << json{{"id", id},
                  {"post", "local-post-1"},
                  {"text", text},
                  {"created_at", created},
                  {"author", {{"id", "u" + std::to_string(i % 97)}, {"handle", "reader" + std::to_string(i % 97)}}}}
                 .dump()
          << "\n";
    }
  }
  const double cpu0 = CpuSeconds(pid);
  const auto t0 = Steady::now();
  const int64_t drop_ms = WallMs();
  for (int f = 0; f < files; ++f) {
    const std::string name = std::to_string(100 + f) + ".jsonl";
    fs::rename(ws.File("var/staging/" + name), ws.File("var/inbox/" + name));
  }

  // --- Until all are stored (metrics count every screened comment).
  double screened = 0;
  double peak_hwm = 0;
  const auto deadline = t0 + std::chrono::seconds(300);
  while (Steady::now() < deadline) {
    screened = MetricSum(d.Get("/metrics").body, "aasr_comments_screened_total");
    peak_hwm = std::max(peak_hwm, StatusMb(pid, "VmHWM"));
    if (screened >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double wall_s = std::chrono::duration<double>(Steady::now() - t0).count();
  const double burst_cpu_s = CpuSeconds(pid) - cpu0;
  if (screened < n) std::printf("  WARNING: only %.0f of %d screened within 300 s\n", screened, n);

  // Every hide carried out (the account runner hides in the same round).
  std::map<std::string, int64_t> hidden_at;
  const auto hide_deadline = Steady::now() + std::chrono::seconds(60);
  while (Steady::now() < hide_deadline) {
    hidden_at.clear();
    std::istringstream lines(ws.ReadFile("var/outbox/moderation.jsonl"));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line.back() != '}') continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || j["action"] != "hide") continue;
      auto t = net::ParseRfc3339(j["at"].get<std::string>());
      if (t) hidden_at.emplace(j["comment"].get<std::string>(),
                               std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count());
    }
    if (hidden_at.size() >= hide_expected.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  peak_hwm = std::max(peak_hwm, StatusMb(pid, "VmHWM"));
  std::vector<double> tth;
  for (const auto& [id, at] : hidden_at)
    if (hide_expected.count(id)) tth.push_back((at - drop_ms) / 1000.0);
  const std::string metrics = d.Get("/metrics").body;
  const double m_hide_sum = MetricSum(metrics, "aasr_comment_to_hide_seconds_sum");
  const double m_hide_count = MetricSum(metrics, "aasr_comment_to_hide_seconds_count");

  // The ingest span from the store: received_ms of the first and last comment.
  int64_t stored = 0, first_ms = INT64_MAX, last_ms = 0;
  {
    auto st = store::OpenSqliteStore(ws.File("var/aasr.db"));
    if (st.ok()) {
      (void)st.value()->ForEachComment(0, [&](const store::StoredComment& c, const std::optional<store::Item>&) {
        ++stored;
        first_ms = std::min(first_ms, c.received_ms);
        last_ms = std::max(last_ms, c.received_ms);
        return true;
      });
    }
  }
  const double span_s = stored > 1 ? std::max(0.001, (last_ms - first_ms) / 1000.0) : wall_s;
  const double per_s_wall = stored / wall_s;
  const double per_s_span = stored / span_s;

  // --- Idle.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double idle_cpu0 = CpuSeconds(pid);
  const auto ti = Steady::now();
  std::this_thread::sleep_for(std::chrono::seconds(idle_s));
  const double idle_elapsed = std::chrono::duration<double>(Steady::now() - ti).count();
  const double idle_cpu_pct = (CpuSeconds(pid) - idle_cpu0) / idle_elapsed * 100.0;
  const double idle_rss = StatusMb(pid, "VmRSS");
  peak_hwm = std::max(peak_hwm, StatusMb(pid, "VmHWM"));
  const int term = d.Terminate();

  const double p50 = Percentile(tth, 0.50), p95 = Percentile(tth, 0.95);
  auto mark = [](bool met) { return met ? "met" : "NOT met"; };
  std::printf("\nBurst\n");
  std::printf("  %-46s %d of %d\n", "stored", static_cast<int>(stored), n);
  std::printf("  %-46s %.2f s  -> %.0f comments/s\n", "drop -> all screened and stored (wall)", wall_s, per_s_wall);
  std::printf("  %-46s %.2f s  -> %.0f comments/s  (target >= 5,000: %s)\n",
              "ingest span (first to last stored)", span_s, per_s_span, mark(per_s_span >= 5000));
  std::printf("  %-46s %.2f s  (%.0f comments per CPU-second)\n", "daemon CPU during the burst", burst_cpu_s,
              burst_cpu_s > 0 ? stored / burst_cpu_s : 0.0);
  std::printf("  %-46s %zu of %zu; p50 %.3f s, p95 %.3f s\n", "time-to-hide (inbox -> moderation.jsonl)",
              tth.size(), hide_expected.size(), p50, p95);
  std::printf("  %-46s mean %.3f s over %.0f\n", "  /metrics aasr_comment_to_hide_seconds",
              m_hide_count > 0 ? m_hide_sum / m_hide_count : 0.0, m_hide_count);
  std::printf("  %-46s %.1f MB  (target < 80 MB: %s)\n", "peak RSS (VmHWM)", peak_hwm, mark(peak_hwm < 80));
  std::printf("Idle (%.0f s after the burst)\n", idle_elapsed);
  std::printf("  %-46s %.3f %% of a core  (target < 1%%: %s)\n", "CPU", idle_cpu_pct, mark(idle_cpu_pct < 1));
  std::printf("  %-46s %.1f MB  (target < 80 MB: %s)\n", "RSS (VmRSS)", idle_rss, mark(idle_rss < 80));
  std::printf("  %-46s %d\n", "exit status after SIGTERM", term);
  std::printf("\n{\"comments\":%d,\"stored\":%lld,\"wall_s\":%.3f,\"comments_per_s_wall\":%.1f,"
              "\"ingest_span_s\":%.3f,\"comments_per_s\":%.1f,\"burst_cpu_s\":%.3f,\"hides\":%zu,"
              "\"time_to_hide_p50_s\":%.3f,\"time_to_hide_p95_s\":%.3f,\"peak_rss_mb\":%.1f,"
              "\"idle_seconds\":%.0f,\"idle_cpu_percent\":%.3f,\"idle_rss_mb\":%.1f}\n",
              n, static_cast<long long>(stored), wall_s, per_s_wall, span_s, per_s_span, burst_cpu_s, tth.size(),
              p50, p95, peak_hwm, idle_elapsed, idle_cpu_pct, idle_rss);
  return 0;
}
