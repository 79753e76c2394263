// The one schema of the database file: moderation and outreach tables, one
// migration sequence, one version (PRAGMA user_version).
//
// Promises: Migrate() brings a database from its PRAGMA user_version up to
// `target`, one version at a time, each step and its version bump in one
// transaction (a crash leaves the previous version intact). Before the
// first step on a non-empty file it takes a checked copy,
// `<file>.pre-v<target>-<UTC stamp>` (backup.h), and refuses to migrate if
// the copy fails. A database newer
// than kSchemaVersion is refused and not modified. A file written before the
// sequence held the outreach tables (outreach_schema_version 1) keeps every
// row: step 5 adopts those tables and retires their version table; step 6
// converts their seconds to milliseconds, the one unit of every time column;
// step 7 adds the replies outbox (bot/replies).
// Thread safety: call with a connection no other thread uses.
#pragma once

#include "bot/sql/db.h"

namespace aasr::sql {

// The schema version this build writes.
inline constexpr int kSchemaVersion = 9;

Result<int> SchemaVersion(Db& db);
// Returns the version reached.
Result<int> Migrate(Db& db, int target = kSchemaVersion);

}  // namespace aasr::sql
