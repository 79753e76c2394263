#include "bot/platforms/replies.h"

#include "bot/outreach/text_measure.h"

namespace aasr::platforms {

void SetReplyCapabilities(const std::string& platform, Capabilities* c) {
  if (platform == "mastodon") {
    c->reply_public = true;
    c->reply_private = true;
    c->max_reply_text = c->max_text > 0 ? c->max_text : 500;
    c->max_private_reply_text = c->max_reply_text;
    c->reply_note =
        "public: a reply under the comment; private: a direct message (visibility \"direct\") that only the "
        "author and our account see. The author's @handle starts every reply.";
  } else if (platform == "bluesky") {
    c->reply_public = true;
    c->reply_private = false;
    c->max_reply_text = 300;
    c->reply_note =
        "public: a reply under the comment, in its thread. Private messages are not offered: Bluesky's direct "
        "messages go through its separate chat service, which aasr-bot does not reach. Reply in public, or "
        "write to the person from the Bluesky app.";
  } else if (platform == "facebook") {
    c->reply_public = true;
    c->reply_private = true;
    c->max_reply_text = 8000;          // a comment
    c->max_private_reply_text = 2000;  // a Messenger text message
    c->reply_note =
        "public: a comment under the comment; private: one Messenger message from the Page to the author, "
        "allowed once per comment and only within 7 days of it (Facebook refuses it after that).";
  } else if (platform == "local") {
    c->reply_public = true;
    c->reply_private = true;
    c->max_reply_text = c->max_text > 0 ? c->max_text : 5000;
    c->max_private_reply_text = c->max_reply_text;
    c->reply_note = "replies are appended to outbox/replies.jsonl (private ones marked private).";
  } else {
    c->reply_public = false;
    c->reply_private = false;
    c->reply_note = "replies are not offered on " + (platform.empty() ? std::string("this platform") : platform);
  }
}

std::string ReplyText(const std::string& platform, const FetchedComment& target, const std::string& words) {
  if (platform != "mastodon" || target.author_handle.empty()) return words;
  std::string mention = "@" + (target.author_handle[0] == '@' ? target.author_handle.substr(1) : target.author_handle);
  // Already addressed by the moderator: do not mention twice.
  if (words.rfind(mention, 0) == 0) return words;
  return mention + " " + words;
}

size_t CountReplyText(const std::string& platform, const std::string& text, size_t url_weight) {
  return outreach::CountPlatformText(platform, text, url_weight);
}

}  // namespace aasr::platforms
