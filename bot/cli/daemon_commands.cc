// `aasr-bot run --config FILE [--log-format text|json]`: the bot as one
// service (bot/daemon/daemon.h) until SIGTERM or SIGINT, then a clean stop
// within 10 seconds and exit 0. SIGHUP reloads the config, rules, posts and
// schedules at once (systemctl reload) and the daemon carries on. Exit 2 when
// it cannot start (config, rules, posts or schedules errors at
// file:line:column; an unusable database; the database locked by another
// daemon; the listen address taken).
//
// Files and folders it creates are the owner's only (umask 077): the
// database holds password hashes, session and CSRF tokens, comments and
// moderators' IP addresses.
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include "bot/cli/commands.h"
#include "bot/daemon/daemon.h"
#include "bot/review/server.h"

namespace aasr::cli {
namespace {

int Run(const std::string& config_path, const std::string& log_format) {
  // Before anything is created: SQLite gives the -wal and -shm files the
  // database's mode, so 0600 for the database covers them too.
  ::umask(077);
  // Block the signals before any thread starts (threads inherit the mask) so
  // that only sigwait below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  review::SizeServerThreadPool();
  daemon::DaemonOptions options;
  options.config_path = config_path;
  options.log_format = log_format;
  auto d = daemon::Daemon::Start(options);
  if (!d.ok()) {
    std::cerr << FormatErrors(d.errors()) << "aasr-bot run: not started (" << d.errors().size()
              << " problem(s))\n";
    return 2;
  }
  std::cout << "aasr-bot is running. Review page: " << d.value()->url() << "/  (Ctrl-C stops)" << std::endl;
  int sig = 0;
  while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
    spdlog::info("signal SIGHUP: reloading");
    d.value()->Reload();
  }
  spdlog::info("signal {}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  const bool clean = d.value()->Stop(std::chrono::seconds(8));
  spdlog::default_logger()->flush();
  if (!clean) std::_Exit(0);  // threads still in a platform call are abandoned safely
  return 0;
}

int FirstAdmin(const std::string& config_path, const std::string& url_hint) {
  ::umask(077);  // it may create the database: 0600 as `run` would
  daemon::DaemonOptions options;
  auto loaded = config::LoadConfigFile(config_path);
  if (!loaded.ok()) {
    std::cerr << FormatErrors(loaded.errors());
    return 2;
  }
  auto pw = daemon::EnsureFirstAdmin(loaded.value().database, std::make_shared<aasr::SystemClock>());
  if (!pw.ok()) {
    std::cerr << FormatErrors(pw.errors());
    return 2;
  }
  if (pw.value().empty()) return 0;  // a moderator exists: say nothing
  const std::string url = url_hint.empty() ? loaded.value().review_listen : url_hint;
  std::cout << "\nFirst administrator created (shown once; add others with `aasr-bot users add`):\n"
            << "  review page: " << url << "/\n"
            << "  user:        admin\n"
            << "  password:    " << pw.value() << "\n\n";
  return 0;
}

}  // namespace

void RegisterDaemonCommands(CLI::App& app, int* exit_code) {
  auto* run = app.add_subcommand("run", "run the bot: outreach, moderation and the review page, until SIGTERM");
  auto* config_path = new std::string("config/bot.yaml");
  auto* log_format = new std::string();
  run->add_option("--config", *config_path, "config file (see config/README.md)")->capture_default_str();
  run->add_option("--log-format", *log_format, "text or json (default: the config's log.format)")
      ->check(CLI::IsMember({"text", "json"}));
  run->callback([=] { *exit_code = Run(*config_path, *log_format); });

  auto* admin = app.add_subcommand("first-admin",
                                   "create the moderator `admin` with a random password if there is no moderator "
                                   "yet, and print the login once (make run does this)");
  auto* admin_config = new std::string("config/bot.yaml");
  admin->add_option("--config", *admin_config, "config file")->capture_default_str();
  admin->callback([=] { *exit_code = FirstAdmin(*admin_config, ""); });
}

}  // namespace aasr::cli
