// `aasr-bot accounts check --config FILE`: for each configured account,
// verifies the credentials against the service and prints its capabilities.
// Exit 0 when all pass, 1 naming each account that failed and why (config
// errors included, at file:line:column), 2 for usage errors.
//
// `post` and `comments fetch` will join here once the outbox (outreach) and
// the store exist; they use the same MakePlatform().
#include <iostream>
#include <random>

#include "bot/cli/commands.h"
#include "bot/config/config.h"
#include "bot/platforms/factory.h"

namespace aasr::cli {

int AccountsCheck(const std::string& config_path, std::ostream& out, std::ostream& err) {
  auto config = config::LoadConfigFile(config_path);
  if (!config.ok()) {
    err << FormatErrors(config.errors());
    return 1;
  }
  if (config.value().accounts.empty()) {
    err << config_path << ": no accounts configured\n";
    return 1;
  }
  net::SeededRandom random(std::random_device{}());
  platforms::PlatformDeps deps;
  deps.random = &random;
  deps.timeout = net::Millis(15000);
  deps.max_attempts = 2;
  int failed = 0;
  for (const config::Account& a : config.value().accounts) {
    auto p = platforms::MakePlatform(a, deps);
    Status s = p.ok() ? p.value().platform->CheckCredentials() : Status(p.errors());
    if (!s.ok()) {
      ++failed;
      out << "FAIL " << a.name << " (" << config::PlatformName(a.platform) << "): ";
      for (size_t i = 0; i < s.errors().size(); ++i) out << (i ? "; " : "") << s.errors()[i].ToString();
      out << "\n";
      continue;
    }
    out << "ok   " << a.name << " (" << config::PlatformName(a.platform)
        << "): " << platforms::DescribeCapabilities(p.value().platform->capabilities()) << "\n";
  }
  if (failed > 0) err << failed << " of " << config.value().accounts.size() << " accounts failed\n";
  return failed > 0 ? 1 : 0;
}

void RegisterPlatformCommands(CLI::App& app, int* exit_code) {
  CLI::App* accounts = app.add_subcommand("accounts", "Social accounts from the config file");
  accounts->require_subcommand(1);
  CLI::App* check = accounts->add_subcommand("check", "Verify each account's credentials and print its capabilities");
  auto config_path = std::make_shared<std::string>();
  check->add_option("--config", *config_path, "Config file (YAML)")->required();
  check->callback([config_path, exit_code]() { *exit_code = AccountsCheck(*config_path, std::cout, std::cerr); });
}

}  // namespace aasr::cli
