#!/usr/bin/python3
# A real SMTP server for the alert tests: Debian's python3-aiosmtpd on
# 127.0.0.1 and a free port, AUTH (LOGIN/PLAIN) required for the one user
# given. Each message received is written whole to OUT_DIR/<n>.eml (via a
# rename, so a reader never sees half a file), after three X-Envelope-*
# lines with what the session said. Prints the port on stdout once ready;
# stops on SIGTERM.
#   smtp_sink.py OUT_DIR USER PASSWORD
import os
import signal
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out_dir, user, password = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()


class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        tmp = os.path.join(out_dir, ".%d.tmp" % Handler.count)
        with open(tmp, "wb") as f:
            f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\nX-Envelope-Auth: %s\r\n" % (
                envelope.mail_from, ",".join(envelope.rcpt_tos),
                (session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""))).encode())
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(out_dir, "%d.eml" % Handler.count))
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password:
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                        auth_required=True, auth_require_tls=False)
controller.start()
print(port, flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
controller.stop()
