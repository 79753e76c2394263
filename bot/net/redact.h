// Redaction: what may be shown of a request or response in logs and Errors.
//
// Secrets (access tokens, passwords, JWTs, cookies, app secrets) must never
// reach a log line, an Error message or a test failure. These functions
// replace their values with "REDACTED" and keep everything else, so a log
// still says which call failed. Pure functions; thread-safe.
#pragma once

#include <string>

#include "bot/net/http_client.h"

namespace aasr::net {

// True for Authorization, Proxy-Authorization, Cookie, Set-Cookie and any
// header whose name contains "token", "secret", "key" or "signature"
// (case-insensitive).
bool IsSecretHeader(const std::string& name);

// Headers with secret values replaced.
Headers RedactHeaders(const Headers& headers);

// Query parameters named like secrets (access_token, token, password,
// client_secret, appsecret_proof, code, input_token, fb_exchange_token) get
// their value replaced.
std::string RedactUrl(const std::string& url);

// JSON-ish or form text: values of secret-named fields ("accessJwt",
// "refreshJwt", "password", "access_token", ...) replaced, and anything that
// looks like a bearer token or JWT.
std::string RedactText(const std::string& text);

}  // namespace aasr::net
