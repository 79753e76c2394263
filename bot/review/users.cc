#include "bot/review/users.h"

#include <cctype>

#include "bot/review/passwords.h"

namespace aasr::review {

using store::Code;

namespace {

UserChange Refused(Code code, std::string message) {
  UserChange c;
  c.code = code;
  c.message = std::move(message);
  return c;
}

std::string CheckName(const std::string& name) {
  if (name.empty() || name.size() > 64) return "user name must be 1 to 64 characters";
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-'))
      return "user name '" + name + "' may only hold letters, digits, '.', '_' and '-'";
  return "";
}

std::string CheckRole(const std::string& role) {
  if (role == "moderator" || role == "admin") return "";
  return "role must be moderator or admin, not '" + role + "'";
}

std::string CheckPassword(const std::string& password) {
  if (password.size() < kMinPasswordLength)
    return "password too short: at least " + std::to_string(kMinPasswordLength) + " characters";
  return "";
}

Status Audit(store::Store& st, const std::string& actor, const std::string& action,
             const std::string& note) {
  store::AuditEntry a;
  a.actor = actor;
  a.action = action;
  a.note = note;
  return st.AppendAudit(a);
}

// The user, or a kNotFound refusal in *refused.
Result<std::optional<store::Moderator>> Load(store::Store& st, const std::string& name,
                                             UserChange* refused) {
  auto m = st.GetModerator(name);
  if (!m.ok()) return m.errors();
  if (!m.value()) *refused = Refused(Code::kNotFound, "no user '" + name + "'");
  return m;
}

Result<UserChange> Save(store::Store& st, store::Moderator m, const std::string& actor,
                        const std::string& action, const std::string& note,
                        std::string generated, bool ends_sessions) {
  Status s = st.PutModerator(m);
  if (!s.ok()) return s.errors();
  Status a = Audit(st, actor, action, note);
  if (!a.ok()) return a.errors();
  UserChange c;
  c.user = std::move(m);
  c.password = std::move(generated);
  c.sessions_ended = ends_sessions;
  return c;
}

Result<UserChange> Put(store::Store& st, const std::string& name, const std::string& role,
                       const std::string& password, const std::string& actor, bool must_be_new) {
  for (const std::string& why : {CheckName(name), CheckRole(role)})
    if (!why.empty()) return Refused(Code::kInvalid, why);
  std::string generated;
  std::string pw = password;
  if (pw.empty()) pw = generated = GeneratePassword();
  if (auto why = CheckPassword(pw); !why.empty()) return Refused(Code::kInvalid, why);
  auto existing = st.GetModerator(name);
  if (!existing.ok()) return existing.errors();
  if (existing.value() && must_be_new)
    return Refused(Code::kConflict, "user '" + name + "' exists already");
  auto hash = HashPassword(pw);
  if (!hash.ok()) return hash.errors();
  store::Moderator m = existing.value().value_or(store::Moderator{});
  m.name = name;
  m.role = role;
  m.password_hash = hash.value();
  return Save(st, m, actor, "user.add", name + " (" + role + ")", generated,
              existing.value().has_value());
}

}  // namespace

std::string GeneratePassword() { return RandomToken(16); }

Result<UserChange> AddUser(store::Store& st, const std::string& name, const std::string& role,
                           const std::string& password, const std::string& actor) {
  return Put(st, name, role, password, actor, /*must_be_new=*/true);
}

Result<UserChange> PutUser(store::Store& st, const std::string& name, const std::string& role,
                           const std::string& password, const std::string& actor) {
  return Put(st, name, role, password, actor, /*must_be_new=*/false);
}

Result<UserChange> SetRole(store::Store& st, const std::string& name, const std::string& role,
                           const std::string& actor) {
  if (auto why = CheckRole(role); !why.empty()) return Refused(Code::kInvalid, why);
  if (name == actor) return Refused(Code::kForbidden, "you cannot change your own role");
  UserChange refused;
  auto m = Load(st, name, &refused);
  if (!m.ok()) return m.errors();
  if (!m.value()) return refused;
  store::Moderator u = *m.value();
  const std::string from = u.role;
  u.role = role;
  return Save(st, u, actor, "user.role", name + ": " + from + " -> " + role, "", false);
}

Result<UserChange> SetDisabled(store::Store& st, const std::string& name, bool disabled,
                               const std::string& actor) {
  if (name == actor && disabled) return Refused(Code::kForbidden, "you cannot disable yourself");
  UserChange refused;
  auto m = Load(st, name, &refused);
  if (!m.ok()) return m.errors();
  if (!m.value()) return refused;
  store::Moderator u = *m.value();
  u.disabled = disabled;
  return Save(st, u, actor, disabled ? "user.disable" : "user.enable", name, "", disabled);
}

Result<UserChange> ResetPassword(store::Store& st, const std::string& name,
                                 const std::string& password, const std::string& actor) {
  UserChange refused;
  auto m = Load(st, name, &refused);
  if (!m.ok()) return m.errors();
  if (!m.value()) return refused;
  std::string generated;
  std::string pw = password;
  if (pw.empty()) pw = generated = GeneratePassword();
  if (auto why = CheckPassword(pw); !why.empty()) return Refused(Code::kInvalid, why);
  auto hash = HashPassword(pw);
  if (!hash.ok()) return hash.errors();
  store::Moderator u = *m.value();
  u.password_hash = hash.value();
  return Save(st, u, actor, "user.reset", name, generated, true);
}

}  // namespace aasr::review
