#include "bot/outreach/schedule.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "bot/util/yaml.h"

namespace aasr::outreach {
namespace {

bool ReadInt(const YAML::Node& node, const std::string& file, const std::string& subject,
             const std::string& field, int min, int max, int* out, Errors* errors) {
  try {
    if (node.IsScalar()) {
      const int v = node.as<int>();
      if (v >= min && v <= max) {
        *out = v;
        return true;
      }
    }
  } catch (const YAML::Exception&) {
  }
  errors->push_back(yaml::ErrorAt(node, file,
                                  "'" + field + "' must be a whole number from " + std::to_string(min) +
                                      " to " + std::to_string(max),
                                  subject));
  return false;
}

std::optional<TimeWindow> ReadWindow(const YAML::Node& node, const std::string& file,
                                     const std::string& subject, const std::string& field, Errors* errors) {
  if (!node.IsMap()) {
    errors->push_back(yaml::ErrorAt(node, file, "'" + field + "' must be {from: \"HH:MM\", to: \"HH:MM\"}", subject));
    return std::nullopt;
  }
  yaml::CheckKeys(node, {"from", "to"}, file, subject, errors);
  TimeWindow w;
  bool ok = true;
  for (const char* key : {"from", "to"}) {
    std::string text;
    if (!node[key]) {
      errors->push_back(yaml::ErrorAt(node, file, "'" + field + "' needs '" + key + "'", subject));
      ok = false;
      continue;
    }
    if (!yaml::ReadString(node[key], file, subject, key, &text, errors)) {
      ok = false;
      continue;
    }
    int* out = std::string(key) == "from" ? &w.from : &w.to;
    if (!ParseTimeOfDay(text, out)) {
      errors->push_back(yaml::ErrorAt(node[key], file, "'" + text + "' is not a time HH:MM (00:00 to 23:59)", subject));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return w;
}

std::vector<std::string> ReadStringList(const YAML::Node& node, const std::string& file,
                                        const std::string& subject, const std::string& field,
                                        Errors* errors) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    errors->push_back(yaml::ErrorAt(node, file, "'" + field + "' must be a list", subject));
    return out;
  }
  for (const YAML::Node& n : node) {
    std::string s;
    if (yaml::ReadString(n, file, subject, field, &s, errors)) out.push_back(s);
  }
  return out;
}

}  // namespace

bool ParseTimeOfDay(const std::string& text, int* minutes) {
  if (text.size() != 5 || text[2] != ':') return false;
  for (size_t i : {0, 1, 3, 4})
    if (text[i] < '0' || text[i] > '9') return false;
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return false;
  *minutes = h * 60 + m;
  return true;
}

Result<ScheduleConfig> LoadSchedulesFromString(const std::string& text, const std::string& name) {
  auto doc = yaml::LoadString(text, name);
  if (!doc.ok()) return doc.errors();
  const YAML::Node root = doc.value();
  if (!root.IsMap()) return yaml::ErrorAt(root, name, "expected a map with 'feeds' and 'schedules'");
  Errors errors;
  ScheduleConfig config;
  config.path = name;
  yaml::CheckKeys(root, {"feeds", "schedules"}, name, "", &errors);

  std::set<std::string> feed_names;
  if (root["feeds"]) {
    if (!root["feeds"].IsSequence()) {
      errors.push_back(yaml::ErrorAt(root["feeds"], name, "'feeds' must be a list"));
    } else {
      for (const YAML::Node& f : root["feeds"]) {
        FeedConfig feed;
        std::string subject = "feed";
        if (!f.IsMap()) {
          errors.push_back(yaml::ErrorAt(f, name, "each feed must be a map", subject));
          continue;
        }
        if (!f["name"] || !yaml::ReadString(f["name"], name, subject, "name", &feed.source.name, &errors) ||
            feed.source.name.empty()) {
          if (!f["name"]) errors.push_back(yaml::ErrorAt(f, name, "feed has no 'name'", subject));
          continue;
        }
        subject = "feed " + feed.source.name;
        yaml::CheckKeys(f, {"name", "url", "max_age_hours", "poll_minutes", "post_backlog_on_first_run"},
                        name, subject, &errors);
        if (!feed_names.insert(feed.source.name).second)
          errors.push_back(yaml::ErrorAt(f["name"], name, "duplicate feed name", subject));
        if (!f["url"]) {
          errors.push_back(yaml::ErrorAt(f, name, "feed has no 'url'", subject));
        } else if (yaml::ReadString(f["url"], name, subject, "url", &feed.source.url, &errors) &&
                   feed.source.url.rfind("http://", 0) != 0 && feed.source.url.rfind("https://", 0) != 0 &&
                   feed.source.url.rfind("file:", 0) != 0) {
          errors.push_back(
              yaml::ErrorAt(f["url"], name, "'url' must start with http://, https:// or file: (a local file)", subject));
        }
        int hours = 72, minutes = 10;
        if (f["max_age_hours"]) ReadInt(f["max_age_hours"], name, subject, "max_age_hours", 1, 24 * 365 * 10, &hours, &errors);
        if (f["poll_minutes"]) ReadInt(f["poll_minutes"], name, subject, "poll_minutes", 1, 24 * 60, &minutes, &errors);
        feed.source.max_age_seconds = int64_t{hours} * 3600;
        feed.poll_seconds = minutes * 60;
        if (f["post_backlog_on_first_run"]) {
          try {
            feed.source.post_backlog_on_first_run = f["post_backlog_on_first_run"].as<bool>();
          } catch (const YAML::Exception&) {
            errors.push_back(yaml::ErrorAt(f["post_backlog_on_first_run"], name, "expected true or false", subject));
          }
        }
        config.feeds.push_back(feed);
      }
    }
  }

  const YAML::Node list = root["schedules"];
  if (!list) {
    errors.push_back(yaml::ErrorAt(root, name, "no 'schedules'"));
  } else if (!list.IsSequence()) {
    errors.push_back(yaml::ErrorAt(list, name, "'schedules' must be a list"));
  } else {
    std::set<std::string> accounts;
    for (const YAML::Node& s : list) {
      AccountSchedule a;
      a.where = yaml::Where(s, name);
      std::string subject = "schedule";
      if (!s.IsMap()) {
        errors.push_back(yaml::ErrorAt(s, name, "each schedule must be a map", subject));
        continue;
      }
      if (!s["account"]) {
        errors.push_back(yaml::ErrorAt(s, name, "schedule has no 'account'", subject));
      } else if (yaml::ReadString(s["account"], name, subject, "account", &a.account, &errors)) {
        subject = "schedule " + a.account;
        if (!accounts.insert(a.account).second)
          errors.push_back(yaml::ErrorAt(s["account"], name, "account has two schedules", subject));
      }
      yaml::CheckKeys(s, {"account", "platform", "zone", "quiet_hours", "daily_cap", "stories", "graphics"},
                      name, subject, &errors);
      if (!s["platform"]) {
        errors.push_back(yaml::ErrorAt(s, name, "schedule has no 'platform'", subject));
      } else if (yaml::ReadString(s["platform"], name, subject, "platform", &a.platform, &errors)) {
        const std::vector<std::string> known = {"mastodon", "bluesky", "facebook", "local"};
        if (std::find(known.begin(), known.end(), a.platform) == known.end()) {
          std::string msg = "unknown platform '" + a.platform + "'";
          const std::string guess = yaml::DidYouMean(a.platform, known);
          if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
          errors.push_back(yaml::ErrorAt(s["platform"], name, msg, subject));
        }
      }
      if (!s["zone"]) {
        errors.push_back(yaml::ErrorAt(s, name, "schedule has no 'zone' (an IANA name such as America/New_York)", subject));
      } else if (yaml::ReadString(s["zone"], name, subject, "zone", &a.zone_name, &errors) &&
                 !LoadZone(a.zone_name, &a.zone)) {
        errors.push_back(yaml::ErrorAt(s["zone"], name, "unknown time zone '" + a.zone_name + "'", subject));
      }
      if (s["quiet_hours"]) a.quiet_hours = ReadWindow(s["quiet_hours"], name, subject, "quiet_hours", &errors);
      if (s["daily_cap"]) ReadInt(s["daily_cap"], name, subject, "daily_cap", 0, 1000, &a.daily_cap, &errors);

      if (const YAML::Node st = s["stories"]) {
        if (!st.IsMap()) {
          errors.push_back(yaml::ErrorAt(st, name, "'stories' must be a map", subject));
        } else {
          a.stories.enabled = true;
          yaml::CheckKeys(st, {"feeds", "window", "delay_minutes"}, name, subject, &errors);
          if (!st["feeds"]) {
            errors.push_back(yaml::ErrorAt(st, name, "'stories' needs 'feeds'", subject));
          } else {
            a.stories.feeds = ReadStringList(st["feeds"], name, subject, "feeds", &errors);
            for (size_t i = 0; i < a.stories.feeds.size(); ++i) {
              if (feed_names.count(a.stories.feeds[i])) continue;
              const YAML::Node at = st["feeds"].IsSequence() ? st["feeds"][i] : st["feeds"];
              std::string msg = "unknown feed '" + a.stories.feeds[i] + "'";
              const std::string guess = yaml::DidYouMean(a.stories.feeds[i], {feed_names.begin(), feed_names.end()});
              if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
              errors.push_back(yaml::ErrorAt(at, name, msg, subject));
            }
          }
          if (st["window"]) a.stories.window = ReadWindow(st["window"], name, subject, "window", &errors);
          if (st["delay_minutes"])
            ReadInt(st["delay_minutes"], name, subject, "delay_minutes", 0, 7 * 24 * 60, &a.stories.delay_minutes, &errors);
        }
      }
      if (const YAML::Node g = s["graphics"]) {
        if (!g.IsMap()) {
          errors.push_back(yaml::ErrorAt(g, name, "'graphics' must be a map", subject));
        } else {
          a.graphics.enabled = true;
          yaml::CheckKeys(g, {"cron", "no_repeat_days", "campaigns"}, name, subject, &errors);
          std::string cron;
          if (!g["cron"]) {
            errors.push_back(yaml::ErrorAt(g, name, "'graphics' needs 'cron' (e.g. \"0 12 * * TUE,THU\")", subject));
          } else if (yaml::ReadString(g["cron"], name, subject, "cron", &cron, &errors)) {
            CronError ce;
            if (!CronExpr::Parse(cron, &a.graphics.cron, &ce)) {
              Error e = yaml::ErrorAt(g["cron"], name, "cron '" + cron + "': " + ce.message, subject);
              // Point at the offending character; a quoted scalar starts one column later.
              if (e.where.column > 0)
                e.where.column += static_cast<int>(ce.column) + (g["cron"].Tag() == "!" ? 1 : 0);
              errors.push_back(e);
            }
          }
          if (g["no_repeat_days"])
            ReadInt(g["no_repeat_days"], name, subject, "no_repeat_days", 0, 3650, &a.graphics.no_repeat_days, &errors);
          if (g["campaigns"]) a.graphics.campaigns = ReadStringList(g["campaigns"], name, subject, "campaigns", &errors);
        }
      }
      config.accounts.push_back(std::move(a));
    }
  }
  if (!errors.empty()) return errors;
  return config;
}

Result<ScheduleConfig> LoadSchedules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{{path, 0, 0}, "", "cannot open file"};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return LoadSchedulesFromString(text, path);
}

}  // namespace aasr::outreach
