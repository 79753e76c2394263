#include "bot/outreach/composer.h"

#include <algorithm>
#include <fstream>

#include "bot/outreach/image_fit.h"
#include "bot/outreach/text_measure.h"
#include "bot/util/yaml.h"

namespace aasr::outreach {
namespace {

// Collapses spaces left by empty placeholders, trims each line, keeps at most
// one blank line in a row, trims the whole.
std::string CleanRendered(const std::string& s) {
  std::vector<std::string> lines;
  std::string line;
  auto flush = [&] {
    std::string out;
    bool space = false;
    for (char c : line) {
      if (c == ' ' || c == '\t') {
        space = true;
        continue;
      }
      if (space && !out.empty()) out += ' ';
      space = false;
      out += c;
    }
    lines.push_back(out);
    line.clear();
  };
  for (char c : s) {
    if (c == '\n') flush();
    else line += c;
  }
  flush();
  std::string out;
  bool blank_pending = false;
  for (const std::string& l : lines) {
    if (l.empty()) {
      blank_pending = !out.empty();
      continue;
    }
    if (!out.empty()) out += blank_pending ? "\n\n" : "\n";
    blank_pending = false;
    out += l;
  }
  return out;
}

// Finds "{name}" placeholders; reports malformed ones.
bool ScanPlaceholders(const std::string& tmpl, std::vector<std::string>* names, std::string* problem) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
        ++i;
        continue;
      }
      const size_t close = tmpl.find('}', i);
      if (close == std::string::npos) {
        *problem = "'{' without a closing '}' (write '{{' for a literal brace)";
        return false;
      }
      names->push_back(tmpl.substr(i + 1, close - i - 1));
      i = close;
    } else if (tmpl[i] == '}') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
        ++i;
        continue;
      }
      *problem = "'}' without an opening '{' (write '}}' for a literal brace)";
      return false;
    }
  }
  return true;
}

std::string HashtagText(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& t : tags) {
    if (!out.empty()) out += ' ';
    out += '#' + t;
  }
  return out;
}

bool UsesPlaceholder(const std::string& tmpl, const std::string& name) {
  return tmpl.find("{" + name + "}") != std::string::npos;
}

}  // namespace

std::optional<PlatformLimits> PlatformLimits::For(const std::string& platform) {
  PlatformLimits l;
  l.platform = platform;
  l.unit = TextUnitFor(platform);  // counted as the adapter counts
  if (platform == "mastodon") {
    l.max_units = 500;
    l.url_weight = 23;
    l.max_images = 4;
    l.max_alt = 1500;
    l.max_image_bytes = 16 * 1024 * 1024;
    return l;
  }
  if (platform == "bluesky") {
    l.max_units = 300;
    l.max_bytes = 3000;
    l.max_images = 4;
    l.max_alt = 2000;
    l.max_image_bytes = 2000000;
    l.max_thumb_bytes = 1000000;
    l.facets = true;
    l.link_card = true;
    return l;
  }
  if (platform == "facebook") {
    l.max_units = 63206;
    l.max_images = 1;  // one photo per /photos post
    l.max_alt = 1000;
    l.max_image_bytes = 4 * 1024 * 1024;
    return l;
  }
  return std::nullopt;
}

Measure MeasureText(const std::string& text, const PlatformLimits& limits) {
  Measure m;
  m.bytes = text.size();
  m.graphemes = CountGraphemes(text);
  // The adapters check with the same CountText, so what fits here is sent.
  m.units = CountText(text, limits.unit, limits.url_weight >= 0 ? static_cast<size_t>(limits.url_weight) : 23);
  return m;
}

bool Fits(const std::string& text, const PlatformLimits& limits) {
  const Measure m = MeasureText(text, limits);
  return m.units <= limits.max_units && (limits.max_bytes == 0 || m.bytes <= limits.max_bytes);
}

const std::vector<std::string>* Templates::For(const std::string& kind, const std::string& platform) const {
  auto k = by_kind.find(kind);
  if (k == by_kind.end()) return nullptr;
  auto p = k->second.find(platform);
  if (p == k->second.end()) p = k->second.find("default");
  return p == k->second.end() ? nullptr : &p->second;
}

Result<Templates> LoadTemplatesFromString(const std::string& text, const std::string& name) {
  auto doc = yaml::LoadString(text, name);
  if (!doc.ok()) return doc.errors();
  const YAML::Node root = doc.value();
  if (!root.IsMap()) return yaml::ErrorAt(root, name, "expected a map with 'story' and 'graphic' templates");
  Errors errors;
  Templates t;
  t.path = name;
  yaml::CheckKeys(root, {"story_hashtags", "story", "graphic"}, name, "", &errors);
  if (root["story_hashtags"]) {
    if (!root["story_hashtags"].IsSequence()) {
      errors.push_back(yaml::ErrorAt(root["story_hashtags"], name, "'story_hashtags' must be a list"));
    } else {
      for (const YAML::Node& n : root["story_hashtags"]) {
        std::string tag;
        if (!yaml::ReadString(n, name, "story_hashtags", "story_hashtags", &tag, &errors)) continue;
        if (!tag.empty() && tag[0] == '#') tag = tag.substr(1);
        if (tag.empty() || tag.find_first_of(" \t#,") != std::string::npos)
          errors.push_back(yaml::ErrorAt(n, name, "hashtag '" + tag + "' must be one word"));
        else
          t.story_hashtags.push_back(tag);
      }
    }
  }
  const std::vector<std::string> platforms = {"default", "mastodon", "bluesky", "facebook"};
  for (const char* kind : {"story", "graphic"}) {
    const YAML::Node k = root[kind];
    if (!k) {
      errors.push_back(yaml::ErrorAt(root, name, std::string("no '") + kind + "' templates"));
      continue;
    }
    if (!k.IsMap()) {
      errors.push_back(yaml::ErrorAt(k, name, std::string("'") + kind + "' must map platforms to template lists"));
      continue;
    }
    yaml::CheckKeys(k, platforms, name, kind, &errors);
    if (!k["default"]) errors.push_back(yaml::ErrorAt(k, name, "no 'default' templates", kind));
    for (const auto& kv : k) {
      const std::string platform = kv.first.Scalar();
      const std::string subject = std::string(kind) + "." + platform;
      if (!kv.second.IsSequence() || kv.second.size() == 0) {
        errors.push_back(yaml::ErrorAt(kv.second, name, "expected a non-empty list of templates", subject));
        continue;
      }
      std::vector<std::string> list;
      for (const YAML::Node& n : kv.second) {
        std::string tmpl;
        if (!yaml::ReadString(n, name, subject, "template", &tmpl, &errors)) continue;
        std::vector<std::string> names;
        std::string problem;
        if (!ScanPlaceholders(tmpl, &names, &problem)) {
          errors.push_back(yaml::ErrorAt(n, name, problem, subject));
          continue;
        }
        for (const std::string& p : names) {
          if (std::find(KnownPlaceholders().begin(), KnownPlaceholders().end(), p) ==
              KnownPlaceholders().end()) {
            std::string msg = "unknown placeholder {" + p + "}";
            const std::string guess = yaml::DidYouMean(p, KnownPlaceholders());
            if (!guess.empty()) msg += " (did you mean {" + guess + "}?)";
            errors.push_back(yaml::ErrorAt(n, name, msg, subject));
          }
        }
        list.push_back(tmpl);
      }
      t.by_kind[kind][platform] = list;
    }
  }
  if (!errors.empty()) return errors;
  return t;
}

Result<Templates> LoadTemplates(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{{path, 0, 0}, "", "cannot open file"};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return LoadTemplatesFromString(text, path);
}

std::string RenderTemplate(const std::string& tmpl, const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
      out += c;
      ++i;
    } else if (c == '{') {
      const size_t close = tmpl.find('}', i);
      if (close == std::string::npos) {
        out += tmpl.substr(i);
        break;
      }
      auto it = values.find(tmpl.substr(i + 1, close - i - 1));
      if (it != values.end()) out += it->second;
      i = close;
    } else {
      out += c;
    }
  }
  return CleanRendered(out);
}

ComposeInput FromStory(const Story& story, const std::vector<std::string>& hashtags) {
  ComposeInput in;
  in.kind = "story";
  in.item_id = story.id;
  std::string excerpt = story.excerpt;
  // WordPress ends automatic excerpts with " […]"; a single "…" reads better.
  for (const char* tail : {" [\u2026]", "[\u2026]", " [...]"}) {
    const std::string t = tail;
    if (excerpt.size() >= t.size() && excerpt.compare(excerpt.size() - t.size(), t.size(), t) == 0) {
      excerpt = excerpt.substr(0, excerpt.size() - t.size()) + "\u2026";
      break;
    }
  }
  in.values = {{"title", story.title}, {"excerpt", excerpt}, {"link", story.link}, {"caption", ""}};
  in.tags = hashtags;
  return in;
}

ComposeInput FromGraphic(const Graphic& g) {
  ComposeInput in;
  in.kind = "graphic";
  in.item_id = g.id;
  in.values = {{"title", ""}, {"excerpt", ""}, {"link", g.link}, {"caption", g.caption}};
  in.tags = g.tags;
  in.images.push_back({g.file, g.alt, g.mime_type});
  return in;
}

std::vector<platforms::Facet> DetectFacets(const std::string& text) {
  std::vector<platforms::Facet> facets;
  for (const Span& u : FindUrls(text)) {
    platforms::Facet f;
    f.byte_start = static_cast<uint32_t>(u.begin);
    f.byte_end = static_cast<uint32_t>(u.end);
    f.type = platforms::Facet::Type::kLink;
    f.value = text.substr(u.begin, u.end - u.begin);
    facets.push_back(f);
  }
  for (const Span& h : FindHashtags(text)) {
    // A '#' inside a URL (a fragment) is part of the link, not a tag.
    bool in_url = false;
    for (const auto& f : facets)
      if (f.type == platforms::Facet::Type::kLink && h.begin >= f.byte_start && h.begin < f.byte_end)
        in_url = true;
    if (in_url) continue;
    platforms::Facet f;
    f.byte_start = static_cast<uint32_t>(h.begin);
    f.byte_end = static_cast<uint32_t>(h.end);
    f.type = platforms::Facet::Type::kTag;
    f.value = text.substr(h.begin + 1, h.end - h.begin - 1);
    facets.push_back(f);
  }
  std::sort(facets.begin(), facets.end(),
            [](const platforms::Facet& a, const platforms::Facet& b) { return a.byte_start < b.byte_start; });
  return facets;
}

Result<Composition> Composer::Compose(const ComposeInput& input, const PlatformLimits& limits,
                                      const std::string& account) const {
  const std::string subject = input.kind + " " + input.item_id + " for " + limits.platform;
  const std::vector<std::string>* list = templates_.For(input.kind, limits.platform);
  if (!list || list->empty())
    return Error{{templates_.path, 0, 0}, subject, "no templates for " + input.kind};

  std::map<std::string, std::string> values = input.values;
  values["hashtags"] = HashtagText(input.tags);
  auto fits = [&](const std::string& text) { return Fits(text, limits); };

  std::optional<std::string> text;
  size_t used = 0;
  for (size_t i = 0; i < list->size() && !text; ++i) {
    const std::string& tmpl = (*list)[i];
    std::string full = RenderTemplate(tmpl, values);
    if (full.empty()) continue;
    if (fits(full)) {
      text = full;
      used = i;
      break;
    }
    const bool last = i + 1 == list->size();
    std::vector<std::string> shrinkable;
    for (const char* f : {"excerpt", "caption"})
      if (UsesPlaceholder(tmpl, f) && !values[f].empty()) shrinkable.push_back(f);
    if (last && UsesPlaceholder(tmpl, "title") && !values["title"].empty()) shrinkable.push_back("title");
    std::map<std::string, std::string> trial = values;
    for (const std::string& field : shrinkable) {
      const std::string shortened = ShortenToFit(values[field], [&](const std::string& candidate) {
        std::map<std::string, std::string> v = trial;
        v[field] = candidate;
        return fits(RenderTemplate(tmpl, v));
      });
      if (!shortened.empty()) {
        trial[field] = shortened;
        text = RenderTemplate(tmpl, trial);
        used = i;
        break;
      }
      // Only the last template gives a field up entirely to make room for the next.
      if (!last) break;
      trial[field] = "";
    }
  }
  if (!text)
    return Error{{templates_.path, 0, 0}, subject,
                 "no template produces a text within " + std::to_string(limits.max_units) +
                     (limits.unit == PlatformLimits::Unit::kGraphemes ? " graphemes" : " characters") +
                     (limits.max_bytes ? " and " + std::to_string(limits.max_bytes) + " bytes" : "")};

  Composition c;
  c.template_index = used;
  c.post.account = account;
  c.post.text = *text;
  c.post.link = values["link"];
  c.measure = MeasureText(*text, limits);
  if (limits.facets) c.post.facets = DetectFacets(*text);

  if (input.images.size() > limits.max_images)
    return Error{{}, subject, std::to_string(input.images.size()) + " images; " + limits.platform +
                                  " allows " + std::to_string(limits.max_images)};
  for (const platforms::Image& im : input.images) {
    if (im.alt.find_first_not_of(" \t\r\n") == std::string::npos)
      return Error{{im.file, 0, 0}, subject, "image has no alt text; not sent"};
    if (CountCodePoints(im.alt) > limits.max_alt)
      return Error{{im.file, 0, 0}, subject, "alt text is longer than " + std::to_string(limits.max_alt) +
                                                 " characters"};
    auto fitted = FitImage(im.file, limits.max_image_bytes, cache_dir_);
    if (!fitted.ok()) return fitted.errors();
    c.post.images.push_back({fitted.value().file, im.alt, fitted.value().mime_type});
  }
  if (limits.link_card && c.post.images.empty() && !c.post.link.empty()) {
    platforms::LinkCard card;
    card.uri = c.post.link;
    card.title = values["title"].empty() ? values["caption"] : values["title"];
    card.description = values["excerpt"];
    if (!input.card_thumb_file.empty()) {
      auto thumb = FitImage(input.card_thumb_file, limits.max_thumb_bytes, cache_dir_);
      if (!thumb.ok()) return thumb.errors();
      card.thumb_file = thumb.value().file;
    }
    c.post.card = card;
  }
  return c;
}

}  // namespace aasr::outreach
