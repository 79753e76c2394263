#include "bot/platforms/factory.h"

#include "bot/platforms/bluesky.h"
#include "bot/platforms/facebook.h"
#include "bot/platforms/local_platform.h"
#include "bot/platforms/mastodon.h"

namespace aasr::platforms {

Result<AccountPlatform> MakePlatform(const config::Account& a, const PlatformDeps& deps) {
  if (deps.random == nullptr || deps.clock == nullptr) {
    return Error{a.where, a.name, "MakePlatform needs a clock and a random source"};
  }
  AccountPlatform out;
  net::Options o;
  o.subject = a.name;
  o.timeout = deps.timeout;
  o.max_attempts = deps.max_attempts;
  switch (a.platform) {
    case config::PlatformKind::kLocal:
      out.platform = std::make_unique<LocalPlatform>(a.name, a.dir, deps.clock);
      return out;
    case config::PlatformKind::kMastodon: {
      o.budgets = net::MastodonBudgets();
      out.http = std::make_unique<net::HttpClient>(o, deps.clock, deps.random);
      MastodonConfig c;
      c.account = a.name;
      c.instance = a.instance;
      c.token = a.token;
      c.hide_policy = {a.hide_block, a.hide_mute, a.hide_report};
      c.thread_window_posts = a.thread_window_posts;
      c.thread_window_days = a.thread_window_days;
      out.platform = std::make_unique<MastodonPlatform>(c, out.http.get(), deps.clock);
      return out;
    }
    case config::PlatformKind::kBluesky: {
      o.budgets = net::BlueskyBudgets();
      out.http = std::make_unique<net::HttpClient>(o, deps.clock, deps.random);
      BlueskyConfig c;
      c.account = a.name;
      c.service = a.service;
      c.handle = a.handle;
      c.password = a.password;
      c.session_file = a.session_file;
      c.thread_window_posts = a.thread_window_posts;
      c.thread_window_days = a.thread_window_days;
      out.platform = std::make_unique<BlueskyPlatform>(c, out.http.get(), deps.clock);
      return out;
    }
    case config::PlatformKind::kFacebook: {
      out.http = std::make_unique<net::HttpClient>(o, deps.clock, deps.random);
      FacebookConfig c;
      c.account = a.name;
      c.graph = a.graph;
      c.version = a.graph_version;
      c.page_id = a.page_id;
      c.token = a.token;
      c.app_secret = a.app_secret;
      c.subscribe_webhooks = !a.verify_token.empty();  // webhooks need the handshake's token
      out.platform = std::make_unique<FacebookPlatform>(c, out.http.get(), deps.clock);
      return out;
    }
  }
  return Error{a.where, a.name, "unknown platform"};
}

std::string DescribeCapabilities(const Capabilities& c) {
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  std::string s = std::string("hide replies: ") + yn(c.hide_replies);
  if (!c.hide_replies && !c.hide_fallback.empty()) s += " (instead: " + c.hide_fallback + ")";
  s += std::string("; delete: ") + yn(c.delete_comments) + "; block: " + yn(c.block_authors) +
       "; report: " + yn(c.report) + "; webhooks: " + yn(c.webhooks) +
       "; max text: " + std::to_string(c.max_text) + "; max images: " + std::to_string(c.max_images);
  return s;
}

}  // namespace aasr::platforms
