#include "bot/review/passwords.h"

#include <sodium.h>

#include <array>

namespace aasr::review {
namespace {

// INTERACTIVE limits (2 passes, 64 MiB) keep a login under ~0.1 s on the small
// machines volunteers run the bot on, while still costing an attacker a lot.
constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

}  // namespace

Status InitSodium() {
  if (sodium_init() < 0) return Error{{"libsodium", 0, 0}, "", "sodium_init failed"};
  return Ok{};
}

Result<std::string> HashPassword(const std::string& password) {
  Status init = InitSodium();
  if (!init.ok()) return init.errors();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Error{{"libsodium", 0, 0}, "", "out of memory while hashing the password"};
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  if (InitSodium().errors().size()) return false;
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string RandomToken(size_t bytes) {
  (void)InitSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string TokenHash(const std::string& token) {
  (void)InitSodium();
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex);
}

std::string KeyedHash(const std::string& text) {
  (void)InitSodium();
  static const auto* key = [] {
    auto* k = new std::array<unsigned char, crypto_generichash_KEYBYTES>();
    randombytes_buf(k->data(), k->size());
    return k;
  }();
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     key->data(), key->size());
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex);
}

bool SafeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace aasr::review
