"""A small fault layer in front of moto_server, on its own 127.0.0.1 port, for end-to-end tests
that need what moto cannot do: slow answers, errors for chosen actions, and target health that
a test forces (moto reports every target healthy at once).

    proxy = FaultProxy(moto_url).start()
    proxy.throttle("DetachInstances", times=2)     # answer Throttling twice, then pass through
    proxy.force_unhealthy(except_ids={...})        # every other target is "unhealthy"
    proxy.delay = 0.05                              # seconds added to every answer
    proxy.hold("DetachInstances", after=True)      # the next one reaches moto, its answer waits
    proxy.held.wait(60); kill the rotor; proxy.release()
    proxy.outage("TerminateInstances", seconds=12, mode="503")  # AWS goes away for 12 s
    proxy.end_outage()                             # ... or until told
    proxy.times                                    # [(action, time.monotonic()), ...]
    proxy.after("ExecuteChangeSet", fn)            # fn(form) once moto answered one with 200
    proxy.rewrite("DescribeChangeSet", fn)         # fn(form, data) -> the answer rotor gets
    proxy.intercept("ExecuteChangeSet", fn)        # fn(form) -> an answer instead of moto's, or None
                                                   #   (bytes: a 200; or (status, bytes))
    proxy.fail_stack_update("web-9", "App", "why") # the next update of web-9 fails, rolled back
    ...
    proxy.stop()
"""
import collections
import errno
import http.server
import json
import re
import threading
import time
import urllib.parse
import urllib.request

THROTTLE = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            b"<Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId>"
            b"</ErrorResponse>")
UNAVAILABLE_MESSAGE = "Service is unavailable (fault proxy outage)"
# EC2 answers errors in its own envelope; the other query services in ErrorResponse.
EC2_UNAVAILABLE = ("<Response><Errors><Error><Code>Unavailable</Code><Message>"
                   f"{UNAVAILABLE_MESSAGE}</Message></Error></Errors>"
                   "<RequestID>fault-proxy</RequestID></Response>").encode()
QUERY_UNAVAILABLE = ("<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
                     f"<Message>{UNAVAILABLE_MESSAGE}</Message></Error>"
                     "<RequestId>fault-proxy</RequestId></ErrorResponse>").encode()
JSON_UNAVAILABLE = json.dumps({"__type": "com.amazonaws.fault#ServiceUnavailableException",
                               "message": UNAVAILABLE_MESSAGE}).encode()

# One request the proxy saw: its action, the service named in the signature's credential scope
# (".../REGION/SERVICE/aws4_request"; "" when unsigned), when it arrived (time.monotonic()) and
# what became of it: "forwarded" (to moto, or held), "throttled", "503" or "dropped" (closed
# unanswered in a "refuse" outage, when it was accepted before the proxy stopped listening).
Request = collections.namedtuple("Request", "action service t fate")


def rest_action(method, path):
    """Route 53's rest-xml calls, named as the API names them."""
    path = path.split("?")[0]
    if "/rrset" in path:
        return "ChangeResourceRecordSets" if method == "POST" else "ListResourceRecordSets"
    if "/change/" in path:
        return "GetChange"
    if path.rstrip("/").endswith("/hostedzone"):
        return "CreateHostedZone" if method == "POST" else "ListHostedZones"
    return "GetHostedZone" if method == "GET" else "Route53" + method


def service_of(headers):
    m = re.search(r"Credential=[^/,]+/[^/,]+/[^/,]+/([^/,]+)/aws4_request",
                  headers.get("Authorization", ""))
    return m.group(1) if m else ""


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
        self.listen_lock = threading.Lock()
        self.server = None
        self.port = None
        self.requests = []           # Request of every call the proxy saw, in arrival order
        self.outage_armed = None     # [match, seconds, mode, calls left] until it begins
        self.outage_mode = None      # "503" or "refuse" while AWS is away, else None
        self.outage_began = None     # time.monotonic() when the latest outage began
        self.outage_ended = None     # ... and when it ended
        self.outage_timer = None
        self.outage_error = None     # why listening again failed, if it did
        self.stopped = False
        self.after_hooks = collections.defaultdict(list)  # action -> [fn(form)], after a 200
        self.rewrites = collections.defaultdict(list)    # action -> [fn(form, data) -> data]
        self.intercepts = collections.defaultdict(list)  # action -> [fn(form) -> bytes or None]
        self.stack_failures = {}     # stack -> (logical id, reason) of its next update
        self.stack_events = {}       # stack -> synthetic events (newest first) to show
        self.intercept("ExecuteChangeSet", self.execute_failing)
        self.rewrite("DescribeTargetHealth", lambda form, data: data if self.healthy_only is None
                     else self.rewrite_health(data))
        self.rewrite("DescribeStackEvents",
                     lambda form, data: self.rewrite_events(form.get("StackName", [""])[0], data))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def times(self):
        """(action, time.monotonic()) of every call the proxy saw, in arrival order. While a
        "refuse" outage lasts nobody listens, so the refused attempts are not among them."""
        with self.lock:
            return [(r.action, r.t) for r in self.requests]

    def outage(self, start_at, seconds=None, mode="503", nth=1):
        """AWS goes away from the nth call from now on whose action is `start_at` (a name, or a
        function of the name): that call never reaches moto, nor does any other until
        `seconds` have passed (None: until end_outage()). mode "503": every call is answered
        HTTP 503 with a ServiceUnavailable error (XML, or JSON for json-protocol calls).
        mode "refuse": the proxy stops listening, so connections are refused (the call that
        began it, and any already accepted, are closed unanswered); it listens again on the
        same port when the outage ends."""
        if mode not in ("503", "refuse"):
            raise ValueError(f"outage mode {mode!r}: '503' or 'refuse'")
        with self.lock:
            self.outage_armed = [start_at, seconds, mode, nth]
            self.outage_began = self.outage_ended = None

    def end_outage(self):
        """Ends the outage now (or disarms one that has not begun); the proxy listens again."""
        with self.lock:
            self.outage_armed = None
            mode, self.outage_mode = self.outage_mode, None
            if mode is None:
                return
            self.outage_ended = time.monotonic()
            if self.outage_timer:
                self.outage_timer.cancel()
                self.outage_timer = None
        if mode == "refuse":
            self.listen()

    def outage_starts(self, action):
        """Whether this call begins an armed outage (called with the lock held)."""
        if not self.outage_armed:
            return False
        match, seconds, mode, _ = self.outage_armed
        if not (match(action) if callable(match) else match == action):
            return False
        self.outage_armed[3] -= 1
        if self.outage_armed[3] > 0:
            return False
        self.outage_armed = None
        self.outage_mode = mode
        self.outage_began = time.monotonic()
        if seconds is not None:
            self.outage_timer = threading.Timer(seconds, self.end_outage)
            self.outage_timer.daemon = True
            self.outage_timer.start()
        if mode == "refuse":
            # Not from the handler's thread: shutdown() waits for serve_forever to return.
            threading.Thread(target=self.go_dark, daemon=True).start()
        return True

    def go_dark(self):
        with self.lock:
            server, self.server = self.server, None
        if server:
            server.shutdown()
            server.server_close()  # the port is free: connections are refused
        with self.lock:
            ended = self.outage_mode is None
        if ended:  # end_outage() came while the old server was still shutting down
            self.listen()

    def listen(self):
        """Serves on self.port (any free port the first time); again after a refuse outage.
        One thread at a time: the end of an outage may race with the shutdown that began it."""
        with self.listen_lock:
            with self.lock:
                if self.server is not None or self.outage_mode == "refuse" or self.stopped:
                    return
            deadline = time.monotonic() + 10
            while True:
                try:
                    server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port or 0),
                                                             self.handler)
                    break
                except OSError as e:  # the old listener is still closing
                    if e.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                        self.outage_error = f"cannot listen on 127.0.0.1:{self.port} again: {e}"
                        raise
                    time.sleep(0.05)
            with self.lock:
                self.server = server
                self.port = server.server_address[1]
            # A short poll: shutdown() returns, and the port is free, within 50 ms.
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True).start()

    def throttle(self, action, times):
        with self.lock:
            self.throttles[action] = times

    def hold(self, match, after=False, nth=1, by_form=False):
        """The nth call from now whose action is `match` (a name, or a function of the name)
        waits until release(): before moto sees it, or (after=True) once moto has acted but
        before its answer leaves. `held` is set when it waits, `held_action` names it; the
        caller kills the client meanwhile, so the answer is never delivered. With `by_form`,
        `match` is a function of the action and the call's form parameters that returns a name
        for the call (held_action) when it matches, None otherwise: one change among several of
        an action ("AttachVolume vol-1")."""
        with self.lock:
            self.held.clear()
            self.released.clear()
            self.held_action = None
            self.holding = [match, after, nth, by_form]

    def release(self):
        self.released.set()

    def wait_if_held(self, action, after, form=None):
        with self.lock:
            if not self.holding or self.holding[1] != after:
                return False
            match, by_form = self.holding[0], self.holding[3]
            if by_form:
                name = match(action, form or {})
            else:
                name = action if (match(action) if callable(match) else match == action) else None
            if name is None:
                return False
            self.holding[2] -= 1
            if self.holding[2] > 0:
                return False
            self.holding = None
            self.held_action = name
        self.held.set()
        self.released.wait(120)
        return True

    def after(self, action, fn):
        """fn(form) after moto answered `action` with 200, after those added before."""
        self.after_hooks[action].append(fn)

    def rewrite(self, action, fn):
        """fn(form, data) -> data for every 200 answer to `action`, after those added before."""
        self.rewrites[action].append(fn)

    def intercept(self, action, fn):
        """fn(form) -> an answer that stands for moto's (moto never sees the call), or None:
        bytes (a 200), or (HTTP status, bytes), e.g. an error AWS gives and moto does not."""
        self.intercepts[action].append(fn)

    def fail_stack_update(self, stack, logical_id, reason):
        """The next ExecuteChangeSet of `stack` never reaches moto (moto fails no update); the
        stack's events then tell what CloudFormation tells of a failed update: the resource that
        failed and why, and the rollback that put the stack back."""
        with self.lock:
            self.stack_failures[stack] = (logical_id, reason)

    def execute_failing(self, form):
        if self.failed_update(form.get("StackName", [""])[0]):
            return (b"<ExecuteChangeSetResponse><ExecuteChangeSetResult/>"
                    b"</ExecuteChangeSetResponse>")
        return None

    def failed_update(self, stack):
        """The events of a failed, rolled back update of `stack`, or None if none is armed."""
        with self.lock:
            failure = self.stack_failures.pop(stack, None)
            if failure is None:
                return None
            logical, reason = failure
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            n = len(self.stack_events.get(stack, []))
            steps = [(stack, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"),
                     (logical, "AWS::AutoScaling::AutoScalingGroup", "UPDATE_FAILED", reason),
                     (stack, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS",
                      f"The following resource(s) failed to update: [{logical}]."),
                     (stack, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", "")]
            events = [(f"fault-proxy-{stack}-{n + i}", now) + step for i, step in enumerate(steps)]
            self.stack_events.setdefault(stack, [])[:0] = reversed(events)
            return events

    def rewrite_events(self, stack, data):
        """Shows the synthetic events of `stack` among moto's, newest first by time, as
        CloudFormation would."""
        with self.lock:
            events = list(self.stack_events.get(stack, []))
        if not events:
            return data
        text = data.decode()
        start, end = text.find("<StackEvents>"), text.find("</StackEvents>")
        if start < 0 or end < 0:
            return data
        inner = text[start + len("<StackEvents>"):end]
        members = [(re.search(r"<Timestamp>([^<]*)</Timestamp>", m).group(1), m)
                   for m in re.findall(r"<member>.*?</member>", inner, flags=re.S)]
        members += [(t, f"<member><EventId>{eid}</EventId><StackName>{stack}</StackName>"
                        f"<Timestamp>{t}</Timestamp><LogicalResourceId>{logical}"
                        f"</LogicalResourceId><ResourceType>{rtype}</ResourceType>"
                        f"<ResourceStatus>{status}</ResourceStatus><ResourceStatusReason>{reason}"
                        f"</ResourceStatusReason></member>")
                    for eid, t, logical, rtype, status, reason in events]
        members.sort(key=lambda m: m[0], reverse=True)  # stable: same-time order kept
        merged = "".join(m for _, m in members)
        return (text[:start] + "<StackEvents>" + merged + text[end:]).encode()

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
                if self.path.startswith("/2013-04-01/"):
                    action, form = rest_action("POST", self.path), {}
                service = service_of(self.headers)
                with proxy.lock:
                    proxy.calls[action] = proxy.calls.get(action, 0) + 1
                    away = proxy.outage_mode or (proxy.outage_starts(action) and proxy.outage_mode)
                    left = 0 if away else proxy.throttles.get(action, 0)
                    if left:
                        proxy.throttles[action] = left - 1
                    fate = {"503": "503", "refuse": "dropped"}.get(away) or (
                        "throttled" if left else "forwarded")
                    proxy.requests.append(Request(action, service, time.monotonic(), fate))
                if away == "refuse":
                    self.close_connection = True
                    return  # AWS is gone: no answer at all
                if away == "503":
                    if target:
                        return self.answer(503, JSON_UNAVAILABLE, self.headers.get(
                            "Content-Type", "application/x-amz-json-1.0"))
                    return self.answer(503, EC2_UNAVAILABLE if service == "ec2"
                                       else QUERY_UNAVAILABLE)
                if proxy.delay:
                    time.sleep(proxy.delay)
                if left:
                    return self.answer(400, THROTTLE)
                if proxy.wait_if_held(action, after=False, form=form):
                    self.close_connection = True
                    return  # never reached moto, never answered
                for intercept in proxy.intercepts[action]:
                    instead = intercept(form)
                    if instead is not None:
                        status, data = instead if isinstance(instead, tuple) else (200, instead)
                        return self.answer(status, data)
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
                # Rewrites first: one that emulates what AWS does with the call (and moto leaves
                # out) belongs to the act itself, even when the answer is then lost.
                for rewrite in proxy.rewrites[action] if status == 200 else []:
                    data = rewrite(form, data)
                if proxy.wait_if_held(action, after=True, form=form):
                    self.close_connection = True
                    return  # moto acted; the answer is lost
                for hook in proxy.after_hooks[action] if status == 200 else []:
                    hook(form)
                self.answer(status, data)

            def do_GET(self):  # noqa: N802  (Route 53 reads: forwarded, and can be held)
                action = rest_action("GET", self.path)
                with proxy.lock:
                    proxy.calls[action] = proxy.calls.get(action, 0) + 1
                    proxy.requests.append(Request(action, service_of(self.headers),
                                                  time.monotonic(), "forwarded"))
                if proxy.wait_if_held(action, after=False):
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                req = urllib.request.Request(proxy.upstream + self.path, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                if proxy.wait_if_held(action, after=True):
                    self.close_connection = True
                    return
                self.answer(status, data)

            def answer(self, status, data, content_type="text/xml"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.listen()
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
        with self.lock:
            self.stopped = True
            self.outage_armed = None
            self.outage_mode = None
            if self.outage_timer:
                self.outage_timer.cancel()
                self.outage_timer = None
            server, self.server = self.server, None
        if server:
            server.shutdown()
            server.server_close()
