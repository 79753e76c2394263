// The commands that reach a platform, all through MakePlatform():
//
// `aasr-bot accounts check --config FILE`: for each configured account,
// verifies the credentials against the service and prints its capabilities.
// Exit 0 when all pass, 1 naming each account that failed and why (config
// errors included, at file:line:column), 2 for usage errors.
//
// `aasr-bot post --config FILE --account NAME --text TEXT [--link URL]
// [--image FILE --alt TEXT] [--db FILE]`: publishes one post now through the
// composer and the outbox that scheduled posts use (outbox row kind
// "manual"). Exactly once: the idempotency key derives from the account, a
// hash of the content (text, link, image bytes, alt) and the start of the
// current 24-hour window (UTC days); the same content posted again while the
// earlier post is less than 24 hours old prints "already published: URL".
// A failure leaves the row planned (retried by the daemon, or by running the
// command again) or failed after the retry policy's attempts; `posts outbox`
// shows it. Exit 0 published (or already), 1 the platform refused (the
// account named), 2 usage, config or composition errors.
//
// `aasr-bot comments fetch --config FILE --account NAME [--db FILE]
// [--rules DIR]`: one intake round (bot/moderation/intake.h) and the
// account's due platform actions; one JSON line per fetched comment on
// stdout. Exit 0; 1 when the fetch (or storing a comment) failed; 2 usage.
#include <filesystem>
#include <optional>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/config/config.h"
#include "bot/moderation/intake.h"
#include "bot/outreach/composer.h"
#include "bot/outreach/outbox.h"
#include "bot/outreach/pipeline.h"
#include "bot/outreach/planner.h"
#include "bot/outreach/store.h"
#include "bot/platforms/factory.h"

namespace aasr::cli {
namespace {

namespace fs = std::filesystem;

// The dedupe window of `post`: 24 hours, aligned to UTC midnight.
constexpr int64_t kPostWindowSeconds = 86400;

struct AccountSetup {
  config::Config config;
  const config::Account* account = nullptr;
};

// Loads the config and finds the account, or prints why not (exit 2).
std::optional<AccountSetup> LoadAccount(const std::string& config_path, const std::string& name) {
  auto config = config::LoadConfigFile(config_path);
  if (!config.ok()) {
    std::cerr << FormatErrors(config.errors());
    return std::nullopt;
  }
  AccountSetup s{std::move(config).value(), nullptr};
  s.account = s.config.FindAccount(name);
  if (!s.account) {
    std::string names;
    for (const auto& a : s.config.accounts) names += (names.empty() ? "" : ", ") + a.name;
    std::cerr << config_path << ": no account '" << name << "' (configured: "
              << (names.empty() ? "none" : names) << ")\n";
    return std::nullopt;
  }
  return s;
}

std::string AccountErrors(const std::string& account, const Errors& errors) {
  std::string out;
  for (const Error& e : errors) out += account + ": " + e.ToString() + "\n";
  return out;
}

Result<std::string> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{{path, 0, 0}, "--image", "cannot open the image"};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// stdout carries the command's answer (a URL, JSON lines); the outbox and
// platform logs go to stderr.
void LogToStderr() {
  static const bool done = [] {
    spdlog::set_default_logger(spdlog::stderr_logger_mt("aasr-bot-cli"));
    return true;
  }();
  (void)done;
}

}  // namespace

int PostCommand(const PostRequest& req, const Clock& clock, std::ostream& out, std::ostream& err) {
  LogToStderr();
  if (req.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    err << "--text: the post needs a text\n";
    return 2;
  }
  if (!req.image.empty() && req.alt.find_first_not_of(" \t\r\n") == std::string::npos) {
    err << "--image needs --alt: every image is posted with alt text describing it\n";
    return 2;
  }
  if (req.image.empty() && !req.alt.empty()) {
    err << "--alt is for an --image; none given\n";
    return 2;
  }
  auto setup = LoadAccount(req.config_path, req.account);
  if (!setup) return 2;
  const config::Account& account = *setup->account;
  const std::string platform_name = config::PlatformName(account.platform);

  // Compose as scheduled posts are composed, but never shorten what a person
  // wrote: a text over the platform's limit is refused.
  auto limits = outreach::LimitsForPlatform(platform_name);
  if (!limits) {
    err << account.name << ": no post limits for platform " << platform_name << "\n";
    return 2;
  }
  outreach::Templates templates;
  templates.path = "aasr-bot post";
  // A link card carries the link unless an image takes the post's one
  // embed (Bluesky): then the link stays in the text, and counts.
  const std::string tmpl = limits->link_card && req.image.empty() ? "{caption}" : "{caption}\n\n{link}";
  templates.by_kind["manual"]["default"] = {tmpl};
  outreach::ComposeInput input;
  input.kind = "manual";
  input.item_id = "post";
  input.values = {{"caption", req.text}, {"link", req.link}};
  if (!req.image.empty()) input.images.push_back({req.image, req.alt, ""});
  const std::string full = outreach::RenderTemplate(tmpl, input.values);
  if (!outreach::Fits(full, *limits)) {
    auto m = outreach::MeasureText(full, *limits);
    err << account.name << ": the text is too long for " << platform_name << ": " << m.units << " of "
        << limits->max_units
        << (limits->unit == outreach::PlatformLimits::Unit::kGraphemes ? " graphemes" : " characters");
    if (limits->max_bytes) err << " (" << m.bytes << " of " << limits->max_bytes << " bytes)";
    err << "\n";
    return 2;
  }
  std::string image_bytes;
  if (!req.image.empty()) {
    auto bytes = ReadBytes(req.image);
    if (!bytes.ok()) {
      err << FormatErrors(bytes.errors());
      return 2;
    }
    image_bytes = std::move(bytes).value();
  }
  std::error_code ec;
  outreach::Composer composer(templates, (fs::temp_directory_path() / "aasr-bot-image-cache").string());
  auto composed = composer.Compose(input, *limits, account.name);
  if (!composed.ok()) {
    err << AccountErrors(account.name, composed.errors());
    return 2;
  }

  // Same content, same window: same key, so the outbox refuses a second row
  // and the platform (Mastodon's Idempotency-Key, Bluesky's record key)
  // refuses a second post.
  const int64_t now = clock.NowUnix();
  const int64_t window = now - now % kPostWindowSeconds;
  const std::string content = outreach::IdempotencyKey(
      account.name, "manual-content",
      req.text + "\n" + req.link + "\n" + req.alt + "\n" + std::to_string(image_bytes.size()) + "\n" +
          image_bytes);
  auto key_for = [&](int64_t w) {
    return outreach::IdempotencyKey(account.name, "manual", content + "\n" + std::to_string(w));
  };

  if (!req.db_path.empty()) {
    auto parent = fs::path(req.db_path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  auto store = outreach::OutreachStore::Open(req.db_path);
  if (!store.ok()) {
    err << FormatErrors(store.errors());
    return 2;
  }
  // The previous window's post still counts while it is under 24 hours old.
  auto published = store.value()->ListOutbox(outreach::OutboxState::kPublished);
  if (!published.ok()) {
    err << FormatErrors(published.errors());
    return 2;
  }
  for (const outreach::OutboxRow& r : published.value()) {
    if (r.account == account.name && r.post.idempotency_key == key_for(window - kPostWindowSeconds) &&
        r.updated_at > now - kPostWindowSeconds) {
      out << "already published: " << r.url << "\n";
      return 0;
    }
  }

  outreach::PlanEntry entry;
  entry.at = now;
  entry.account = account.name;
  entry.platform = platform_name;
  entry.kind = "manual";
  entry.item_id = content.substr(5, 12);  // "aasr-" + hex: a short id for people
  entry.title = req.text;
  entry.idempotency_key = key_for(window);
  outreach::Outbox outbox(*store.value(), clock);
  auto row_id = outbox.Enqueue(entry, composed.value().post);
  if (!row_id.ok()) {
    err << FormatErrors(row_id.errors());
    return 2;
  }
  auto row = store.value()->GetOutbox(row_id.value());
  if (!row.ok() || !row.value()) {
    err << (row.ok() ? "outbox row vanished\n" : FormatErrors(row.errors()));
    return 2;
  }
  if (row.value()->state == outreach::OutboxState::kPublished) {
    out << "already published: " << row.value()->url << "\n";
    return 0;
  }
  if (row.value()->state == outreach::OutboxState::kFailed) {
    err << account.name << ": outbox row " << row.value()->id << " gave up after " << row.value()->attempts
        << " attempts: " << row.value()->error << "\n";
    return 1;
  }

  net::SeededRandom random(std::random_device{}());
  platforms::PlatformDeps deps;
  deps.random = &random;
  auto platform = platforms::MakePlatform(account, deps);
  if (!platform.ok()) {
    err << AccountErrors(account.name, platform.errors());
    return 1;
  }
  outreach::SendReport sent = outbox.SendNow(row_id.value(), *platform.value().platform);
  auto after = store.value()->GetOutbox(row_id.value());
  if (after.ok() && after.value() && after.value()->state == outreach::OutboxState::kPublished) {
    out << after.value()->url << "\n";
    return 0;
  }
  err << AccountErrors(account.name, sent.errors);
  if (after.ok() && after.value())
    err << account.name << ": outbox row " << after.value()->id << " is "
        << outreach::OutboxStateName(after.value()->state) << " (see `aasr-bot posts outbox`)\n";
  return 1;
}

int CommentsFetch(const std::string& config_path, const std::string& account_name,
                  const std::string& db_path, const std::string& rules_dir, std::ostream& out,
                  std::ostream& err) {
  LogToStderr();
  auto setup = LoadAccount(config_path, account_name);
  if (!setup) return 2;
  const config::Account& account = *setup->account;
  auto rules = LoadRulesOrReport(rules_dir);
  if (!rules) return 2;
  auto store = OpenStoreOrReport(db_path);
  if (!store) return 2;
  net::SeededRandom random(std::random_device{}());
  platforms::PlatformDeps deps;
  deps.random = &random;
  auto platform = platforms::MakePlatform(account, deps);
  if (!platform.ok()) {
    err << AccountErrors(account.name, platform.errors());
    return 1;
  }
  SystemClock clock;
  moderation::IntakeDeps d{platform.value().platform.get(), store.get(), rules, &clock, account.name};
  auto round = moderation::FetchAndScreen(d);
  if (!round.ok()) {
    err << AccountErrors(account.name, round.errors());
    return 1;
  }
  int queued = 0, hidden = 0;
  for (const moderation::IntakeItem& it : round.value().items) {
    nlohmann::ordered_json j = rules::VerdictToJson(it.verdict, it.comment_id);
    j["remote_id"] = it.comment.remote_id;
    if (it.item_id) j["item_id"] = it.item_id;
    j["hidden"] = it.hidden;
    if (!it.hidden && !it.hide_note.empty()) j["note"] = it.hide_note;
    out << j.dump() << "\n";
    queued += it.item_id ? 1 : 0;
    hidden += it.hidden ? 1 : 0;
  }
  moderation::ActionReport actions = moderation::CarryOutActions(d, moderation::ActionRetry{});
  for (const Error& e : round.value().errors) err << account.name << ": " << e.ToString() << "\n";
  for (const Error& e : actions.errors) err << account.name << ": " << e.ToString() << "\n";
  err << account.name << ": " << round.value().items.size() << " comment(s), " << queued << " queued, "
      << hidden << " hidden; actions: " << actions.done << " done, " << actions.retrying << " to retry, "
      << actions.failed << " failed\n";
  // A comment that could not be stored fails the round (the cursor stayed).
  return round.value().complete ? 0 : 1;
}

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
    const std::string note = p.value().platform->CredentialsNote();
    if (!note.empty()) out << "     " << note << "\n";
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

  auto post_req = std::make_shared<PostRequest>();
  post_req->db_path = DefaultDbPath();
  CLI::App* post = app.add_subcommand("post", "Publish one post now, exactly once (through the outbox)");
  post->add_option("--config", post_req->config_path, "Config file (YAML)")->required();
  post->add_option("--account", post_req->account, "Account name from the config")->required();
  post->add_option("--text", post_req->text, "The post's text")->required();
  post->add_option("--link", post_req->link, "A link (Bluesky: a link card; elsewhere after the text)");
  post->add_option("--image", post_req->image, "An image file (PNG or JPEG); needs --alt");
  post->add_option("--alt", post_req->alt, "Alt text describing the image (required with --image)");
  post->add_option("--db", post_req->db_path, "Database (default var/aasr.db)");
  post->callback([post_req, exit_code]() {
    SystemClock clock;
    *exit_code = PostCommand(*post_req, clock, std::cout, std::cerr);
  });

  auto fetch_config = std::make_shared<std::string>();
  auto fetch_account = std::make_shared<std::string>();
  auto fetch_db = std::make_shared<std::string>(DefaultDbPath());
  auto fetch_rules = std::make_shared<std::string>();
  CLI::App* comments = app.add_subcommand("comments", "Comments on the bot's accounts");
  comments->require_subcommand(1);
  CLI::App* fetch = comments->add_subcommand(
      "fetch", "Fetch new comments of one account, screen, store, queue and hide; one JSON line each");
  fetch->add_option("--config", *fetch_config, "Config file (YAML)")->required();
  fetch->add_option("--account", *fetch_account, "Account name from the config")->required();
  fetch->add_option("--db", *fetch_db, "Database (default var/aasr.db)");
  fetch->add_option("--rules", *fetch_rules, "Rules directory (default ./rules)");
  fetch->callback([=]() {
    *exit_code = CommentsFetch(*fetch_config, *fetch_account, *fetch_db,
                               fetch_rules->empty() ? DefaultRulesDirectory() : *fetch_rules, std::cout,
                               std::cerr);
  });
}

}  // namespace aasr::cli
