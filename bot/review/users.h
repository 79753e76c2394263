// Managing the review page's users, the same for the Users page
// (/api/users...) and the CLI (`aasr-bot users list|add|role|disable|reset`).
//
// Promises:
// - Add makes a user with the given password, or (empty) a generated one
//   returned once in UserChange::password and never stored but as Argon2id.
//   An existing name is refused (kConflict); `users add` in the CLI keeps
//   its old meaning (add or update) through Put.
// - SetRole, SetDisabled and ResetPassword change one user; disabling and a
//   new password end every session of that user (the store does it in the
//   same transaction as the change); disabled users cannot log in.
// - Nobody changes their own role or disables themselves, so a lone admin
//   cannot lock everyone out by a slip.
// - Every change writes an audit row ("user.add", "user.role", "user.disable",
//   "user.enable", "user.reset") naming the actor; never a password.
// Errors: names must be 1-64 characters of [A-Za-z0-9._-], roles moderator
// or admin, passwords at least kMinPasswordLength: kInvalid naming the field.
// Store failures come back as Errors.
// Thread safety: as the store.
#pragma once

#include <string>

#include "bot/store/store.h"
#include "bot/util/error.h"

namespace aasr::review {

struct UserChange {
  store::Code code = store::Code::kOk;
  std::string message;        // why it was refused
  store::Moderator user;      // after the change (password_hash not for display)
  std::string password;       // a generated password, shown once; else ""
  bool sessions_ended = false; // the change logged the user out everywhere
};

Result<UserChange> AddUser(store::Store& st, const std::string& name, const std::string& role,
                           const std::string& password, const std::string& actor);
// Add or update (the CLI's `users add`): role and password replaced.
Result<UserChange> PutUser(store::Store& st, const std::string& name, const std::string& role,
                           const std::string& password, const std::string& actor);
Result<UserChange> SetRole(store::Store& st, const std::string& name, const std::string& role,
                           const std::string& actor);
Result<UserChange> SetDisabled(store::Store& st, const std::string& name, bool disabled,
                               const std::string& actor);
// password empty: a generated one, returned once.
Result<UserChange> ResetPassword(store::Store& st, const std::string& name,
                                 const std::string& password, const std::string& actor);

// 16 random bytes as URL-safe base64: 22 characters.
std::string GeneratePassword();

}  // namespace aasr::review
