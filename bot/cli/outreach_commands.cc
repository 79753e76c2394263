// `aasr-bot posts validate|preview|plan`: the organizers' view of outreach.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/outreach/composer.h"
#include "bot/outreach/graphics.h"
#include "bot/outreach/http_getter.h"
#include "bot/outreach/pipeline.h"
#include "bot/outreach/planner.h"
#include "bot/outreach/schedule.h"
#include "bot/outreach/store.h"
#include "bot/outreach/story.h"
#include "bot/outreach/text_measure.h"
#include "aasr/build_paths.h"

namespace aasr::cli {
namespace {

namespace fs = std::filesystem;
using namespace aasr::outreach;

// A folder or file in the working directory, else the source tree's copy.
std::string Default(const std::string& relative) {
  std::error_code ec;
  if (fs::exists(relative, ec)) return relative;
  return std::string(AASR_SOURCE_DIR) + "/" + relative;
}

std::string CacheDir() { return (fs::temp_directory_path() / "aasr-bot-image-cache").string(); }

const char* FacetType(platforms::Facet::Type t) {
  switch (t) {
    case platforms::Facet::Type::kLink: return "link";
    case platforms::Facet::Type::kTag: return "tag";
    case platforms::Facet::Type::kMention: return "mention";
  }
  return "link";
}

int Validate(const std::string& posts_dir, const std::string& schedules_path) {
  Errors errors;
  auto graphics = LoadGraphics(posts_dir + "/graphics.yaml");
  if (graphics.ok())
    std::cout << posts_dir << "/graphics.yaml: " << graphics.value().graphics.size() << " graphics, all with alt text\n";
  else
    errors.insert(errors.end(), graphics.errors().begin(), graphics.errors().end());
  auto templates = LoadTemplates(posts_dir + "/templates.yaml");
  if (templates.ok()) std::cout << posts_dir << "/templates.yaml: OK\n";
  else errors.insert(errors.end(), templates.errors().begin(), templates.errors().end());
  auto schedules = LoadSchedules(schedules_path);
  if (schedules.ok())
    std::cout << schedules_path << ": " << schedules.value().feeds.size() << " feed(s), "
              << schedules.value().accounts.size() << " account schedule(s)\n";
  else
    errors.insert(errors.end(), schedules.errors().begin(), schedules.errors().end());
  if (!errors.empty()) {
    std::cerr << FormatErrors(errors) << errors.size() << " error(s)\n";
    return 1;
  }
  return 0;
}

Result<std::string> ReadFeed(const std::string& where) {
  if (where.rfind("http://", 0) == 0 || where.rfind("https://", 0) == 0) {
    auto http = MakeNetGetter("posts preview");
    auto r = http->Get(where, {});
    if (!r.ok()) return r.errors();
    if (r.value().status != 200)
      return Error{{where, 0, 0}, "", "HTTP " + std::to_string(r.value().status)};
    return r.value().body;
  }
  std::ifstream in(where, std::ios::binary);
  if (!in) return Error{{where, 0, 0}, "", "cannot open file"};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Preview(const std::string& feed, const std::string& platform, bool json, const std::string& posts_dir) {
  const auto limits = LimitsForPlatform(platform);
  if (!limits) {
    std::cerr << "unknown platform '" << platform << "' (mastodon, bluesky, facebook, local)\n";
    return 2;
  }
  auto templates = LoadTemplates(posts_dir + "/templates.yaml");
  if (!templates.ok()) {
    std::cerr << FormatErrors(templates.errors());
    return 2;
  }
  auto body = ReadFeed(feed);
  if (!body.ok()) {
    std::cerr << FormatErrors(body.errors());
    return 2;
  }
  auto parsed = ParseFeed(body.value(), feed);
  if (!parsed.ok()) {
    std::cerr << FormatErrors(parsed.errors());
    return 2;
  }
  for (const Error& w : parsed.value().warnings) std::cerr << "warning: " << w.ToString() << "\n";
  Composer composer(templates.value(), CacheDir());
  int status = 0;
  for (const Story& story : parsed.value().stories) {
    auto c = composer.Compose(FromStory(story, templates.value().story_hashtags), *limits, "preview");
    if (json) {
      nlohmann::json j;
      j["story"] = story.id;
      j["platform"] = platform;
      if (!c.ok()) {
        j["error"] = FormatErrors(c.errors());
        status = 1;
        std::cout << j.dump() << "\n";
        continue;
      }
      const platforms::ComposedPost& p = c.value().post;
      j["text"] = p.text;
      j["graphemes"] = c.value().measure.graphemes;
      j["bytes"] = c.value().measure.bytes;
      j["facets"] = nlohmann::json::array();
      for (const auto& f : p.facets)
        j["facets"].push_back({{"byteStart", f.byte_start}, {"byteEnd", f.byte_end}, {"type", FacetType(f.type)},
                               {"value", f.value}});
      j["images"] = nlohmann::json::array();
      for (const auto& im : p.images) j["images"].push_back({{"file", im.file}, {"alt", im.alt}});
      if (p.card) {
        j["card"] = {{"uri", p.card->uri}, {"title", p.card->title}, {"description", p.card->description}};
        if (!p.card->thumb_file.empty()) j["card"]["thumb"] = p.card->thumb_file;
      } else {
        j["card"] = nullptr;
      }
      std::cout << j.dump() << "\n";
      continue;
    }
    std::cout << "=== " << story.id << " (" << platform;
    if (!c.ok()) {
      std::cout << "): NOT SENT\n" << FormatErrors(c.errors()) << "\n";
      status = 1;
      continue;
    }
    const auto& m = c.value().measure;
    std::cout << ", " << m.units << "/" << limits->max_units
              << (limits->unit == PlatformLimits::Unit::kGraphemes ? " graphemes" : " characters");
    if (limits->max_bytes) std::cout << ", " << m.bytes << "/" << limits->max_bytes << " bytes";
    std::cout << ")\n" << c.value().post.text << "\n";
    if (c.value().post.card)
      std::cout << "[link card: " << c.value().post.card->title << " <" << c.value().post.card->uri << ">]\n";
    std::cout << "\n";
  }
  return status;
}

int PlanCommand(int days, const std::string& posts_dir, const std::string& schedules_path, const std::string& db,
                const std::string& from_text) {
  Errors errors;
  auto graphics = LoadGraphics(posts_dir + "/graphics.yaml");
  if (!graphics.ok()) errors.insert(errors.end(), graphics.errors().begin(), graphics.errors().end());
  auto schedules = LoadSchedules(schedules_path);
  if (!schedules.ok()) errors.insert(errors.end(), schedules.errors().begin(), schedules.errors().end());
  if (!errors.empty()) {
    std::cerr << FormatErrors(errors);
    return 2;
  }
  int64_t from = aasr::SystemClock().NowUnix();
  if (!from_text.empty() && !ParseRfc3339(from_text, false, &from)) {
    std::cerr << "--from: '" << from_text << "' is not an RFC 3339 time such as 2024-05-01T12:00:00Z\n";
    return 2;
  }
  std::error_code ec;
  const bool have_db = !db.empty() && fs::exists(db, ec);
  auto store = OutreachStore::Open(have_db ? db : ":memory:");
  if (!store.ok()) {
    std::cerr << FormatErrors(store.errors());
    return 2;
  }
  auto pending = store.value()->StoriesWithDisposition(StoryDisposition::kPending);
  if (!pending.ok()) {
    std::cerr << FormatErrors(pending.errors());
    return 2;
  }
  Planner planner(schedules.value(), graphics.value(), *store.value());
  auto plan = planner.PlanRange(from, from + int64_t{days} * 86400, pending.value());
  if (!plan.ok()) {
    std::cerr << FormatErrors(plan.errors());
    return 2;
  }
  auto queued = store.value()->ListOutbox();
  for (const AccountSchedule& a : schedules.value().accounts) {
    std::cout << a.account << " (" << a.platform << ", " << a.zone_name << ")\n";
    struct Line {
      int64_t at;
      std::string text;
    };
    std::vector<Line> lines;
    if (queued.ok()) {
      for (const OutboxRow& r : queued.value()) {
        if (r.account != a.account || r.planned_at < from || r.planned_at >= from + int64_t{days} * 86400) continue;
        lines.push_back({r.planned_at, FormatLocal(r.planned_at, a.zone, "%a %Y-%m-%d %H:%M %Z") + "  " + r.kind +
                                           "  " + r.item_id + "  [" + OutboxStateName(r.state) + "]"});
      }
    }
    for (const PlanEntry& e : plan.value().entries) {
      if (e.account != a.account) continue;
      const std::string title = ShortenToFit(e.title, [](const std::string& t) { return CountGraphemes(t) <= 60; });
      lines.push_back({e.at, FormatLocal(e.at, a.zone, "%a %Y-%m-%d %H:%M %Z") + "  " + e.kind + "  " + e.item_id +
                                 (title.empty() ? "" : "  \"" + title + "\"")});
    }
    for (const SkippedSlot& s : plan.value().skipped) {
      if (s.account != a.account) continue;
      lines.push_back({s.at, FormatLocal(s.at, a.zone, "%a %Y-%m-%d %H:%M %Z") + "  skipped: " + s.reason});
    }
    std::stable_sort(lines.begin(), lines.end(), [](const Line& x, const Line& y) { return x.at < y.at; });
    if (lines.empty()) std::cout << "  (nothing in the next " << days << " days)\n";
    for (const Line& l : lines) std::cout << "  " << l.text << "\n";
  }
  return 0;
}

int OutboxCommand(const std::string& db, const std::string& state, bool json) {
  std::error_code ec;
  if (!fs::exists(db, ec)) {
    std::cerr << db << ": no outreach database\n";
    return 2;
  }
  std::optional<OutboxState> filter;
  if (!state.empty()) {
    for (OutboxState s : {OutboxState::kPlanned, OutboxState::kSending, OutboxState::kPublished, OutboxState::kFailed})
      if (state == OutboxStateName(s)) filter = s;
    if (!filter) {
      std::cerr << "--state: '" << state << "' is not planned, sending, published or failed\n";
      return 2;
    }
  }
  auto store = OutreachStore::Open(db);
  if (!store.ok()) {
    std::cerr << FormatErrors(store.errors());
    return 2;
  }
  auto rows = store.value()->ListOutbox(filter);
  if (!rows.ok()) {
    std::cerr << FormatErrors(rows.errors());
    return 2;
  }
  for (const OutboxRow& r : rows.value()) {
    if (json) {
      nlohmann::json j = {{"id", r.id}, {"state", OutboxStateName(r.state)}, {"planned_at", FormatRfc3339(r.planned_at)},
                          {"account", r.account}, {"platform", r.platform}, {"kind", r.kind}, {"item", r.item_id},
                          {"attempts", r.attempts}, {"remote_id", r.remote_id}, {"url", r.url}, {"error", r.error},
                          {"content_hash", r.content_hash}};
      std::cout << j.dump() << "\n";
      continue;
    }
    std::cout << r.id << "  " << OutboxStateName(r.state) << "  " << FormatRfc3339(r.planned_at) << "  " << r.account
              << "  " << r.kind << " " << r.item_id << "  attempts " << r.attempts;
    if (!r.url.empty()) std::cout << "  " << r.url;
    if (!r.error.empty()) std::cout << "  error: " << r.error;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void RegisterOutreachCommands(CLI::App& app, int* exit_code) {
  CLI::App* posts = app.add_subcommand("posts", "Outreach: check, preview and plan posts");
  posts->require_subcommand(1);

  auto posts_dir = std::make_shared<std::string>();
  auto schedules = std::make_shared<std::string>();

  CLI::App* validate = posts->add_subcommand("validate", "Check graphics, templates and schedules");
  validate->add_option("--posts", *posts_dir, "posts folder (default: ./posts)");
  validate->add_option("--schedules", *schedules, "schedules file (default: ./config/schedules.yaml)");
  validate->callback([=] {
    *exit_code = Validate(posts_dir->empty() ? Default("posts") : *posts_dir,
                          schedules->empty() ? Default("config/schedules.yaml") : *schedules);
  });

  auto feed = std::make_shared<std::string>();
  auto platform = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* preview = posts->add_subcommand("preview", "Show the posts exactly as they would be sent for a feed");
  preview->add_option("--feed", *feed, "feed file or URL (RSS, Atom, WordPress REST)")->required();
  preview->add_option("--platform", *platform, "mastodon, bluesky, facebook or local")->required();
  preview->add_flag("--json", *json, "one JSON object per line");
  preview->add_option("--posts", *posts_dir, "posts folder (default: ./posts)");
  preview->callback([=] { *exit_code = Preview(*feed, *platform, *json, posts_dir->empty() ? Default("posts") : *posts_dir); });

  auto days = std::make_shared<int>(7);
  auto db = std::make_shared<std::string>(DefaultDbPath());  // shared with the moderation store
  auto from = std::make_shared<std::string>();
  CLI::App* plan = posts->add_subcommand("plan", "The calendar of what goes out when, per account");
  plan->add_option("--days", *days, "how many days ahead (default 7)")->check(CLI::Range(1, 366));
  plan->add_option("--posts", *posts_dir, "posts folder (default: ./posts)");
  plan->add_option("--schedules", *schedules, "schedules file (default: ./config/schedules.yaml)");
  plan->add_option("--db", *db, "database, for history and queued posts (default var/aasr.db)");
  plan->add_option("--from", *from, "start instead of now (RFC 3339, e.g. 2024-05-01T12:00:00Z)");
  auto outbox_state = std::make_shared<std::string>();
  auto outbox_json = std::make_shared<bool>(false);
  CLI::App* outbox = posts->add_subcommand("outbox", "What was sent, is waiting, or failed (with the platform's error)");
  outbox->add_option("--db", *db, "database (default var/aasr.db)");
  outbox->add_option("--state", *outbox_state, "only rows in this state: planned, sending, published, failed");
  outbox->add_flag("--json", *outbox_json, "one JSON object per line");
  outbox->callback([=] { *exit_code = OutboxCommand(*db, *outbox_state, *outbox_json); });

  plan->callback([=] {
    *exit_code = PlanCommand(*days, posts_dir->empty() ? Default("posts") : *posts_dir,
                             schedules->empty() ? Default("config/schedules.yaml") : *schedules, *db, *from);
  });
}

}  // namespace aasr::cli
