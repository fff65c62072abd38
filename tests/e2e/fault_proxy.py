"""A small fault layer in front of moto_server, on its own 127.0.0.1 port, for end-to-end tests
that need what moto cannot do: slow answers, errors for chosen actions, and target health that
a test forces (moto reports every target healthy at once).

    proxy = FaultProxy(moto_url).start()
    proxy.throttle("DetachInstances", times=2)     # answer Throttling twice, then pass through
    proxy.force_unhealthy(except_ids={...})        # every other target is "unhealthy"
    proxy.delay = 0.05                              # seconds added to every answer
    ...
    proxy.stop()
"""
import http.server
import re
import threading
import time
import urllib.parse
import urllib.request

THROTTLE = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            b"<Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId>"
            b"</ErrorResponse>")


class FaultProxy:
    def __init__(self, upstream):
        self.upstream = upstream
        self.delay = 0.0
        self.throttles = {}          # action -> answers left to throttle
        self.healthy_only = None     # None, or the ids whose health passes through
        self.calls = {}              # action -> count
        self.lock = threading.Lock()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def throttle(self, action, times):
        with self.lock:
            self.throttles[action] = times

    def force_unhealthy(self, except_ids):
        with self.lock:
            self.healthy_only = set(except_ids)

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                action = urllib.parse.parse_qs(body.decode()).get("Action", [""])[0]
                with proxy.lock:
                    proxy.calls[action] = proxy.calls.get(action, 0) + 1
                    left = proxy.throttles.get(action, 0)
                    if left:
                        proxy.throttles[action] = left - 1
                if proxy.delay:
                    time.sleep(proxy.delay)
                if left:
                    return self.answer(400, THROTTLE)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body,
                                             headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                if action == "DescribeTargetHealth" and proxy.healthy_only is not None:
                    data = proxy.rewrite_health(data)
                self.answer(status, data)

            def answer(self, status, data):
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def rewrite_health(self, data):
        text = data.decode()

        def member(m):
            block = m.group(0)
            target = re.search(r"<Id>([^<]+)</Id>", block)
            if target and target.group(1) not in self.healthy_only:
                block = re.sub(r"<State>[^<]*</State>", "<State>unhealthy</State>", block)
            return block

        return re.sub(r"<member>.*?</member>", member, text, flags=re.S).encode()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
