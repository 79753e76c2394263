// The config loader's accounts section, and `accounts check` end to end
// against the local platform and a fake Mastodon.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "bot/cli/commands.h"
#include "bot/config/config.h"
#include "tests/platforms/fake_mastodon.h"
#include "tests/platforms/test_dir.h"
#include "aasr/build_paths.h"

using namespace aasr;
using namespace aasr::config;

namespace {

Env MapEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, std::string> kAllSecrets = {
    {"AASR_MASTODON_TOKEN", "m-token"}, {"AASR_BSKY_PASSWORD", "b-pass"}, {"AASR_FB_PAGE_TOKEN", "f-token"},
    {"AASR_FB_APP_SECRET", "f-secret"}, {"AASR_FB_VERIFY_TOKEN", "f-verify"}};

std::string Errs(const Errors& e) { return FormatErrors(e); }

}  // namespace

TEST_CASE("config: the example file loads with every platform", "[config]") {
  std::string path = std::string(AASR_SOURCE_DIR) + "/config/bot.live.example.yaml";
  auto c = LoadConfigFile(path, MapEnv(kAllSecrets));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  REQUIRE(c.value().accounts.size() == 4);
  const Account* m = c.value().FindAccount("aasr-masto");
  REQUIRE(m != nullptr);
  CHECK(m->platform == PlatformKind::kMastodon);
  CHECK(m->token == "m-token");
  CHECK(m->token_env == "AASR_MASTODON_TOKEN");
  CHECK(m->hide_block);
  CHECK_FALSE(m->hide_mute);
  CHECK(m->thread_window_posts == 20);
  CHECK(m->thread_window_days == 7);
  const Account* b = c.value().FindAccount("aasr-bsky");
  REQUIRE(b != nullptr);
  CHECK(b->password == "b-pass");
  CHECK(b->handle == "aasr.bsky.social");
  const Account* f = c.value().FindAccount("aasr-fb");
  REQUIRE(f != nullptr);
  CHECK(f->page_id == "104857600000001");
  CHECK(f->app_secret == "f-secret");
  CHECK(f->verify_token == "f-verify");
  CHECK(c.value().FindAccount("local")->dir == "var");
  CHECK(c.value().FindAccount("nope") == nullptr);
}

TEST_CASE("config: a missing environment variable is located", "[config]") {
  std::string path = std::string(AASR_SOURCE_DIR) + "/config/bot.live.example.yaml";
  auto env = kAllSecrets;
  env.erase("AASR_BSKY_PASSWORD");
  auto c = LoadConfigFile(path, MapEnv(env));
  REQUIRE_FALSE(c.ok());
  REQUIRE(c.errors().size() == 1);
  const Error& e = c.errors()[0];
  CHECK(e.where.file == path);
  // The line of `password_env: AASR_BSKY_PASSWORD` in the example, wherever it moves.
  std::ifstream in(path);
  std::string line;
  int n = 0, expected = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find("password_env: AASR_BSKY_PASSWORD") != std::string::npos) expected = n;
  }
  CHECK(e.where.line == expected);
  CHECK(e.where.column == 19);
  CHECK(e.message == "environment variable AASR_BSKY_PASSWORD (password_env) is not set");
  CHECK(e.subject == "account aasr-bsky");
}

TEST_CASE("config: unknown platform - bad URL - unknown key - duplicates - a secret pasted in", "[config]") {
  std::string text =
      "accounts:\n"                                          // 1
      "  - name: a\n"                                        // 2
      "    platform: mastodn\n"                              // 3
      "  - name: b\n"                                        // 4
      "    platform: mastodon\n"                             // 5
      "    instance: \"mastodon.social\"\n"                  // 6
      "    token_env: AASR_MASTODON_TOKEN\n"                 // 7
      "    tokn_env: X\n"                                    // 8
      "  - name: b\n"                                        // 9
      "    platform: bluesky\n"                              // 10
      "    handle: x.bsky.social\n"                          // 11
      "    password_env: \"hunter2-not-a-name!\"\n"          // 12
      "  - {name: c, platform: facebook, page_id: \"abc\", token_env: T, app_secret_env: S}\n"  // 13
      "acounts: []\n";                                       // 14
  auto c = LoadConfigString(text, "bot.yaml", MapEnv({{"AASR_MASTODON_TOKEN", "t"}, {"T", "1"}, {"S", "2"}}));
  REQUIRE_FALSE(c.ok());
  std::string all = Errs(c.errors());
  INFO(all);
  CHECK(all.find("bot.yaml:3:15: unknown platform 'mastodn' (did you mean 'mastodon'?)") != std::string::npos);
  CHECK(all.find("bot.yaml:6:15: 'mastodon.social' is not an http(s) URL (instance)") != std::string::npos);
  CHECK(all.find("bot.yaml:8:5: unknown key 'tokn_env'") != std::string::npos);
  CHECK(all.find("bot.yaml:9:11: duplicate account name 'b'") != std::string::npos);
  CHECK(all.find("bot.yaml:12:19: 'hunter2-not-a-name!' is not an environment variable name") != std::string::npos);
  CHECK(all.find("hunter2") != std::string::npos);  // the name is shown; it is not a value read from the env
  CHECK(all.find("page_id must be the Page's numeric id") != std::string::npos);
  CHECK(all.find("bot.yaml:14:1: unknown key 'acounts'") != std::string::npos);

  auto syntax = LoadConfigString("accounts: [\n", "broken.yaml", MapEnv({}));
  REQUIRE_FALSE(syntax.ok());
  CHECK(syntax.errors()[0].where.file == "broken.yaml");
  CHECK(syntax.errors()[0].where.line >= 1);
  auto missing = LoadConfigFile("/nonexistent/bot.yaml", MapEnv({}));
  REQUIRE_FALSE(missing.ok());
  auto empty = LoadConfigString("", "empty.yaml", MapEnv({}));
  REQUIRE(empty.ok());
  CHECK(empty.value().accounts.empty());
}

TEST_CASE("config: graph_version defaults to v26.0 - a value that is not vN.N is named", "[config]") {
  const std::string base = "accounts:\n  - {name: f, platform: facebook, page_id: \"1045\", token_env: T, app_secret_env: S";
  auto c = LoadConfigString(base + "}\n", "bot.yaml", MapEnv({{"T", "1"}, {"S", "2"}}));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  CHECK(c.value().accounts[0].graph_version == "v26.0");
  auto v24 = LoadConfigString(base + ", graph_version: v24.0}\n", "bot.yaml", MapEnv({{"T", "1"}, {"S", "2"}}));
  REQUIRE(v24.ok());
  CHECK(v24.value().accounts[0].graph_version == "v24.0");
  auto bad = LoadConfigString(base + ", graph_version: \"26.0\"}\n", "bot.yaml", MapEnv({{"T", "1"}, {"S", "2"}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(Errs(bad.errors()).find("bot.yaml:2:") != std::string::npos);
  CHECK(Errs(bad.errors()).find("graph_version '26.0' is not a Graph API version such as v26.0") != std::string::npos);
}

TEST_CASE("config: the Mastodon thread window is read and bounded", "[config]") {
  std::string text =
      "accounts:\n"
      "  - {name: a, platform: mastodon, instance: \"https://m.example\", token_env: T, thread_window_posts: 5,\n"
      "     thread_window_days: 2}\n"
      "  - {name: b, platform: mastodon, instance: \"https://m.example\", token_env: T, thread_window_posts: 41}\n";
  auto c = LoadConfigString(text, "bot.yaml", MapEnv({{"T", "t"}}));
  REQUIRE_FALSE(c.ok());
  std::string all = Errs(c.errors());
  INFO(all);
  CHECK(all.find("thread_window_posts must be between 0 and 40, not 41") != std::string::npos);
  auto ok = LoadConfigString(text.substr(0, text.find("  - {name: b")), "bot.yaml", MapEnv({{"T", "t"}}));
  INFO(Errs(ok.errors()));
  REQUIRE(ok.ok());
  CHECK(ok.value().FindAccount("a")->thread_window_posts == 5);
  CHECK(ok.value().FindAccount("a")->thread_window_days == 2);
}

TEST_CASE("accounts check: ok and FAIL lines - exit 1 naming the failed account", "[config][cli]") {
  aasr::testing::FakeMastodon fake;
  aasr::testing::TestDir dir("accounts-check");
  ::setenv("AASR_TEST_MASTO_GOOD", "masto-token-123", 1);
  ::setenv("AASR_TEST_MASTO_BAD", "revoked", 1);
  std::string path = dir.path() + "/bot.yaml";
  std::ofstream(path) << "accounts:\n"
                         "  - {name: local, platform: local, dir: \"" + dir.path() + "/var\"}\n"
                         "  - {name: masto, platform: mastodon, instance: \"" + fake.url() +
                             "\", token_env: AASR_TEST_MASTO_GOOD}\n";
  std::ostringstream out, err;
  CHECK(aasr::cli::AccountsCheck(path, out, err) == 0);
  CHECK(out.str().find("ok   local (local): hide replies: yes") != std::string::npos);
  CHECK(out.str().find("ok   masto (mastodon): hide replies: no (instead: author blocked, reported to the "
                       "instance; the reply stays visible); delete: no; block: yes; report: yes; webhooks: no; "
                       "max text: 500; max images: 4") != std::string::npos);

  std::ofstream(path, std::ios::app) << "  - {name: masto-old, platform: mastodon, instance: \"" + fake.url() +
                                            "\", token_env: AASR_TEST_MASTO_BAD}\n";
  std::ostringstream out2, err2;
  CHECK(aasr::cli::AccountsCheck(path, out2, err2) == 1);
  CHECK(out2.str().find("FAIL masto-old (mastodon): GET " + fake.url() +
                        "/api/v1/accounts/verify_credentials: HTTP 401: The access token is invalid (masto-old)") !=
        std::string::npos);
  CHECK(out2.str().find("revoked") == std::string::npos);
  CHECK(err2.str() == "1 of 3 accounts failed\n");

  std::ofstream(path, std::ios::app) << "  - {name: bsky, platform: bluesky, handle: x.test, password_env: AASR_TEST_UNSET_VAR}\n";
  std::ostringstream out3, err3;
  CHECK(aasr::cli::AccountsCheck(path, out3, err3) == 1);
  CHECK(err3.str().find("bot.yaml:5:") != std::string::npos);
  CHECK(err3.str().find("environment variable AASR_TEST_UNSET_VAR (password_env) is not set") != std::string::npos);
}

TEST_CASE("config: the daemon's sections and their defaults", "[config]") {
  auto c = LoadConfigString(R"(
database: var/test.db
rules: my-rules
posts: my-posts
schedules: config/schedules.local.yaml
review: {listen: "http://127.0.0.1:9099"}
polling: {seconds: 30, jitter: 0.2, actions_seconds: 1, outreach_seconds: 15, reload_seconds: 3}
log: {format: json, level: debug, components: {intake: trace, review: warn}}
accounts:
  - {name: local, platform: local, dir: var, poll_seconds: 10}
)", "bot.yaml", MapEnv({}));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  const Config& k = c.value();
  CHECK(k.database == "var/test.db");
  CHECK(k.rules_dir == "my-rules");
  CHECK(k.posts_dir == "my-posts");
  CHECK(k.schedules == "config/schedules.local.yaml");
  CHECK(k.review_listen == "http://127.0.0.1:9099");
  CHECK(k.poll_seconds == 30);
  CHECK(k.poll_jitter == Approx(0.2));
  CHECK(k.actions_seconds == 1);
  CHECK(k.outreach_seconds == 15);
  CHECK(k.reload_seconds == 3);
  CHECK(k.log.format == "json");
  CHECK(k.log.level == "debug");
  REQUIRE(k.log.components.size() == 2);
  CHECK(k.log.components[0] == std::make_pair(std::string("intake"), std::string("trace")));
  CHECK(k.accounts[0].poll_seconds == 10);

  auto d = LoadConfigString("accounts: []\n", "bot.yaml", MapEnv({}));
  REQUIRE(d.ok());
  CHECK(d.value().database == "var/aasr.db");
  CHECK(d.value().review_listen == "http://127.0.0.1:8080");
  CHECK(d.value().poll_seconds == 60);
  CHECK(d.value().log.format == "text");
}

TEST_CASE("config: daemon section mistakes are located", "[config]") {
  auto c = LoadConfigString(R"(polling: {seconds: 0, jiter: 0.1}
log: {format: xml, level: verbose}
review: {listen: "127.0.0.1:8080"}
accounts:
  - {name: local, platform: local, poll_seconds: soon}
)", "bot.yaml", MapEnv({}));
  REQUIRE_FALSE(c.ok());
  std::string all = Errs(c.errors());
  INFO(all);
  CHECK(all.find("bot.yaml:1:20: seconds must be between 1 and 86400, not 0 (polling)") != std::string::npos);
  CHECK(all.find("bot.yaml:1:23: unknown key 'jiter' (did you mean 'jitter'?)") != std::string::npos);
  CHECK(all.find("bot.yaml:2:15: log format must be text or json") != std::string::npos);
  CHECK(all.find("unknown log level 'verbose'") != std::string::npos);
  CHECK(all.find("bot.yaml:3:18: '127.0.0.1:8080' is not an http(s) URL (listen)") != std::string::npos);
  CHECK(all.find("bot.yaml:5:50: poll_seconds must be a whole number (account local)") != std::string::npos);
}

TEST_CASE("config: retention is read, defaults to keeping everything, and mistakes are located",
          "[config][retention]") {
  auto none = LoadConfigString("accounts:\n  - {name: local, platform: local}\n", "bot.yaml", MapEnv({}));
  REQUIRE(none.ok());
  CHECK(!none.value().retention.any());

  auto c = LoadConfigString(R"(retention: {allowed_comments_days: 30, flagged_days: 365, audit_excerpt_days: 90}
accounts:
  - {name: local, platform: local}
)", "bot.yaml", MapEnv({}));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  CHECK(c.value().retention.allowed_days == 30);
  CHECK(c.value().retention.flagged_days == 365);
  CHECK(c.value().retention.audit_excerpt_days == 90);

  auto bad = LoadConfigString(R"(retention: {allowed_comments_days: 30, flagged_days: 7, audit_days: 1}
accounts:
  - {name: local, platform: local}
)", "bot.yaml", MapEnv({}));
  REQUIRE_FALSE(bad.ok());
  std::string all = Errs(bad.errors());
  INFO(all);
  CHECK(all.find("bot.yaml:1:54: flagged_days (7) is shorter than allowed_comments_days (30)") != std::string::npos);
  CHECK(all.find("unknown key 'audit_days'") != std::string::npos);
  auto negative = LoadConfigString("retention: {flagged_days: -1}\n", "bot.yaml", MapEnv({}));
  REQUIRE_FALSE(negative.ok());
  CHECK(Errs(negative.errors()).find("flagged_days must be between 0 and 36500, not -1 (retention)") != std::string::npos);
}

TEST_CASE("config: base_dir resolves relative paths against the config file's directory", "[config][paths]") {
  const std::string text = R"(base_dir: .
database: /var/lib/aasr-bot/aasr.db
rules: rules
posts: ../share/posts
schedules: schedules.yaml
accounts:
  - {name: local, platform: local, dir: inbox-and-outbox}
  - {name: bsky, platform: bluesky, handle: x.test, password_env: AASR_BSKY_PASSWORD, session_file: bsky.session}
)";
  auto c = LoadConfigString(text, "/etc/aasr-bot/bot.yaml", MapEnv(kAllSecrets));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  CHECK(c.value().base_dir == "/etc/aasr-bot");
  CHECK(c.value().database == "/var/lib/aasr-bot/aasr.db");  // absolute: kept
  CHECK(c.value().rules_dir == "/etc/aasr-bot/rules");
  CHECK(c.value().posts_dir == "/etc/share/posts");
  CHECK(c.value().schedules == "/etc/aasr-bot/schedules.yaml");
  CHECK(c.value().accounts[0].dir == "/etc/aasr-bot/inbox-and-outbox");
  CHECK(c.value().accounts[1].session_file == "/etc/aasr-bot/bsky.session");

  // An absolute base_dir (the state directory), the config anywhere.
  auto s = LoadConfigString("base_dir: /var/lib/aasr-bot\ndatabase: aasr.db\naccounts: [{name: local, platform: local}]\n",
                            "/tmp/x/bot.yaml", MapEnv({}));
  REQUIRE(s.ok());
  CHECK(s.value().database == "/var/lib/aasr-bot/aasr.db");
  CHECK(s.value().accounts[0].dir == "/var/lib/aasr-bot/var");  // the default dir, too
  CHECK(s.value().rules_dir == "/var/lib/aasr-bot/rules");

  // A relative config path and base_dir: still relative to the file's folder.
  auto r = LoadConfigString("base_dir: ..\nrules: rules\n", "config/bot.yaml", MapEnv({}));
  REQUIRE(r.ok());
  CHECK(r.value().rules_dir == "rules");
  CHECK(r.value().database == "var/aasr.db");

  // Without base_dir nothing changes: paths stay relative to the working directory.
  auto w = LoadConfigString("database: var/aasr.db\nrules: rules\n", "/etc/aasr-bot/bot.yaml", MapEnv({}));
  REQUIRE(w.ok());
  CHECK(w.value().base_dir.empty());
  CHECK(w.value().database == "var/aasr.db");
  CHECK(w.value().rules_dir == "rules");

  auto e = LoadConfigString("base_dir: \"\"\n", "bot.yaml", MapEnv({}));
  REQUIRE_FALSE(e.ok());
  CHECK(Errs(e.errors()).find("bot.yaml:1:11: the path must not be empty") != std::string::npos);
}

TEST_CASE("config: the review server's connection caps and timeouts, defaults and mistakes", "[config]") {
  auto d = LoadConfigString("accounts: []\n", "bot.yaml", MapEnv({}));
  REQUIRE(d.ok());
  const ReviewTransport& t = d.value().review_transport;
  CHECK(t.max_connections == 1024);
  CHECK(t.max_connections_per_address == 128);
  CHECK(t.header_timeout_seconds == 10);
  CHECK(t.idle_timeout_seconds == 30);
  CHECK(t.body_timeout_seconds == 30);

  auto c = LoadConfigString(R"(review: {max_connections: 50, max_connections_per_address: 400, header_timeout_seconds: 2,
          idle_timeout_seconds: 5, body_timeout_seconds: 7}
accounts: []
)", "bot.yaml", MapEnv({}));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  CHECK(c.value().review_transport.max_connections == 50);
  CHECK(c.value().review_transport.max_connections_per_address == 400);
  CHECK(c.value().review_transport.header_timeout_seconds == 2);
  CHECK(c.value().review_transport.idle_timeout_seconds == 5);
  CHECK(c.value().review_transport.body_timeout_seconds == 7);

  auto bad = LoadConfigString("review: {max_connections: 0, idle_timeout_seconds: soon}\naccounts: []\n", "bot.yaml",
                              MapEnv({}));
  REQUIRE_FALSE(bad.ok());
  const std::string all = Errs(bad.errors());
  INFO(all);
  CHECK(all.find("bot.yaml:1:27: max_connections must be between 1 and 100000, not 0 (review)") != std::string::npos);
  CHECK(all.find("bot.yaml:1:52: idle_timeout_seconds must be a whole number (review)") != std::string::npos);
}

TEST_CASE("config: the review server behind a reverse proxy", "[config][proxy]") {
  auto c = LoadConfigString(R"(review:
  listen: "http://127.0.0.1:8080"
  public_url: "https://review.example.org/aasr/"
  trusted_proxies: [127.0.0.1, "::1", 10.0.0.0/8]
  secure_cookies: false
  base_path: /mod/
accounts: []
)", "bot.yaml", MapEnv({}));
  INFO(Errs(c.errors()));
  REQUIRE(c.ok());
  CHECK(c.value().review_public_url == "https://review.example.org/aasr");
  CHECK(c.value().review_trusted_proxies == std::vector<std::string>{"127.0.0.1", "::1", "10.0.0.0/8"});
  CHECK(c.value().review_secure_cookies == std::optional<bool>(false));
  CHECK(c.value().review_base_path == "/mod");
  auto d = LoadConfigString("accounts: []\n", "bot.yaml", MapEnv({}));
  REQUIRE(d.ok());
  CHECK(d.value().review_trusted_proxies.empty());
  CHECK_FALSE(d.value().review_secure_cookies.has_value());
  CHECK(d.value().review_base_path.empty());

  auto bad = LoadConfigString(R"(review:
  listen: "https://0.0.0.0:8443"
  trusted_proxies: [127.0.0.1, 10.0.0.0/33, nginx]
  secure_cookies: maybe
  base_path: "aasr"
accounts: []
)", "bot.yaml", MapEnv({}));
  REQUIRE_FALSE(bad.ok());
  std::string all = Errs(bad.errors());
  INFO(all);
  CHECK(all.find("bot.yaml:2:11: the review server does not serve TLS itself") != std::string::npos);
  CHECK(all.find("packaging/nginx/aasr-bot.conf") != std::string::npos);
  CHECK(all.find("bot.yaml:3:32: '10.0.0.0/33' is not an IP address or CIDR range") != std::string::npos);
  CHECK(all.find("bot.yaml:3:45: 'nginx' is not an IP address or CIDR range") != std::string::npos);
  CHECK(all.find("bot.yaml:4:19: secure_cookies must be true or false") != std::string::npos);
  CHECK(all.find("bot.yaml:5:14: base_path 'aasr' must be a path such as /aasr") != std::string::npos);
}
