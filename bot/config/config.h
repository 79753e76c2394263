// Config: the one loader of the bot's config file (YAML).
//
// Sections: `accounts` (below), and for the daemon `database`, `rules`,
// `posts`, `schedules`, `review`, `polling`, `log`, `alerts` (see config/README.md).
// A section is one struct field and one entry in the section table of
// config.cc, so every section gets the same unknown-key ("did you mean")
// checks and file:line:column errors.
//
// Paths (database, rules, posts, schedules, accounts' dir and session_file):
// an absolute path is kept. A relative one is kept as written, i.e. relative
// to the working directory (what `make run` relies on), unless the file sets
// `base_dir:`; then it is joined to base_dir, and a relative base_dir is
// itself relative to the config file's own directory (`base_dir: .` means
// "next to this file"). So an installed config works from any directory.
//
//   database: var/aasr.db
//   review: {listen: "http://127.0.0.1:8080"}
//   accounts:
//     - {name: local, platform: local, dir: var}
//     - name: aasr-masto
//       platform: mastodon
//       instance: "https://mastodon.example"
//       token_env: AASR_MASTODON_TOKEN
//
// Credentials never live in the file: it holds the NAMES of environment
// variables (`*_env` keys), and the loader reads them through the injected
// Env. A missing variable, an unknown platform, a bad URL, a duplicate name
// or an unknown key is an Error at its file:line:column; every problem in
// the file is reported at once. Nothing throws.
// Thread safety: loading is a pure function of (text, env).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/util/error.h"

namespace aasr::config {

enum class PlatformKind { kLocal, kMastodon, kBluesky, kFacebook };
const char* PlatformName(PlatformKind k);

struct Account {
  std::string name;
  PlatformKind platform = PlatformKind::kLocal;
  Location where;  // the account's entry in the file
  int poll_seconds = 0;  // 0: polling.seconds

  // local
  std::string dir = "var";
  // mastodon
  std::string instance;
  std::string token_env, token;
  bool hide_block = true, hide_mute = false, hide_report = true;  // `hide_fallback: [block, report]`
  // Replies that do not mention the account are read from the threads of
  // its last `thread_window_posts` posts of the last `thread_window_days`.
  int thread_window_posts = 20, thread_window_days = 7;
  // bluesky
  std::string service = "https://bsky.social";
  std::string handle;
  std::string password_env, password;
  std::string session_file;  // optional token cache (mode 0600)
  // facebook
  std::string page_id;
  std::string graph = "https://graph.facebook.com";
  std::string graph_version = "v26.0";  // the current Graph API version (graph-api/changelog, July 2026)
  std::string app_secret_env, app_secret;
  std::string verify_token_env, verify_token;
};

// One place alerts go (`alerts.channels[]`, config/README.md "Alerts").
enum class ChannelKind { kEmail, kWebhook, kSlack, kDiscord, kMatrix, kNtfy };
const char* ChannelKindName(ChannelKind k);

struct QuietHours {
  int from_minute = -1;  // minutes after local midnight; -1: no quiet hours
  int to_minute = -1;    // may be before from_minute: the quiet spans midnight
  std::string time_zone = "UTC";  // IANA (cctz)
};

struct AlertChannel {
  std::string name;
  ChannelKind kind = ChannelKind::kWebhook;
  Location where;
  std::string url;  // email: smtp:// or smtps://; matrix: the homeserver; ntfy: the server with the topic
  // email
  std::string from;
  std::vector<std::string> to;
  std::string starttls = "required";  // required | optional | off (smtp:// only)
  std::string username;
  std::string password_env, password;
  // webhook: HMAC-SHA256 key; matrix / ntfy: access token
  std::string secret_env, secret;
  std::string token_env, token;
  std::string room;  // matrix: !room:server
  // Characters of the comment an alert may carry; 0: none (e-mail's default).
  int excerpt = 0;
  QuietHours quiet;
  std::string digest;      // "" | "hourly" | "daily"
  int digest_hour = 8;     // daily digests: local hour they go out
  int max_per_minute = 10; // more than this and due alerts become one summary a minute
};

// Which events go where (`alerts.routes[]`); an empty list matches everything.
struct AlertRoute {
  std::vector<std::string> events;      // new_item escalated crisis_undecided account_down post_failed reload_rejected
  std::vector<std::string> categories;  // new_item / escalated: any of these categories
  std::vector<int> priorities;          // 0 low .. 3 urgent
  std::vector<std::string> channels;
  Location where;
};

struct AlertsConfig {
  std::vector<AlertChannel> channels;
  std::vector<AlertRoute> routes;
  int crisis_undecided_minutes = 15;  // 0: off
  int account_down_minutes = 30;      // 0: off
  const AlertChannel* FindChannel(const std::string& name) const;
};

struct LogConfig {
  std::string format = "text";             // "text" | "json"
  std::string level = "info";              // trace debug info warn error critical off
  std::vector<std::pair<std::string, std::string>> components;  // component -> level
};

// `retention:` how long the store keeps what (bot/store/lifecycle.h
// says exactly what is blanked). 0 keeps that kind forever.
struct Retention {
  int allowed_days = 0;        // allowed_comments_days: comments that passed screening
  int flagged_days = 0;        // flagged_days: flagged comments, once decided
  int audit_excerpt_days = 0;  // audit_excerpt_days: quoted text in audit notes
  bool any() const { return allowed_days > 0 || flagged_days > 0 || audit_excerpt_days > 0; }
};

// The review server's transport bounds (bot/review/http_server.h); the
// defaults are TransportOptions'.
struct ReviewTransport {
  int max_connections = 1024;
  int max_connections_per_address = 128;  // raise it behind a reverse proxy
  int header_timeout_seconds = 10;
  int idle_timeout_seconds = 30;
  int body_timeout_seconds = 30;
};

struct Config {
  std::string file;
  std::string base_dir;  // as resolved; "" when the file has no base_dir (paths: the working directory's)
  std::vector<Account> accounts;
  // The daemon's sections; defaults are the embedded default's.
  std::string database = "var/aasr.db";
  std::string rules_dir = "rules";
  std::string posts_dir = "posts";
  std::string schedules;                   // empty: no outreach schedules
  std::string saved_replies = "config/replies.yaml";  // bot/replies/saved.h
  std::string review_listen = "http://127.0.0.1:8080";
  // Where moderators reach the review page (the link in every alert); empty: review_listen.
  std::string review_public_url;
  ReviewTransport review_transport;
  // Behind a reverse proxy (config/README.md "review"): only these peers'
  // X-Forwarded-For is believed; the page's sub-path (default: public_url's
  // path); Secure cookies (default: on when public_url is https).
  std::vector<std::string> review_trusted_proxies;
  std::string review_base_path;
  std::optional<bool> review_secure_cookies;
  AlertsConfig alerts;
  int poll_seconds = 60;                   // per account unless it says otherwise
  double poll_jitter = 0.1;                // +-10% so accounts do not poll in step
  int actions_seconds = 2;                 // how often moderators' decisions are carried out
  int outreach_seconds = 30;               // outreach tick
  int reload_seconds = 2;                  // how often files are checked for changes
  LogConfig log;
  Retention retention;
  // health: /healthz and /metrics (config/README.md "health").
  struct Health {
    // The environment variable holding a bearer token for /metrics and the
    // detailed /healthz from anywhere but this machine; empty: those answer
    // only local requests (loopback, and not forwarded by a proxy).
    std::string token_env;
    std::string token;
    // An account whose last good poll is older than this many poll
    // intervals (and at least stall_min_seconds) makes /healthz fail (503).
    int stall_polls = 3;
    int stall_min_seconds = 120;
  } health;

  const Account* FindAccount(const std::string& name) const;
};

// Looks up an environment variable; nullopt when unset.
using Env = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> ProcessEnv(const std::string& name);

Result<Config> LoadConfigFile(const std::string& path, const Env& env = ProcessEnv);
Result<Config> LoadConfigString(const std::string& text, const std::string& name, const Env& env = ProcessEnv);

}  // namespace aasr::config
