// What a platform reports about a comment already delivered, applied to the
// stored comment: Facebook's Page `feed` webhook sends `edited`, `remove`,
// `hide` and `unhide` for comments (developers.facebook.com/docs/graph-api/
// webhooks/reference/page/#feed), and each must follow the comment we keep,
// not only reach the log.
//
//   auto db = sql::Db::Open(path);
//   store::CommentChangeRequest r{store::CommentChangeKind::kEdited, "facebook", "c1", "facebook"};
//   r.edited = store::Screened(rules, new_text_comment, caps);   // the new text, screened
//   auto out = store::ApplyCommentChange(*db.value(), r, now_ms);
//
// Promises:
// - Edited: the comment's text becomes the new text and its verdict and
//   matches the new screening's. If the new text needs review, it reaches a
//   human: an item is created (audit "queued", with the policy's at-once
//   action), or a decided item (approved or removed) goes back to `pending`
//   (audit "comment.edited", from its state), or an open item takes the
//   higher priority, crisis and the new categories. Every edit of a queued
//   comment is audited ("comment.edited", actor = the platform). An edit of
//   a comment never stored changes nothing here (known = false): the caller
//   ingests it as new.
// - Removed (deleted on the platform by its author or the Page): the item's
//   hide, unhide and delete actions not yet carried out are cancelled (there
//   is nothing left to act on); the item keeps its state, so a crisis the
//   author deleted still reaches a person, and the audit says it is gone
//   ("platform.removed").
// - Hidden / unhidden on the platform (by the Page, outside the bot): a done
//   hide or unhide action is recorded with its audit row ("platform.hide" /
//   "platform.unhide", actor = the platform), so Item::hidden follows it.
// - A change for a comment without an item changes nothing but the text and
//   verdict (edited). One transaction per call: a failure changes nothing.
// Thread safety: call with a connection no other thread uses.
#pragma once

#include <cstdint>
#include <string>

#include "bot/sql/db.h"
#include "bot/store/store.h"

namespace aasr::store {

enum class CommentChangeKind { kEdited, kRemoved, kHidden, kUnhidden };

struct CommentChangeRequest {
  CommentChangeKind kind = CommentChangeKind::kEdited;
  std::string platform;
  std::string remote_id;
  std::string actor;     // who did it, for the audit: the platform's name
  IngestRequest edited;  // kEdited: the new text, screened, and the policy's disposition
};

struct CommentChangeResult {
  bool known = false;    // the comment is stored (else nothing changed)
  int64_t comment_id = 0;
  int64_t item_id = 0;   // 0: not queued
  bool queued = false;   // kEdited: the edit created the item or reopened it
  int64_t action_id = 0; // kEdited: the at-once action written, 0 when none
  int cancelled = 0;     // kRemoved: actions cancelled
};

Result<CommentChangeResult> ApplyCommentChange(sql::Db& db, const CommentChangeRequest& r, int64_t now_ms);

}  // namespace aasr::store
