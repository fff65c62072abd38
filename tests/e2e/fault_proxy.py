"""A small fault layer in front of moto_server, on its own 127.0.0.1 port, for end-to-end tests
that need what moto cannot do: slow answers, errors for chosen actions, and target health that
a test forces (moto reports every target healthy at once).

    proxy = FaultProxy(moto_url).start()
    proxy.throttle("DetachInstances", times=2)     # answer Throttling twice, then pass through
    proxy.force_unhealthy(except_ids={...})        # every other target is "unhealthy"
    proxy.delay = 0.05                              # seconds added to every answer
    proxy.hold("DetachInstances", after=True)      # the next one reaches moto, its answer waits
    proxy.held.wait(60); kill the rotor; proxy.release()
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
        self.forwarded = []          # (action, form parameters) of every call moto received
        self.holding = None          # [match, after, calls left] of the call to hold
        self.held_action = None
        self.held = threading.Event()     # set when a call is being held
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def throttle(self, action, times):
        with self.lock:
            self.throttles[action] = times

    def hold(self, match, after=False, nth=1):
        """The nth call from now whose action is `match` (a name, or a function of the name)
        waits until release(): before moto sees it, or (after=True) once moto has acted but
        before its answer leaves. `held` is set when it waits, `held_action` names it; the
        caller kills the client meanwhile, so the answer is never delivered."""
        with self.lock:
            self.held.clear()
            self.released.clear()
            self.held_action = None
            self.holding = [match, after, nth]

    def release(self):
        self.released.set()

    def wait_if_held(self, action, after):
        with self.lock:
            if not self.holding or self.holding[1] != after:
                return False
            match = self.holding[0]
            if not (match(action) if callable(match) else match == action):
                return False
            self.holding[2] -= 1
            if self.holding[2] > 0:
                return False
            self.holding = None
            self.held_action = action
        self.held.set()
        self.released.wait(120)
        return True

    def force_unhealthy(self, except_ids):
        with self.lock:
            self.healthy_only = set(except_ids)

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # Query protocols name the action in the form, json ones in X-Amz-Target.
                form = urllib.parse.parse_qs(body.decode())
                target = self.headers.get("X-Amz-Target", "")
                action = form.get("Action", [target.rpartition(".")[2]])[0]
                with proxy.lock:
                    proxy.calls[action] = proxy.calls.get(action, 0) + 1
                    left = proxy.throttles.get(action, 0)
                    if left:
                        proxy.throttles[action] = left - 1
                if proxy.delay:
                    time.sleep(proxy.delay)
                if left:
                    return self.answer(400, THROTTLE)
                if proxy.wait_if_held(action, after=False):
                    self.close_connection = True
                    return  # never reached moto, never answered
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body,
                                             headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                with proxy.lock:
                    proxy.forwarded.append((action, form))
                if proxy.wait_if_held(action, after=True):
                    self.close_connection = True
                    return  # moto acted; the answer is lost
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
