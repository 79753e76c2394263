// Backups of the database file: a consistent copy taken while the daemon
// runs, the check a copy must pass before it is trusted, and a restore.
//
//   Status s = sql::Backup(db, "/var/backups/aasr-2026-12-02.db");
//   Result<int> v = sql::CheckDatabaseFile("/var/backups/aasr-2026-12-02.db");
//   Status r = sql::RestoreFile("/var/backups/aasr-2026-12-02.db", "var/aasr.db");
//
// Promises:
// - Backup copies one committed snapshot (VACUUM INTO inside a read
//   transaction: in WAL mode writers carry on while it runs, where the
//   page-by-page backup API restarts on every write and stalled 11 s under
//   ingest). The copy is written to `<dest>.tmp`, synced, checked with
//   `PRAGMA quick_check`, made 0600 (it holds password hashes and comments),
//   and only then renamed to `dest`: `dest` is either absent or whole and
//   checked. An existing `dest` is refused, never overwritten.
// - CheckDatabaseFile opens read-only, runs quick_check and returns the
//   schema version; a file that is not a database, is damaged or is newer
//   than this build gets an Error naming it.
// - RestoreFile puts a checked copy of `backup` in place of `database` and
//   moves the old file (and its -wal/-shm) aside to
//   `<database>.before-restore-<UTC stamp>`, so a restore loses nothing. The
//   caller must hold the database lock (no daemon may run meanwhile).
// Thread safety: Backup uses `db` as its one thread would.
#pragma once

#include <string>

#include "bot/sql/db.h"

namespace aasr::sql {

Status Backup(Db& db, const std::string& dest);
Result<int> CheckDatabaseFile(const std::string& path);
// Returns where the previous database was moved (empty if there was none).
Result<std::string> RestoreFile(const std::string& backup, const std::string& database);

// `<database>.<what>-<UTC yyyymmddThhmmssZ>`, e.g. the copy Migrate() takes.
std::string StampedSibling(const std::string& database, const std::string& what);

}  // namespace aasr::sql
