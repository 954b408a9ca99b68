"""End-to-end test harness: real boka-server, nginx and Prometheus processes on loopback.

Every process is started in a scratch directory and killed at exit. Binaries come from the
environment CTest sets (BOKA_SERVER, BOKA_WORKER, BOKA_ADMIN, BOKA_SOURCE_DIR); nginx,
prometheus, promtool and oathtool from Debian (scripts/install-deps.sh installs them)."""
import atexit
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

SOURCE = os.environ.get("BOKA_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
SERVER = os.environ.get("BOKA_SERVER", "boka-server")
WORKER = os.environ.get("BOKA_WORKER", "boka-worker")
ADMIN = os.environ.get("BOKA_ADMIN", "boka-admin")
DEPLOYMENT = os.path.join(SOURCE, "examples", "deployment")

_processes = []


def rfc3339(t):
    """An instant as the JSON documents carry it: RFC 3339 in UTC."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cleanup():
    for p in _processes:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


atexit.register(_cleanup)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def scratch():
    d = tempfile.mkdtemp(prefix="boka-e2e-")
    os.chmod(d, 0o755)  # nginx workers (nobody) read its files
    atexit.register(shutil.rmtree, d, True)
    return d


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env=None, log=None, cwd=None):
    out = open(log, "ab") if log else subprocess.DEVNULL
    p = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    _processes.append(p)
    return p


def wait_for(predicate, what, timeout=20.0, interval=0.1):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception as e:  # not up yet
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow


class _Schemas:
    """The OpenAPI document of the servers (every one serves the same), used to validate
    every JSON answer a Client gets (python3-jsonschema, JSON Schema 2020-12 as OpenAPI 3.1
    uses it): the body of a 2xx must be what the operation declares for that status, field
    for field. Taken from the first Server the harness starts, straight from its port."""

    document = None

    @classmethod
    def check(cls, client, method, path, response):
        doc = cls.document
        if doc is None or not (200 <= response.status < 300) or path.startswith("/api/openapi.json"):
            return
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            return
        operation = cls._operation(doc, method, path.split("?")[0])
        if operation is None:
            return
        declared = operation.get("responses", {}).get(str(response.status), {})
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return
        import jsonschema  # python3-jsonschema (scripts/install-deps.sh)
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
                "components": doc["components"]}
        try:
            jsonschema.Draft202012Validator(root).validate(response.json())
        except jsonschema.ValidationError as e:
            raise AssertionError(f"{method} {path}: the answer does not match its OpenAPI schema: "
                                 f"{e.message} at {list(e.absolute_path)}") from None

    @staticmethod
    def _operation(doc, method, path):
        parts = path.strip("/").split("/")
        for template, operations in doc["paths"].items():
            t = template.strip("/").split("/")
            if len(t) == len(parts) and all(a == b or (a.startswith("{") and b.isdigit()) for a, b in zip(t, parts)):
                if method.lower() in operations:
                    return operations[method.lower()]
        return None


class Client:
    """HTTP(S) with a JSON body and an optional Bearer credential. Redirects are not followed.
    Every JSON answer of a 2xx is checked against the server's OpenAPI schemas."""

    def __init__(self, base, token=None, cafile=None):
        self.base = base
        self.token = token
        self.context = ssl.create_default_context(cafile=cafile) if cafile else None

    def with_token(self, token):
        c = Client(self.base, token)
        c.context = self.context
        return c

    def request(self, method, path, body=None, headers=None, raw=None, timeout=30, validate=True):
        r = self._send(method, path, body, headers, raw, timeout)
        if validate:
            _Schemas.check(self, method, path, r)
        return r

    def _send(self, method, path, body, headers, raw, timeout):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if data is not None else {}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=self.context))
        try:
            with opener.open(req, timeout=timeout) as r:
                return Response(r.status, dict(r.headers), r.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read().decode())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body if body is not None else {}, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def admin(*args, database=None, check_rc=0, input=None):
    """boka-admin with `args`; `input` is its standard input (create-admin --password-stdin)."""
    env = {**os.environ}
    if database:
        env["DATABASE_URL"] = database
    r = subprocess.run([ADMIN, *args], env=env, capture_output=True, text=True, timeout=120,
                       input=input if input is not None else "")
    if check_rc is not None and r.returncode != check_rc:
        raise AssertionError(f"boka-admin {' '.join(args)}: exit {r.returncode}, wanted {check_rc}\n"
                             f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def totp(secret):
    """A TOTP code computed independently of boka, by oathtool."""
    return subprocess.run(["oathtool", "--totp", "-b", secret], capture_output=True, text=True,
                          check=True).stdout.strip()


class Server:
    def __init__(self, database, port=None, env=None, log_dir=None):
        self.port = port or free_port()
        self.database = database
        self.log = os.path.join(log_dir or scratch(), f"server-{self.port}.log")
        self.env = {
            "DATABASE_URL": database,
            "PORT": str(self.port),
            "LISTEN_ADDRESS": "127.0.0.1",
            "ENCRYPTION_KEY": "e2e-test-key-of-exactly-32-bytes",
            "TOTP_SERVICE_NAME": "boka-e2e",
            "BOKA_ACCESS_LOG": os.path.join(log_dir or os.path.dirname(self.log), f"access-{self.port}.log"),
            "BOKA_ARGON2_MEMORY_KIB": "1024",
            "BOKA_ARGON2_ITERATIONS": "1",
            **(env or {}),
        }
        self.process = None
        self.client = Client(f"http://127.0.0.1:{self.port}")

    def start(self):
        self.process = start([SERVER], env=self.env, log=self.log)
        wait_for(lambda: self.client.get("/api/health").status in (200, 503), f"boka-server on {self.port}")
        if _Schemas.document is None:
            _Schemas.document = self.client.request("GET", "/api/openapi.json", validate=False).json()
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            return self.process.wait(timeout)
        return self.process.returncode if self.process else None

    def output(self):
        with open(self.log, errors="replace") as f:
            return f.read()


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (the test's CA is the certificate itself)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(key, 0o644)
    return cert, key


def render_nginx(directory, upstreams, http_port, https_port, cert, key):
    """examples/deployment/nginx/nginx.conf with test addresses and paths, nothing else changed."""
    with open(os.path.join(DEPLOYMENT, "nginx", "nginx.conf")) as f:
        conf = f.read()
    site = os.path.join(directory, "site")
    os.makedirs(site, exist_ok=True)
    shutil.copy(os.path.join(DEPLOYMENT, "nginx", "maintenance.html"), site)
    replacements = [
        ("pid /run/nginx-boka.pid;", f"pid {directory}/nginx.pid;"),
        ("/var/log/nginx/boka-error.log", f"{directory}/nginx-error.log"),
        ("/var/log/nginx/boka-access.log", f"{directory}/nginx-access.log"),
        ("    server app:3000 max_fails=3 fail_timeout=10s;\n",
         "".join(f"    server {u} max_fails=3 fail_timeout=10s;\n" for u in upstreams)),
        ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen [::]:80;\n", ""),
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("/opt/boka/deployment/nginx/ssl/cert.pem", cert),
        ("/opt/boka/deployment/nginx/ssl/key.pem", key),
        ("/opt/boka/deployment/nginx", site),
        ("/var/www/certbot", site),
    ]
    for old, new in replacements:
        check(old in conf, f"nginx.conf no longer contains {old!r}: update the test's rendering")
        conf = conf.replace(old, new)
    # Temp paths of a non-root nginx stay in the scratch directory.
    conf = conf.replace("http {\n", f"http {{\n  client_body_temp_path {directory}/body;\n"
                                     f"  proxy_temp_path {directory}/proxy;\n", 1)
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path, site


def start_nginx(conf, directory):
    t = subprocess.run(["nginx", "-t", "-c", conf, "-g", "daemon off;"], capture_output=True, text=True)
    check(t.returncode == 0, f"nginx -t refused the config:\n{t.stderr}")
    return start(["nginx", "-c", conf, "-g", "daemon off;"], log=os.path.join(directory, "nginx.out"))


def start_prometheus(directory, target, port):
    """Prometheus from Debian, scraping `target` every second with the shipped job settings."""
    import yaml
    with open(os.path.join(DEPLOYMENT, "prometheus", "prometheus.yml")) as f:
        config = yaml.safe_load(f)
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [os.path.join(DEPLOYMENT, "prometheus", "boka-alerts.yml")]
    for job in config["scrape_configs"]:
        if job["job_name"] == "boka":
            job["static_configs"][0]["targets"] = [target]
        if job["job_name"] == "prometheus":
            job["static_configs"][0]["targets"] = [f"127.0.0.1:{port}"]
    path = os.path.join(directory, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    check(subprocess.run(["promtool", "check", "config", path], capture_output=True).returncode == 0,
          "promtool refused the rendered prometheus.yml")
    p = start(["prometheus", f"--config.file={path}", f"--storage.tsdb.path={directory}/tsdb",
               f"--web.listen-address=127.0.0.1:{port}"], log=os.path.join(directory, "prometheus.out"))
    prom = Client(f"http://127.0.0.1:{port}")
    wait_for(lambda: prom.get("/-/ready").status == 200, "prometheus ready", timeout=30)
    return p, prom


def prom_value(prom, query):
    r = prom.get("/api/v1/query?query=" + urllib.parse.quote(query))
    data = r.json()
    if data.get("status") != "success" or not data["data"]["result"]:
        return None
    return sum(float(x["value"][1]) for x in data["data"]["result"])

