// Composer: a story or a graphic becomes the exact post one platform accepts.
//
// Templates (posts/templates.yaml) are tried in order per kind and platform
// ("default" when a platform has none); placeholders are {title}, {excerpt},
// {link}, {hashtags}, {caption} ("{{" and "}}" for literal braces). Empty
// placeholders leave no stray blank lines. For each template: the full text
// if it fits; else {excerpt} (or {caption}) shortened at a word boundary with
// "…"; else the next template; the last template may shorten {title} too. A
// URL, a hashtag or a grapheme cluster is never cut (see text_measure.h).
//
// Limits (PlatformLimits::For) are the platforms' real ones:
//   mastodon  500 characters, each URL counts 23, ≤ 4 images, alt ≤ 1500
//   bluesky   300 graphemes AND 3000 bytes, link/tag facets in UTF-8 byte
//             offsets, ≤ 4 images of ≤ 2,000,000 bytes, alt required, an
//             external card (thumb ≤ 1,000,000 bytes) when there is no image
//   facebook  63,206 characters; link posts and photo posts
// Text is measured by text_measure.h's CountText with the platform's unit
// (TextUnitFor), the function the adapters check with, so they cannot
// disagree: Mastodon exactly as the server counts (CountMastodonCharacters,
// with the instance's characters_reserved_per_url when the runner knows it),
// Bluesky in graphemes, Facebook in code points.
// Images over a limit are downscaled (image_fit.h); an image without alt
// text is refused, never sent.
//
// Errors name the item and platform. Templates are immutable after loading;
// a Composer is safe to use from several threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/outreach/graphics.h"
#include "bot/outreach/story.h"
#include "bot/platforms/platform.h"
#include "bot/util/error.h"

namespace aasr::outreach {

struct PlatformLimits {
  std::string platform;
  // Counted by text_measure.h's CountText, the adapters' own count.
  using Unit = TextUnit;
  Unit unit = Unit::kCodePoints;
  size_t max_units = 500;
  size_t max_bytes = 0;        // 0: no byte limit
  int url_weight = -1;         // kMastodon: characters_reserved_per_url (-1: 23)
  size_t max_images = 4;
  size_t max_alt = 1500;
  size_t max_image_bytes = 16 * 1024 * 1024;
  size_t max_thumb_bytes = 0;  // link card thumbnail
  bool facets = false;         // emit link/tag facets
  bool link_card = false;      // external card when there is no image

  // "mastodon", "bluesky", "facebook"; nullopt for anything else.
  static std::optional<PlatformLimits> For(const std::string& platform);
};

struct Measure {
  size_t units = 0;  // in the platform's unit, URLs weighted
  size_t graphemes = 0;
  size_t bytes = 0;
};
Measure MeasureText(const std::string& text, const PlatformLimits& limits);
bool Fits(const std::string& text, const PlatformLimits& limits);

inline const std::vector<std::string>& KnownPlaceholders() {
  static const std::vector<std::string> k = {"title", "excerpt", "link", "hashtags", "caption"};
  return k;
}

struct Templates {
  std::string path;
  std::vector<std::string> story_hashtags;  // for {hashtags} in story posts
  // kind ("story", "graphic") -> platform or "default" -> templates in order
  std::map<std::string, std::map<std::string, std::vector<std::string>>> by_kind;

  const std::vector<std::string>* For(const std::string& kind, const std::string& platform) const;
};

Result<Templates> LoadTemplates(const std::string& path);
Result<Templates> LoadTemplatesFromString(const std::string& text, const std::string& name);

// Renders one template; unknown placeholders were rejected at load time.
std::string RenderTemplate(const std::string& tmpl, const std::map<std::string, std::string>& values);

struct ComposeInput {
  std::string kind;     // "story" or "graphic"
  std::string item_id;  // for errors
  std::map<std::string, std::string> values;  // title, excerpt, link, caption
  std::vector<std::string> tags;              // without '#'
  std::vector<platforms::Image> images;       // graphics: files with alt text
  std::string card_thumb_file;                // stories: local copy of the featured image
};

ComposeInput FromStory(const Story& story, const std::vector<std::string>& hashtags);
ComposeInput FromGraphic(const Graphic& graphic);

struct Composition {
  platforms::ComposedPost post;
  Measure measure;
  size_t template_index = 0;  // which template was used
};

class Composer {
 public:
  // Downscaled images are written under `image_cache_dir`.
  Composer(Templates templates, std::string image_cache_dir)
      : templates_(std::move(templates)), cache_dir_(std::move(image_cache_dir)) {}

  Result<Composition> Compose(const ComposeInput& input, const PlatformLimits& limits,
                              const std::string& account) const;

  const Templates& templates() const { return templates_; }

 private:
  Templates templates_;
  std::string cache_dir_;
};

// Link and tag facets of `text`, in UTF-8 byte offsets.
std::vector<platforms::Facet> DetectFacets(const std::string& text);

}  // namespace aasr::outreach
