// aasr-bot: one executable, one subcommand per job. See README.md.
#include <iostream>

#include <CLI/CLI.hpp>

#include "bot/cli/commands.h"
#include "bot/util/version.h"

int main(int argc, char** argv) {
  CLI::App app{"aasr-bot: moderation and outreach for the Alliance Against Seclusion and Restraint"};
  app.require_subcommand(1);
  // "aasr-bot 0.1.0": the number is CMake's project(VERSION) (bot/util/version.h).
  app.set_version_flag("--version", std::string("aasr-bot ") + aasr::kVersion);
  int exit_code = 0;
  aasr::cli::RegisterRulesCommands(app, &exit_code);
  aasr::cli::RegisterStoreCommands(app, &exit_code);
  aasr::cli::RegisterReviewCommands(app, &exit_code);
  aasr::cli::RegisterOutreachCommands(app, &exit_code);
  aasr::cli::RegisterPlatformCommands(app, &exit_code);
  aasr::cli::RegisterDaemonCommands(app, &exit_code);
  aasr::cli::RegisterDbCommands(app, &exit_code);
  aasr::cli::RegisterAlertsCommands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
