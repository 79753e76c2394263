// Seeds the outreach outbox of a database for the browser test: one post
// that failed for good (with a platform error that carries hostile markup),
// one planned, one published. Prints their ids as one JSON line.
// Usage: seed_outbox DB
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "bot/outreach/store.h"
#include "bot/util/clock.h"

using namespace aasr::outreach;

namespace {

OutboxRow Row(const std::string& account, const std::string& platform, const std::string& item,
              const std::string& text, int64_t planned_at) {
  OutboxRow row;
  row.kind = "story";
  row.item_id = item;
  row.account = account;
  row.platform = platform;
  row.planned_at = planned_at;
  row.post.account = account;
  row.post.text = text;
  row.post.link = "https://endseclusion.example/" + item + "/";
  row.post.idempotency_key = account + "/story/" + item;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: seed_outbox DB\n";
    return 2;
  }
  auto opened = OutreachStore::Open(argv[1]);
  if (!opened.ok()) {
    std::cerr << aasr::FormatErrors(opened.errors());
    return 1;
  }
  OutreachStore& st = *opened.value();
  const int64_t now = aasr::SystemClock().NowUnix();
  auto check = [](const aasr::Status& s) {
    if (!s.ok()) {
      std::cerr << aasr::FormatErrors(s.errors());
      std::exit(1);
    }
  };

  OutboxRow failed = Row("aasr-bsky", "bluesky", "five-year-anniversary",
                         "Five Year Anniversary: in the five years since its inception, the "
                         "Alliance Against Seclusion & Restraint has been at the forefront of a "
                         "vital movement. Please consider donating.",
                         now - 3600);
  aasr::platforms::Image img;
  img.file = "var/cards/five-year-anniversary.png";
  img.alt = "Five Year Anniversary card: a child's hand in a parent's hand";
  img.mime_type = "image/png";
  failed.post.images.push_back(img);
  const int64_t failed_id = st.InsertOutbox(failed, now - 3600).value();
  const std::string error =
      "HTTP 401: ExpiredToken: Token has expired <img src=x onerror=alert(3)>";
  for (int i = 0; i < 3; ++i) {
    check(st.MarkSending(failed_id, now - 3000 + i * 600));
    check(st.MarkAttemptFailed(failed_id, error, now - 2900 + i * 600, i == 2, now - 3000 + i * 600));
  }

  const int64_t planned_id =
      st.InsertOutbox(Row("aasr-fb", "facebook", "our-mission",
                          "Our mission is to inform changes in policy and practice to reduce and "
                          "eliminate the use of punitive discipline.",
                          now + 3600),
                      now - 60)
          .value();

  const int64_t published_id =
      st.InsertOutbox(Row("aasr-masto", "mastodon", "about-seclusion-and-restraint",
                          "Restraint and seclusion are crisis management strategies that are "
                          "used in many schools across the nation.",
                          now - 86400),
                      now - 86400)
          .value();
  check(st.MarkSending(published_id, now - 86000));
  aasr::platforms::Published p;
  p.remote_id = "113";
  p.url = "https://mastodon.example/@aasr/113";
  check(st.MarkPublished(published_id, p, now - 86000));

  std::cout << nlohmann::json{{"failed", failed_id}, {"planned", planned_id},
                              {"published", published_id}}
                   .dump()
            << "\n";
  return 0;
}
