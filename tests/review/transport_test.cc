// The review server under attack, over real sockets on loopback (issue 15
// §3): chunked bodies past the limit, slowloris, idle sockets, a flood of idle
// connections, TRACE. Each of these knocked over the cpprestsdk listener.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/review/http_fixture.h"

namespace aasr::review_test {
namespace {

using Clock = std::chrono::steady_clock;

int PortOf(const std::string& base) { return std::stoi(base.substr(base.rfind(':') + 1)); }

// This process's resident memory (the server runs in it), in MiB.
double RssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

// A raw HTTP client: what an attacker's script does, byte by byte.
class Raw {
 public:
  explicit Raw(int port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0;
    timeval tv{5, 0};  // a server that stops reading without closing fails the send
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~Raw() {
    if (fd_ >= 0) ::close(fd_);
  }
  Raw(const Raw&) = delete;
  bool connected() const { return connected_; }

  bool Send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
      sent_ += static_cast<size_t>(n);
    }
    return true;
  }
  size_t sent() const { return sent_; }

  // Reads what arrives within `ms`; stops at EOF (closed() then tells).
  std::string Read(int ms, bool until_close = false) {
    std::string got;
    const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    for (;;) {  // polls at least once, even for ms == 0
      pollfd p{fd_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) break;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
      if (!until_close && Complete(got)) break;
    }
    return got;
  }
  // True once the server closed (EOF or reset) within `ms`; what it sent is kept.
  bool ClosedWithin(int ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    do {
      last_ += Read(std::min(ms, 50), true);
    } while (!closed_ && Clock::now() < deadline);
    return closed_;
  }
  const std::string& last() const { return last_; }

 private:
  // A whole response: the head, and the body Content-Length announces.
  static bool Complete(const std::string& s) {
    auto end = s.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string head = s.substr(0, end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto cl = head.find("content-length:");
    if (cl == std::string::npos) return true;
    size_t len = std::stoul(head.substr(cl + 15));
    return s.size() >= end + 4 + len;
  }
  int fd_ = -1;
  bool connected_ = false, closed_ = false;
  size_t sent_ = 0;
  std::string last_;
};

int StatusOf(const std::string& response) {
  if (response.size() < 12 || response.rfind("HTTP/1.", 0) != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

// Streams up to 256 MiB of chunked body; returns the bytes the server took.
size_t ChunkedFlood(Raw& c, const std::string& path) {
  const std::string head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n";
  REQUIRE(c.Send(head));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  for (int i = 0; i < 4096; ++i)  // 4096 x 64 KiB = 256 MiB
    if (!c.Send(chunk)) break;
  return c.sent();
}

std::function<void(review::ServerOptions&, Fixture&)> Transport(std::function<void(review::TransportOptions&)> set) {
  return [set](review::ServerOptions& o, Fixture&) { set(o.transport); };
}

}  // namespace

TEST_CASE("a chunked 256 MiB POST to /api/login is cut near 1 MiB and memory stays bounded", "[review][transport]") {
  Fixture f;
  const double before = RssMiB();
  Raw c(PortOf(f.base));
  REQUIRE(c.connected());
  const size_t taken = ChunkedFlood(c, "/api/login");
  // 1 MiB of body, plus what the kernel's socket buffers held on loopback.
  CHECK(taken < size_t{48} << 20);
  CHECK(c.ClosedWithin(5000));
  const double after = RssMiB();
  INFO("RSS " << before << " MiB -> " << after << " MiB, " << (taken >> 20) << " MiB sent");
  CHECK(after - before < 64);
  // The 413 is written before the close (the client may see a reset instead
  // when its unread bytes are still in flight).
  if (!c.last().empty()) CHECK(StatusOf(c.last()) == 413);
  // And the server keeps answering.
  Client other(f.base);
  CHECK(other.Call("GET", "/api/session").status == 401);
  CHECK(other.Login("ana", "password-of-ana").status == 200);
}

TEST_CASE("a chunked 256 MiB POST to a mounted webhook is cut before its handler", "[review][transport]") {
  std::atomic<int> calls{0};
  Fixture f([&](review::ReviewServer& s) {
    s.Mount("/webhooks/facebook/page", [&](const review::Request&) {
      ++calls;
      review::Response r;
      r.status = 401;
      r.body = R"({"error":"bad signature"})";
      return r;
    });
  });
  const double before = RssMiB();
  Raw c(PortOf(f.base));
  const size_t taken = ChunkedFlood(c, "/webhooks/facebook/page");
  CHECK(taken < size_t{48} << 20);
  CHECK(c.ClosedWithin(5000));
  CHECK(RssMiB() - before < 64);
  CHECK(calls == 0);
  // A declared 200 MB body is refused on its head, before a byte of it.
  Raw d(PortOf(f.base));
  REQUIRE(d.Send("POST /webhooks/facebook/page HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n\r\n"));
  const std::string r = d.Read(3000);
  CHECK(StatusOf(r) == 413);
  CHECK(r.find("Content-Security-Policy") != std::string::npos);
  CHECK(d.ClosedWithin(2000));
  // A body within the limit reaches the handler.
  Raw e(PortOf(f.base));
  REQUIRE(e.Send("POST /webhooks/facebook/page HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n0\r\n\r\n"));
  CHECK(StatusOf(e.Read(3000)) == 401);
  CHECK(calls == 1);
}

TEST_CASE("50 slowloris connections are closed after the header timeout", "[review][transport]") {
  Fixture f(nullptr, Transport([](review::TransportOptions& t) { t.header_timeout_ms = 1000; }));
  std::vector<std::unique_ptr<Raw>> conns;
  for (int i = 0; i < 50; ++i) {
    conns.push_back(std::make_unique<Raw>(PortOf(f.base)));
    REQUIRE(conns.back()->connected());
    REQUIRE(conns.back()->Send("GET / HTTP/1.1\r\nHost: x\r\n"));
  }
  // Trickle a header byte to each every 200 ms, as slowloris does.
  const auto start = Clock::now();
  int open = 50;
  while (open > 0 && Clock::now() - start < std::chrono::seconds(6)) {
    open = 0;
    for (auto& c : conns) {
      if (c->ClosedWithin(0)) continue;
      c->Send("X");
      ++open;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  INFO(open << " still open after " << secs << " s");
  CHECK(open == 0);
  CHECK(secs >= 0.8);
  CHECK(Client(f.base).Call("GET", "/api/session").status == 401);
}

TEST_CASE("an idle keep-alive socket is closed after the idle timeout", "[review][transport]") {
  Fixture f(nullptr, Transport([](review::TransportOptions& t) {
    t.idle_timeout_ms = 1000;
    t.header_timeout_ms = 5000;
  }));
  Raw c(PortOf(f.base));
  // Two requests on one connection: keep-alive works...
  REQUIRE(c.Send("GET /api/session HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(StatusOf(c.Read(3000)) == 401);
  REQUIRE(c.Send("GET /api/session HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(StatusOf(c.Read(3000)) == 401);
  // ...and then silence ends it.
  const auto start = Clock::now();
  CHECK(c.ClosedWithin(4000));
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(secs >= 0.8);
  CHECK(secs < 3.0);
  // A socket that never sends a byte is closed at the header timeout.
  Raw quiet(PortOf(f.base));
  CHECK_FALSE(quiet.ClosedWithin(3000));
  CHECK(quiet.ClosedWithin(4000));
}

TEST_CASE("400 idle connections from one address do not stop a new client being served", "[review][transport]") {
  Fixture f;  // the defaults: 128 per address, 1024 in all
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 400; ++i) idle.push_back(std::make_unique<Raw>(PortOf(f.base)));
  // Those past the cap per address are answered 503 and closed at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int refused = 0;
  for (auto& c : idle)
    if (c->ClosedWithin(10)) {
      ++refused;
      if (!c->last().empty()) CHECK(StatusOf(c->last()) == 503);
    }
  CHECK(refused >= 400 - 128);
  // Another address is served (127.0.0.2 reaches the loopback listener).
  Raw fresh(PortOf(f.base), "127.0.0.2");
  REQUIRE(fresh.Send("GET /api/session HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(StatusOf(fresh.Read(3000)) == 401);
  // Once the idle ones go, the first address is served again.
  idle.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(Client(f.base).Call("GET", "/api/session").status == 401);
}

TEST_CASE("the cap on connections in all answers 503 and closes", "[review][transport]") {
  Fixture f(nullptr, Transport([](review::TransportOptions& t) {
    t.max_connections = 8;
    t.max_connections_per_address = 100;
  }));
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(std::make_unique<Raw>(PortOf(f.base)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Raw late(PortOf(f.base), "127.0.0.2");
  CHECK(late.ClosedWithin(2000));
  CHECK(StatusOf(late.last()) == 503);
  CHECK(late.last().find("Retry-After: 5") != std::string::npos);
  idle.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(Client(f.base).Call("GET", "/api/session").status == 401);
}

TEST_CASE("TRACE and CONNECT are refused without echoing, unknown methods get 501", "[review][transport]") {
  Fixture f;
  Client ana = f.LoggedIn("ana");
  for (const std::string method : {"TRACE", "CONNECT"}) {
    Raw c(PortOf(f.base));
    REQUIRE(c.Send(method + " / HTTP/1.1\r\nHost: x\r\nCookie: " + ana.cookie() + "\r\n\r\n"));
    const std::string r = c.Read(3000);
    CHECK(StatusOf(r) == 405);
    CHECK(r.find(ana.cookie()) == std::string::npos);
    CHECK(r.find("Allow: GET") != std::string::npos);
    CHECK(r.find("Content-Security-Policy") != std::string::npos);
  }
  Raw u(PortOf(f.base));
  REQUIRE(u.Send("BREW /api/session HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(StatusOf(u.Read(3000)) == 501);
}

TEST_CASE("HTTP/1.0, a head over 16 KiB, Expect 100-continue and garbage", "[review][transport]") {
  Fixture f;
  SECTION("HTTP/1.0 is answered in 1.0 and closed") {
    Raw c(PortOf(f.base));
    REQUIRE(c.Send("GET /api/session HTTP/1.0\r\n\r\n"));
    const std::string r = c.Read(3000);
    CHECK(r.rfind("HTTP/1.0 401", 0) == 0);
    CHECK(c.ClosedWithin(2000));
  }
  SECTION("a head over 16 KiB is 431 and closed") {
    Raw c(PortOf(f.base));
    REQUIRE(c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(20000, 'p') + "\r\n\r\n"));
    CHECK(StatusOf(c.Read(3000)) == 431);
    CHECK(c.ClosedWithin(2000));
  }
  SECTION("100-continue for a body within the limit, none for one over it") {
    Raw c(PortOf(f.base));
    REQUIRE(c.Send("POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
    CHECK(c.Read(3000).rfind("HTTP/1.1 100", 0) == 0);
    REQUIRE(c.Send("{}"));
    const int status = StatusOf(c.Read(3000));
    CHECK(status >= 400);
    CHECK(status < 500);
    Raw big(PortOf(f.base));
    REQUIRE(big.Send("POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n"));
    CHECK(StatusOf(big.Read(3000)) == 413);
  }
  SECTION("a malformed request line is 400") {
    Raw c(PortOf(f.base));
    REQUIRE(c.Send("GET\x01 / HTTP/9\r\n\r\n"));
    CHECK(StatusOf(c.Read(3000)) == 400);
  }
}

}  // namespace aasr::review_test
