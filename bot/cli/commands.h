// Subcommands of the aasr-bot executable. Each concern registers its own
// subcommands on the shared CLI11 app; main.cc only calls the Register*
// functions. A command's callback sets *exit_code (0 success, 1 the check
// failed, 2 usage or I/O error).
//
// Option storage: CLI11 binds options to variables that must outlive parsing
// and the callback. Each Register* keeps them in std::make_shared values
// captured by the callback, so the app owns them and frees them with itself
// (never a bare `new`, which LeakSanitizer reports in every process).
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>

#include "bot/rules/eval.h"
#include "bot/util/clock.h"

namespace aasr::cli {

// `rules check`, `rules test`, `screen`
void RegisterRulesCommands(CLI::App& app, int* exit_code);

// `rules eval` (bot/cli/eval_commands.cc), on the `rules` subcommand.
// RegisterRulesCommands passes `screen`'s author reader, so a corpus line's
// `author` means exactly what it means to `screen`.
void RegisterRulesEval(CLI::App& rules_cmd, int* exit_code, rules::AuthorReader read_author);

// `queue ingest`, `queue list`, `users add`
void RegisterStoreCommands(CLI::App& app, int* exit_code);

// `serve`, `rules backtest`
void RegisterReviewCommands(CLI::App& app, int* exit_code);

// `posts validate`, `posts preview`, `posts plan`, `posts outbox`
void RegisterOutreachCommands(CLI::App& app, int* exit_code);

// `accounts check`, `post`, `comments fetch` (bot/cli/platform_commands.cc)
void RegisterPlatformCommands(CLI::App& app, int* exit_code);
// The body of `accounts check`, callable from tests.
int AccountsCheck(const std::string& config_path, std::ostream& out, std::ostream& err);

// `db backup`, `db restore`, `db check` (bot/cli/db_commands.cc)
void RegisterDbCommands(CLI::App& app, int* exit_code);

// `alerts test` (bot/cli/alerts_commands.cc)
void RegisterAlertsCommands(CLI::App& app, int* exit_code);
int AlertsTest(const std::string& config_path, const std::string& channel, std::ostream& out, std::ostream& err);

// `run`, `first-admin` (bot/cli/daemon_commands.cc)
void RegisterDaemonCommands(CLI::App& app, int* exit_code);
struct PostRequest {
  std::string config_path, account, text, link, image, alt;
  std::string db_path;  // default var/aasr.db
};
// The bodies of `post` and `comments fetch`, callable from tests (the clock
// sets the dedupe window of `post`).
int PostCommand(const PostRequest& req, const Clock& clock, std::ostream& out, std::ostream& err);
int CommentsFetch(const std::string& config_path, const std::string& account,
                  const std::string& db_path, const std::string& rules_dir, std::ostream& out,
                  std::ostream& err);

}  // namespace aasr::cli
