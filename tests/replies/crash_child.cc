// reply_crash_child DB INSTANCE_URL ACCOUNT [kill-after-send]
//
// One round of the replies sender for a Mastodon account, as the daemon's
// account thread runs it. With `kill-after-send` the process SIGKILLs itself
// the moment the platform has accepted a reply and before the result is
// recorded: the exact window exactly-once must survive. Exit 0 after a clean
// round, 1 on errors (printed), 2 on usage.
#include <signal.h>

#include <iostream>
#include <string>

#include "bot/net/http_client.h"
#include "bot/platforms/mastodon.h"
#include "bot/replies/reply_store.h"
#include "bot/replies/sender.h"
#include "bot/util/clock.h"

using namespace aasr;

namespace {

// Forwards everything to the adapter; dies right after a successful Reply.
class KillAfterSend : public platforms::MastodonPlatform {
 public:
  using MastodonPlatform::MastodonPlatform;
  bool kill = false;
  Result<platforms::Published> Reply(const platforms::ReplyRequest& r) override {
    auto sent = MastodonPlatform::Reply(r);
    if (kill && sent.ok()) ::raise(SIGKILL);
    return sent;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: reply_crash_child DB INSTANCE_URL ACCOUNT [kill-after-send]\n";
    return 2;
  }
  auto store = replies::ReplyStore::Open(argv[1]);
  if (!store.ok()) {
    std::cerr << FormatErrors(store.errors()) << "\n";
    return 1;
  }
  net::SystemClock wall;
  net::SeededRandom random(7);
  net::Options o;
  o.subject = argv[3];
  o.timeout = net::Millis(5000);
  net::HttpClient http(o, &wall, &random);
  platforms::MastodonConfig c;
  c.account = argv[3];
  c.instance = argv[2];
  c.token = "masto-token-123";
  KillAfterSend masto(c, &http, &wall);
  masto.kill = argc > 4 && std::string(argv[4]) == "kill-after-send";
  SystemClock clock;
  replies::ReplySender sender(store.value().get(), &clock);
  replies::ReplyReport r = sender.SendDue(argv[3], masto);
  std::cout << "sent " << r.sent << " reconciled " << r.reconciled << " failed " << r.failed << "\n";
  for (const Error& e : r.errors) std::cerr << e.ToString() << "\n";
  return r.errors.empty() ? 0 : 1;
}
