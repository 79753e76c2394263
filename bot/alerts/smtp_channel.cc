// E-mail through libcurl's SMTP: STARTTLS (required by default, or
// smtps:// for TLS from the start), AUTH when a username is set, one
// message per alert with its dedupe key as the Message-ID.
#include <cstring>
#include <ctime>
#include <mutex>

#include <curl/curl.h>

#include "bot/alerts/channel.h"

namespace aasr::alerts {
namespace {

// RFC 2047 for a header with non-ASCII (the subject may carry categories in
// any language); base64 by hand to keep this file free of other libraries.
std::string EncodeWord(const std::string& s) {
  bool ascii = true;
  for (char ch : s) ascii = ascii && static_cast<unsigned char>(ch) < 0x80 && ch != '\r' && ch != '\n';
  if (ascii) return s;
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    b += k[v >> 18];
    b += k[(v >> 12) & 63];
    b += k[(v >> 6) & 63];
    b += k[v & 63];
  }
  if (i < s.size()) {
    uint32_t v = uint8_t(s[i]) << 16;
    if (i + 1 < s.size()) v |= uint8_t(s[i + 1]) << 8;
    b += k[v >> 18];
    b += k[(v >> 12) & 63];
    b += i + 1 < s.size() ? k[(v >> 6) & 63] : '=';
    b += '=';
  }
  return "=?UTF-8?B?" + b + "?=";
}

std::string MailDate(int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Upload {
  const std::string* text;
  size_t pos = 0;
};

size_t ReadPayload(char* out, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t left = u->text->size() - u->pos;
  size_t take = std::min(left, size * n);
  std::memcpy(out, u->text->data() + u->pos, take);
  u->pos += take;
  return take;
}

class SmtpChannel : public Channel {
 public:
  SmtpChannel(const config::AlertChannel& c, const ChannelDeps& deps) : c_(c), deps_(deps) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  SendOutcome Send(const Message& m) override {
    SendOutcome o;
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               (deps_.clock ? deps_.clock : net::SystemClock::Get())->Now().time_since_epoch())
                               .count();
    const std::string text = MailText(c_, m, now_ms, deps_.hostname);
    CURL* curl = curl_easy_init();
    if (!curl) {
      o.error = "libcurl could not start an SMTP session";
      return o;
    }
    Upload up{&text};
    curl_slist* rcpt = nullptr;
    for (const auto& to : c_.to) rcpt = curl_slist_append(rcpt, ("<" + to + ">").c_str());
    char errbuf[CURL_ERROR_SIZE] = {0};
    const std::string from = "<" + c_.from + ">";
    curl_easy_setopt(curl, CURLOPT_URL, c_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadPayload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(deps_.timeout_ms));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(deps_.timeout_ms));
    if (c_.url.rfind("smtp://", 0) == 0) {
      if (c_.starttls == "required") curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      else if (c_.starttls == "optional") curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    }
    if (!c_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, c_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, c_.password.c_str());
    }
    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    o.status = static_cast<int>(code);
    if (rc == CURLE_OK) {
      o.ok = true;
    } else {
      o.error = std::string("SMTP ") + (code ? std::to_string(code) + " " : "") +
                (errbuf[0] ? errbuf : curl_easy_strerror(rc));
      // 5xx to a well-formed message is the server's final word, except for
      // authentication (535), which an admin fixes without touching the alert.
      o.retry = !(code >= 500 && code < 600 && code != 535 && code != 530);
      if (rc == CURLE_LOGIN_DENIED) o.retry = true;
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return o;
  }

 private:
  config::AlertChannel c_;
  ChannelDeps deps_;
};

}  // namespace

std::string MailText(const config::AlertChannel& c, const Message& m, int64_t now_ms, const std::string& hostname) {
  std::string to;
  for (const auto& t : c.to) to += (to.empty() ? "" : ", ") + t;
  std::string out;
  out += "Date: " + MailDate(now_ms) + "\r\n";
  out += "From: aasr-bot <" + c.from + ">\r\n";
  out += "To: " + to + "\r\n";
  out += "Subject: " + EncodeWord("[aasr-bot] " + m.title) + "\r\n";
  out += "Message-ID: <" + m.key + "@" + hostname + ">\r\n";
  if (m.crisis || m.priority >= 3) out += "X-Priority: 1\r\nImportance: high\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  // CRLF line ends; a line starting with "." is doubled (RFC 5321 4.5.2) by
  // libcurl itself, so only the line ends are ours.
  std::string body = m.text + "\n";
  for (char ch : body) {
    if (ch == '\n') out += "\r\n";
    else if (ch != '\r') out += ch;
  }
  return out;
}

std::unique_ptr<Channel> MakeSmtpChannel(const config::AlertChannel& c, const ChannelDeps& deps) {
  return std::make_unique<SmtpChannel>(c, deps);
}

}  // namespace aasr::alerts
