// `aasr-bot serve`: the review page and its API, until SIGINT or SIGTERM.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <iomanip>
#include <memory>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/outreach/store.h"
#include "bot/review/server.h"
#include "bot/review/status.h"
#include "bot/store/backtest.h"
#include "bot/rules/active_rules.h"

namespace aasr::cli {
namespace {

// --status-file: the file's JSON object as /api/status, re-read on every
// request, so browser tests can show the page a daemon's status (rejected
// reloads, accounts backing off) without running the daemon.
nlohmann::json StatusFromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{"mode", "serve"}, {"status_file_error", path + ": cannot read"}};
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return {{"mode", "serve"}, {"status_file_error", path + ": not a JSON object"}};
  return j;
}

// The `review:` proxy keys of the config file, as `serve` flags.
struct ProxyFlags {
  std::string public_url, base_path, secure_cookies;  // secure_cookies: "", "on" or "off"
  std::vector<std::string> trusted_proxies;
};

int Serve(const std::string& db_path, const std::string& rules_dir, const std::string& listen,
          const std::string& web_dir, const std::string& outreach_db,
          const std::string& status_file, const ProxyFlags& proxy) {
  if (Status https = review::CheckListenUrl(listen); !https.ok()) {
    std::cerr << "--listen " << https.errors().front().message << "\n";
    return 2;
  }
  std::optional<bool> secure;
  if (!proxy.secure_cookies.empty()) secure = proxy.secure_cookies == "on";
  auto settings = review::MakeProxySettings(proxy.public_url, proxy.base_path, proxy.trusted_proxies, secure);
  if (!settings.ok()) {
    for (const Error& e : settings.errors()) {
      std::string flag = e.subject.substr(e.subject.find('.') + 1);
      flag = flag.substr(0, flag.find('['));
      std::replace(flag.begin(), flag.end(), '_', '-');
      if (flag == "trusted-proxies") flag = "trusted-proxy";
      std::cerr << "--" << flag << ": " << e.message << "\n";
    }
    return 2;
  }
  // Block the signals before any thread starts (threads inherit the mask) so
  // only sigwait below receives them and the server stops cleanly.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  review::SizeServerThreadPool();
  auto st = OpenStoreOrReport(db_path);
  if (!st) return 2;
  auto active = std::make_shared<rules::ActiveRules>(rules_dir);
  Errors errors = active->Reload();
  if (!errors.empty()) {
    std::cerr << FormatErrors(errors) << errors.size() << " error(s) in " << rules_dir << "\n";
    return 2;
  }
  review::ServerOptions options;
  options.listen = listen;
  options.web_dir = web_dir;
  options.api.proxy = settings.value();
  // Replies are queued in the same file; `aasr-bot run` on it sends them.
  options.replies_db = db_path;
  if (!outreach_db.empty()) {
    // Fail now on a wrong path rather than later in the page.
    std::error_code ec;
    if (!std::filesystem::exists(outreach_db, ec)) {
      std::cerr << outreach_db << ": no outreach database\n";
      return 2;
    }
    auto check = outreach::OutreachStore::Open(outreach_db);
    if (!check.ok()) {
      std::cerr << FormatErrors(check.errors());
      return 2;
    }
    options.outreach_db = outreach_db;
  }
  const int64_t started_at_ms = aasr::SystemClock().NowMs();
  if (!status_file.empty()) {
    options.status = [status_file] { return StatusFromFile(status_file); };
  } else {
    options.status = [active, rules_dir, started_at_ms] {
      return review::MinimalStatus("serve", active->current(), rules_dir, started_at_ms);
    };
  }
  review::ReviewServer server(st, [active] { return active->current(); },
                              std::make_shared<aasr::SystemClock>(), options);
  Status s = server.Start();
  if (!s.ok()) {
    std::cerr << FormatErrors(s.errors());
    return 2;
  }
  std::cout << "review page: " << listen << "/  (Ctrl-C stops)" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("stopping on signal {}", sig);
  server.Stop();
  return 0;
}

std::string OneLine(const std::string& text, size_t max) {
  std::string s = text.substr(0, max);
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s + (text.size() > max ? "…" : "");
}

int BacktestCommand(const std::string& candidate_dir, const std::string& active_dir,
                    const std::string& db_path, const std::string& since, const std::string& format) {
  auto span = store::ParseSince(since);
  if (!span.ok()) {
    std::cerr << FormatErrors(span.errors());
    return 2;
  }
  auto candidate = LoadRulesOrReport(candidate_dir);
  if (!candidate) return 1;  // the candidate does not even load: that is the answer
  auto active = LoadRulesOrReport(active_dir);
  if (!active) return 2;
  auto st = OpenStoreOrReport(db_path);
  if (!st) return 2;
  int64_t since_ms = std::max<int64_t>(0, aasr::SystemClock().NowMs() - span.value());
  auto report = store::Backtest(*st, *active, *candidate, since_ms);
  if (!report.ok()) {
    std::cerr << FormatErrors(report.errors());
    return 2;
  }
  const auto& r = report.value();
  if (format == "json") {
    nlohmann::json j{{"comments", r.comments},
                     {"flagged_active", r.flagged_active},
                     {"flagged_candidate", r.flagged_candidate}};
    auto changes = [](const std::vector<store::BacktestChange>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& c : v)
        a.push_back({{"comment_id", c.comment_id}, {"item_id", c.item_id}, {"platform", c.platform},
                     {"remote_id", c.remote_id}, {"state", c.state}, {"rules", c.rules},
                     {"text", c.text},
                     {"active", {{"action", c.action_active}, {"priority", c.priority_active},
                                 {"categories", c.categories_active}}},
                     {"candidate", {{"action", c.action_candidate}, {"priority", c.priority_candidate},
                                    {"categories", c.categories_candidate}}}});
      return a;
    };
    j["newly_flagged"] = changes(r.newly_flagged);
    j["no_longer_flagged"] = changes(r.no_longer_flagged);
    j["action_changed"] = changes(r.action_changed);
    j["priority_changed"] = changes(r.priority_changed);
    j["category_changed"] = changes(r.category_changed);
    j["rules"] = nlohmann::json::array();
    for (const auto& x : r.rules)
      j["rules"].push_back({{"id", x.rule_id}, {"category", x.category}, {"active", x.active},
                            {"candidate", x.candidate}, {"shadow", x.shadow}, {"hits_active", x.hits_active},
                            {"hits_candidate", x.hits_candidate}, {"removed", x.removed},
                            {"approved", x.approved}, {"open", x.open},
                            {"not_reviewed", x.not_reviewed}});
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << "Backtest of " << candidate_dir << " against " << active_dir << " on " << r.comments
            << " stored comment(s) since " << since << "\n"
            << "  flagged by the active rules:    " << r.flagged_active << "\n"
            << "  flagged by the candidate rules: " << r.flagged_candidate << "\n\n";
  // `what`: the before -> after a kind of change is about ("" for none).
  using What = std::string (*)(const store::BacktestChange&);
  auto list = [](const char* title, const std::vector<store::BacktestChange>& v,
                 What what = nullptr) {
    std::cout << title << " (" << v.size() << ")\n";
    size_t shown = 0;
    for (const auto& c : v) {
      if (++shown > 50) {
        std::cout << "  ... and " << (v.size() - 50) << " more (use --format json)\n";
        break;
      }
      std::string rules;
      for (auto& id : c.rules) rules += (rules.empty() ? "" : ",") + id;
      std::cout << "  " << c.platform << ":" << c.remote_id << "  ["
                << (c.state.empty() ? "not queued" : c.state) << "]  "
                << (what ? what(c) + "  " : std::string()) << rules << "  " << OneLine(c.text, 70)
                << "\n";
    }
    std::cout << "\n";
  };
  list("Newly flagged", r.newly_flagged, [](const store::BacktestChange& c) {
    return c.action_candidate + " " + store::PriorityName(c.priority_candidate);
  });
  list("No longer flagged", r.no_longer_flagged, [](const store::BacktestChange& c) {
    return "was " + c.action_active + " " + store::PriorityName(c.priority_active);
  });
  list("Action changed (what is hidden at once)", r.action_changed,
       [](const store::BacktestChange& c) { return c.action_active + " -> " + c.action_candidate; });
  list("Priority changed", r.priority_changed, [](const store::BacktestChange& c) {
    return std::string(store::PriorityName(c.priority_active)) + " -> " +
           store::PriorityName(c.priority_candidate);
  });
  list("Category changed", r.category_changed, [](const store::BacktestChange& c) {
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
      return out.empty() ? std::string("none") : out;
    };
    return join(c.categories_active) + " -> " + join(c.categories_candidate);
  });
  std::cout << "Per rule (candidate hits and what moderators decided on them)\n";
  std::cout << "  " << std::left << std::setw(44) << "rule" << std::right << std::setw(8) << "active"
            << std::setw(10) << "candidate" << std::setw(9) << "removed" << std::setw(10)
            << "approved" << std::setw(6) << "open" << std::setw(10) << "unseen" << "\n";
  for (const auto& x : r.rules) {
    std::string name = x.rule_id + (x.candidate ? (x.active ? "" : " (new)") : " (dropped)") +
                       (x.shadow ? " (shadow)" : "");
    std::cout << "  " << std::left << std::setw(44) << name << std::right << std::setw(8)
              << x.hits_active << std::setw(10) << x.hits_candidate << std::setw(9) << x.removed
              << std::setw(10) << x.approved << std::setw(6) << x.open << std::setw(10)
              << x.not_reviewed << "\n";
  }
  return 0;
}

}  // namespace

void RegisterReviewCommands(CLI::App& app, int* exit_code) {
  auto* serve = app.add_subcommand("serve", "serve the moderators' review page");
  auto db = std::make_shared<std::string>(DefaultDbPath());
  auto rules_dir = std::make_shared<std::string>();
  auto listen = std::make_shared<std::string>("http://127.0.0.1:8080");
  auto web = std::make_shared<std::string>();
  serve->add_option("--db", *db, "database file")->capture_default_str();
  serve->add_option("--rules", *rules_dir, "rules directory (default: the shipped rules/)");
  serve->add_option("--listen", *listen, "URL to listen on")->capture_default_str();
  serve->add_option("--web", *web, "serve the page from this folder instead of the built-in copy");
  auto outreach_db = std::make_shared<std::string>();
  auto status_file = std::make_shared<std::string>();
  serve->add_option("--outreach-db", *outreach_db,
                    "outreach database to show in the Outreach view (the daemon's is its --db "
                    "file); without it the view says outreach is not configured");
  serve->add_option("--status-file", *status_file,
                    "FOR TESTS ONLY: answer /api/status with this JSON file (re-read on every "
                    "request) instead of serve's own minimal status");
  auto proxy = std::make_shared<ProxyFlags>();
  serve->add_option("--public-url", proxy->public_url,
                    "the https:// address moderators use through a reverse proxy (review.public_url)");
  serve->add_option("--base-path", proxy->base_path,
                    "the page's sub-path behind the proxy, e.g. /aasr (default: --public-url's path)");
  serve->add_option("--trusted-proxy", proxy->trusted_proxies,
                    "an address or CIDR range whose X-Forwarded-For is believed (repeat for several)");
  serve->add_option("--secure-cookies", proxy->secure_cookies,
                    "on or off (default: on when --public-url is https)")
      ->check(CLI::IsMember({"on", "off"}));
  serve->callback([=] {
    *exit_code = Serve(*db, rules_dir->empty() ? DefaultRulesDirectory() : *rules_dir, *listen, *web,
                       *outreach_db, *status_file, *proxy);
  });

  // Under the `rules` command registered by rules_commands.cc.
  CLI::App* rules_cmd = app.get_subcommand("rules");
  auto* backtest = rules_cmd->add_subcommand(
      "backtest", "screen stored comments with candidate rules; compare with the active rules and "
                  "the moderators' decisions");
  auto candidate = std::make_shared<std::string>();
  auto bt_active = std::make_shared<std::string>();
  auto bt_db = std::make_shared<std::string>(DefaultDbPath());
  auto since = std::make_shared<std::string>("30d");
  auto format = std::make_shared<std::string>("text");
  backtest->add_option("candidate", *candidate, "directory of candidate rules")->required();
  backtest->add_option("--active", *bt_active, "active rules (default: the shipped rules/)");
  backtest->add_option("--db", *bt_db, "database file")->capture_default_str();
  backtest->add_option("--since", *since, "how far back: 30d, 12h, 90m or all")->capture_default_str();
  backtest->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
  backtest->callback([=] {
    *exit_code = BacktestCommand(*candidate, bt_active->empty() ? DefaultRulesDirectory() : *bt_active,
                                 *bt_db, *since, *format);
  });
}

}  // namespace aasr::cli
