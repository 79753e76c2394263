// `aasr-bot serve`: the review page and its API, until SIGINT or SIGTERM.
#include <csignal>
#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/review/server.h"
#include "bot/rules/active_rules.h"

namespace aasr::cli {
namespace {

int Serve(const std::string& db_path, const std::string& rules_dir, const std::string& listen,
          const std::string& web_dir) {
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
  review::ReviewServer server(st, [active] { return active->current(); },
                              std::make_shared<store::SystemClock>(), options);
  // Block the signals before the listener's threads start so only sigwait
  // below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
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

}  // namespace

void RegisterReviewCommands(CLI::App& app, int* exit_code) {
  auto* serve = app.add_subcommand("serve", "serve the moderators' review page");
  auto* db = new std::string(DefaultDbPath());
  auto* rules_dir = new std::string();
  auto* listen = new std::string("http://127.0.0.1:8080");
  auto* web = new std::string();
  serve->add_option("--db", *db, "database file")->capture_default_str();
  serve->add_option("--rules", *rules_dir, "rules directory (default: the shipped rules/)");
  serve->add_option("--listen", *listen, "URL to listen on")->capture_default_str();
  serve->add_option("--web", *web, "serve the page from this folder instead of the built-in copy");
  serve->callback([=] {
    *exit_code = Serve(*db, rules_dir->empty() ? DefaultRulesDirectory() : *rules_dir, *listen, *web);
  });
}

}  // namespace aasr::cli
