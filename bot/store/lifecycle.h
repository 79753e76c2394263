// What the store keeps, for how long, and a person's data on request.
//
//   store::RetentionPolicy p;            // from the config's `retention:`
//   p.allowed_days = 30;                 // comments that passed screening
//   p.flagged_days = 365;                // decided flagged comments
//   p.audit_excerpt_days = 90;           // quoted text in audit notes
//   auto report = store::Prune(db, p, now_ms);             // hourly, by the daemon
//   auto json = store::ExportAuthor(db, "mastodon", "109...");  // their rows as JSON
//   auto erased = store::EraseAuthor(db, "mastodon", "109...", now_ms);
//
// Promises:
// - Pruning and erasing blank a comment (text, parent text, author id and
//   handle, author facts; its matches and verdict explanation deleted) but
//   keep the row's (platform, remote_id), so a platform sending it again is
//   recognized, never screened and queued a second time; and keep items and
//   the audit skeleton (who decided what, when), with the notes' quoted text
//   dropped, and the text of the replies sent (or given up) to it (a reply
//   names the person it answers; one still planned or sending is kept for
//   the replies outbox to finish). The audit log stays append-only for everything else (schema 7's
//   trigger allows exactly one update: a note set to '').
// - Prune never touches an open item (pending or escalated), whatever its age.
// - ExportAuthor returns every comment (matched by author id or handle),
//   its verdict, item, audit rows and the replies moderators sent to it, as
//   one JSON document.
// - Each call is one transaction: a failure changes nothing.
// - A day count of 0 keeps that kind forever (the default: nothing is
//   deleted until an organizer says so in the config).
// Thread safety: call with a connection no other thread uses.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/config/config.h"
#include "bot/sql/db.h"

namespace aasr::store {

// The config's `retention:` section, as parsed there.
using RetentionPolicy = config::Retention;

struct PruneReport {
  int64_t allowed = 0;      // allowed comments blanked
  int64_t flagged = 0;      // decided flagged comments blanked
  int64_t audit_notes = 0;  // audit notes dropped
};

struct EraseReport {
  int64_t comments = 0;
  int64_t audit_notes = 0;
};

Result<PruneReport> Prune(sql::Db& db, const RetentionPolicy& p, int64_t now_ms);
Result<nlohmann::json> ExportAuthor(sql::Db& db, const std::string& platform,
                                    const std::string& author);
Result<EraseReport> EraseAuthor(sql::Db& db, const std::string& platform,
                                const std::string& author);

}  // namespace aasr::store
