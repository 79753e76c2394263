// `aasr-bot alerts test --config FILE [--channel NAME]`: one test alert
// through each configured channel (or the one named), and what happened.
// Exit 0 when every channel took it, 1 when any failed, 2 on a config error.
#include <iostream>

#include "bot/alerts/channel.h"
#include "bot/cli/commands.h"
#include "bot/config/config.h"
#include "bot/util/clock.h"

namespace aasr::cli {

int AlertsTest(const std::string& config_path, const std::string& channel, std::ostream& out, std::ostream& err) {
  auto config = config::LoadConfigFile(config_path);
  if (!config.ok()) {
    err << FormatErrors(config.errors()) << "\n";
    return 2;
  }
  const config::Config& c = config.value();
  if (c.alerts.channels.empty()) {
    err << config_path << ": no alert channels (alerts.channels) to test\n";
    return 2;
  }
  if (!channel.empty() && !c.alerts.FindChannel(channel)) {
    err << config_path << ": no alert channel named '" << channel << "'\n";
    return 2;
  }
  alerts::Router router(c.alerts, c.review_public_url.empty() ? c.review_listen : c.review_public_url);
  const int64_t now = SystemClock().NowMs();
  int failed = 0, tried = 0;
  for (const config::AlertChannel& ch : c.alerts.channels) {
    if (!channel.empty() && ch.name != channel) continue;
    ++tried;
    alerts::Event e;
    e.kind = alerts::kTest;
    e.detail = "If you read this, alerts reach you here.";
    e.created_ms = now;
    auto sender = alerts::MakeChannel(ch, {});
    alerts::SendOutcome o =
        sender->Send(alerts::Render(e, ch, router, "aasr-test-" + std::to_string(now) + "-" + ch.name));
    if (o.ok) {
      out << "ok   " << ch.name << " (" << config::ChannelKindName(ch.kind) << "): test alert sent\n";
    } else {
      ++failed;
      out << "FAIL " << ch.name << " (" << config::ChannelKindName(ch.kind) << "): " << o.error << "\n";
    }
  }
  if (failed) err << failed << " of " << tried << " alert channel(s) failed\n";
  return failed ? 1 : 0;
}

void RegisterAlertsCommands(CLI::App& app, int* exit_code) {
  CLI::App* alerts_cmd = app.add_subcommand("alerts", "Alerts to moderators (the config's alerts: section)");
  alerts_cmd->require_subcommand(1);
  CLI::App* test = alerts_cmd->add_subcommand("test", "Send a test alert through each channel and say what happened");
  auto config_path = std::make_shared<std::string>();
  auto channel = std::make_shared<std::string>();
  test->add_option("--config", *config_path, "Config file (YAML)")->required();
  test->add_option("--channel", *channel, "Only this channel");
  test->callback([config_path, channel, exit_code]() {
    *exit_code = AlertsTest(*config_path, *channel, std::cout, std::cerr);
  });
}

}  // namespace aasr::cli
