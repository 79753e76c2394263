// Password hashing and secret tokens for moderators' logins (libsodium).
//
// Promises: HashPassword returns an Argon2id string (crypto_pwhash_str, with
// libsodium's INTERACTIVE cost, see passwords.cc)
// that embeds its own salt and parameters; VerifyPassword checks a password
// against such a string in constant time. RandomToken returns `bytes` of
// CSPRNG output, URL-safe base64 without padding. TokenHash is the SHA-256-
// sized BLAKE2b hash stored instead of a session token, so a stolen database
// holds no live session. Nothing here logs its inputs.
// Thread safety: all functions may be called from any thread (after the first
// call has initialised libsodium, which Init() does and every function calls).
#pragma once

#include <string>

#include "bot/util/error.h"

namespace aasr::review {

// Passwords shorter than this are refused by `users add`.
constexpr size_t kMinPasswordLength = 10;

Status InitSodium();
Result<std::string> HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);
std::string RandomToken(size_t bytes = 32);
std::string TokenHash(const std::string& token);
// BLAKE2b of `text` under a random key made once per process (32 hex
// digits): what the log shows for a submitted user name that is no user's,
// so attempts can be told apart within a run but the text (maybe a password
// typed into the wrong field) cannot be recovered by guessing.
std::string KeyedHash(const std::string& text);
// Constant-time comparison of two strings (CSRF tokens).
bool SafeEquals(const std::string& a, const std::string& b);

}  // namespace aasr::review
