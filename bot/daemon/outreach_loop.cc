// The outreach loop: feeds, schedules and the outbox every
// `polling.outreach_seconds`, through the accounts' platforms.
#include "bot/daemon/impl.h"

#include "bot/outreach/http_getter.h"
#include "bot/outreach/runner.h"
#include "bot/outreach/store.h"

namespace aasr::daemon {
namespace fs = std::filesystem;

void Daemon::Impl::OutreachLoop() {
  auto olog = Log("outreach");
  auto ostore = outreach::OutreachStore::Open(database);
  if (!ostore.ok()) {
    olog->error("outreach stopped: {}", FormatErrors(ostore.errors()));
    return;
  }
  auto http = outreach::MakeNetGetter("feeds", std::chrono::seconds(10), 2);
  const std::string cache = (fs::path(database).parent_path() / "image-cache").string();
  LoadedPtr used;
  std::unique_ptr<outreach::Composer> composer;
  std::unique_ptr<outreach::OutreachRunner> runner;
  while (true) {
    LoadedPtr now = Current();
    if (now != used && !now->schedules) {  // the schedules key was removed
      used = now;
      runner.reset();
    }
    if (now->schedules && now != used) {
      used = now;
      composer = std::make_unique<outreach::Composer>(now->templates, cache);
      outreach::RunnerDeps d;
      d.config = &*used->schedules;
      d.catalog = &used->graphics;
      d.composer = composer.get();
      d.store = ostore.value().get();
      d.http = http.get();
      d.clock = clock.get();
      d.image_cache_dir = cache;
      d.platform_for = [this](const std::string& account) -> platforms::Platform* {
        std::lock_guard<std::mutex> lock(accounts_mu);
        auto it = accounts.find(account);
        return it == accounts.end() ? nullptr : it->second->platform();
      };
      runner = std::make_unique<outreach::OutreachRunner>(std::move(d));
    }
    if (runner) {
      // Holding the runners alive while a tick publishes through them.
      std::map<std::string, std::shared_ptr<AccountRunner>> hold;
      {
        std::lock_guard<std::mutex> lock(accounts_mu);
        hold = accounts;
      }
      outreach::TickReport r = runner->Tick();
      for (const auto& [account, n] : r.sent.by_account) {
        if (n.published) posts_published->Inc({account}, n.published);
        if (n.failed) posts_failed->Inc({account}, n.failed);
        if (n.retrying) posts_retrying->Inc({account}, n.retrying);
      }
      if (!r.errors.empty()) feed_errors->Inc({}, static_cast<double>(r.errors.size()));
      for (const Error& e : r.sent.errors) olog->warn("{}", e.ToString());
      if (r.new_stories || r.enqueued.enqueued || r.sent.published)
        olog->info("{} new stories, {} posts planned, {} published", r.new_stories, r.enqueued.enqueued,
                   r.sent.published);
    }
    if (WaitStop(std::chrono::seconds(Current()->config.outreach_seconds))) break;
  }
}

}  // namespace aasr::daemon
