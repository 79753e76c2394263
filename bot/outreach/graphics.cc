#include "bot/outreach/graphics.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "bot/util/utf8.h"
#include "bot/util/yaml.h"

namespace aasr::outreach {
namespace {

std::string SniffMime(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[8] = {0};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  if (in.gcount() >= 8 && head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G')
    return "image/png";
  if (in.gcount() >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return "image/jpeg";
  return "";
}

bool IsHttpUrl(const std::string& s) {
  return (s.rfind("https://", 0) == 0 && s.size() > 8) || (s.rfind("http://", 0) == 0 && s.size() > 7);
}

}  // namespace

bool ParseDay(const std::string& text, int* yyyymmdd) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return false;
  const int y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(5, 2)),
            d = std::stoi(text.substr(8, 2));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
  *yyyymmdd = y * 10000 + m * 100 + d;
  return true;
}

Result<GraphicsCatalog> LoadGraphicsFromString(const std::string& text, const std::string& name,
                                               const std::string& base_dir) {
  auto doc = yaml::LoadString(text, name);
  if (!doc.ok()) return doc.errors();
  const YAML::Node root = doc.value();
  Errors errors;
  GraphicsCatalog catalog;
  catalog.path = name;
  if (!root.IsMap() || !root["graphics"]) {
    return yaml::ErrorAt(root, name, "expected a map with a 'graphics' list");
  }
  yaml::CheckKeys(root, {"graphics"}, name, "", &errors);
  const YAML::Node list = root["graphics"];
  if (!list.IsSequence()) return yaml::ErrorAt(list, name, "'graphics' must be a list");
  std::set<std::string> ids;
  const std::vector<std::string> known = {"id", "file", "alt", "caption", "link", "tags",
                                          "campaign", "from", "until"};
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    std::string subject = "graphics[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      errors.push_back(yaml::ErrorAt(item, name, "each graphic must be a map", subject));
      continue;
    }
    Graphic g;
    if (!item["id"]) {
      errors.push_back(yaml::ErrorAt(item, name, "graphic has no 'id'", subject));
    } else if (yaml::ReadString(item["id"], name, subject, "id", &g.id, &errors)) {
      subject = "graphic " + g.id;
      if (g.id.empty()) errors.push_back(yaml::ErrorAt(item["id"], name, "'id' is empty", subject));
      else if (!ids.insert(g.id).second)
        errors.push_back(yaml::ErrorAt(item["id"], name, "duplicate id '" + g.id + "'", subject));
    }
    yaml::CheckKeys(item, known, name, subject, &errors);

    // Alt text is not optional.
    if (!item["alt"] || item["alt"].IsNull()) {
      errors.push_back(yaml::ErrorAt(item, name,
                                     "graphic has no 'alt' text: describe the image and repeat its words",
                                     subject));
    } else if (yaml::ReadString(item["alt"], name, subject, "alt", &g.alt, &errors)) {
      if (g.alt.find_first_not_of(" \t\r\n") == std::string::npos) {
        errors.push_back(yaml::ErrorAt(item["alt"], name, "'alt' text is empty", subject));
      } else if (utf8::FindInvalid(g.alt) != std::string::npos) {
        errors.push_back(yaml::ErrorAt(item["alt"], name, "'alt' text is not valid UTF-8", subject));
      } else if (CountCodePoints(g.alt) > kMaxAltChars) {
        errors.push_back(yaml::ErrorAt(item["alt"], name,
                                       "'alt' text has " + std::to_string(CountCodePoints(g.alt)) +
                                           " characters; the limit is 1000",
                                       subject));
      }
    }

    if (!item["file"]) {
      errors.push_back(yaml::ErrorAt(item, name, "graphic has no 'file'", subject));
    } else if (yaml::ReadString(item["file"], name, subject, "file", &g.file, &errors)) {
      const std::filesystem::path p = std::filesystem::path(g.file).is_absolute()
                                          ? std::filesystem::path(g.file)
                                          : std::filesystem::path(base_dir) / g.file;
      g.file = p.lexically_normal().string();
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec)) {
        errors.push_back(yaml::ErrorAt(item["file"], name, "file not found: " + g.file, subject));
      } else {
        g.file_bytes = std::filesystem::file_size(p, ec);
        g.mime_type = SniffMime(g.file);
        if (g.mime_type.empty())
          errors.push_back(yaml::ErrorAt(item["file"], name, "file is not a PNG or JPEG image", subject));
        else if (g.file_bytes > kMaxGraphicFileBytes)
          errors.push_back(yaml::ErrorAt(item["file"], name,
                                         "file is " + std::to_string(g.file_bytes) +
                                             " bytes; the limit for a source graphic is 20 MiB",
                                         subject));
      }
    }
    if (item["caption"]) yaml::ReadString(item["caption"], name, subject, "caption", &g.caption, &errors);
    if (item["campaign"])
      yaml::ReadString(item["campaign"], name, subject, "campaign", &g.campaign, &errors);
    if (item["link"] && yaml::ReadString(item["link"], name, subject, "link", &g.link, &errors) &&
        !IsHttpUrl(g.link))
      errors.push_back(yaml::ErrorAt(item["link"], name, "'link' must be an http(s) URL", subject));
    if (item["tags"]) {
      if (!item["tags"].IsSequence()) {
        errors.push_back(yaml::ErrorAt(item["tags"], name, "'tags' must be a list", subject));
      } else {
        for (const YAML::Node& t : item["tags"]) {
          std::string tag;
          if (!yaml::ReadString(t, name, subject, "tags", &tag, &errors)) continue;
          if (!tag.empty() && tag[0] == '#') tag = tag.substr(1);
          if (tag.empty() || tag.find_first_of(" \t#,") != std::string::npos)
            errors.push_back(yaml::ErrorAt(t, name, "tag '" + tag + "' must be one word without '#'", subject));
          else
            g.tags.push_back(tag);
        }
      }
    }
    for (const char* field : {"from", "until"}) {
      if (!item[field]) continue;
      std::string day;
      if (!yaml::ReadString(item[field], name, subject, field, &day, &errors)) continue;
      int* out = std::string(field) == "from" ? &g.from_day : &g.until_day;
      if (!ParseDay(day, out))
        errors.push_back(yaml::ErrorAt(item[field], name,
                                       std::string("'") + field + "' must be a date YYYY-MM-DD", subject));
    }
    if (g.from_day && g.until_day && g.from_day > g.until_day)
      errors.push_back(yaml::ErrorAt(item["until"], name, "'until' is before 'from'", subject));
    catalog.graphics.push_back(std::move(g));
  }
  if (!errors.empty()) return errors;
  return catalog;
}

Result<GraphicsCatalog> LoadGraphics(const std::string& yaml_path) {
  std::ifstream in(yaml_path, std::ios::binary);
  if (!in) return Error{{yaml_path, 0, 0}, "", "cannot open file"};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return LoadGraphicsFromString(text, yaml_path,
                                std::filesystem::path(yaml_path).parent_path().string());
}

}  // namespace aasr::outreach
