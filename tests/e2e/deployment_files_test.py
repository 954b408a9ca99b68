#!/usr/bin/env python3
"""The deployment's files as their own tools read them: docker-compose.yml through
docker-compose (Debian's v1, which validates and renders without a Docker daemon) and the
systemd units through systemd-analyze verify, plus the exposure rules the operations guide
states (only nginx on every interface; Prometheus and Grafana on loopback; Redis unpublished,
on an internal network)."""
import os
import shutil
import subprocess

import yaml

from harness import DEPLOYMENT, SERVER, WORKER, check, scratch


def compose(env_file, *args):
    return subprocess.run(["docker-compose", "--env-file", env_file, "-f",
                           os.path.join(DEPLOYMENT, "docker-compose.yml"), *args],
                          capture_output=True, text=True, timeout=120)


def check_compose(work):
    # .env.example as an operator fills it in (ENCRYPTION_KEY is the one value left empty).
    with open(os.path.join(DEPLOYMENT, ".env.example")) as f:
        example = f.read()
    env_file = os.path.join(work, "compose.env")
    with open(env_file, "w") as f:
        f.write(example.replace("\nENCRYPTION_KEY=\n", "\nENCRYPTION_KEY=test-key-of-exactly-32-bytes-long\n"))
    r = compose(env_file, "config", "-q")
    check(r.returncode == 0 and r.stderr.strip() == "", f"docker-compose config -q: {r.returncode} {r.stderr}")

    # A required secret left out is an error, not an empty password.
    without = os.path.join(work, "without-redis.env")
    with open(env_file) as f, open(without, "w") as out:
        out.write("".join(line for line in f if not line.startswith("REDIS_PASSWORD=")))
    r = compose(without, "config", "-q")
    check(r.returncode != 0 and "REDIS_PASSWORD" in r.stderr, f"compose without REDIS_PASSWORD: {r.stderr}")

    r = compose(env_file, "config")
    check(r.returncode == 0, r.stderr)
    rendered = yaml.safe_load(r.stdout)
    services = rendered["services"]
    published = {name: s.get("ports", []) for name, s in services.items() if s.get("ports")}
    for name, ports in published.items():
        for p in ports:
            text = p if isinstance(p, str) else f"{p.get('host_ip', '')}:{p.get('published')}"
            if name != "nginx":
                check(text.startswith("127.0.0.1:"), f"{name} is published beyond loopback: {p}")
    check(set(published) == {"nginx", "prometheus", "grafana"}, f"published services: {sorted(published)}")
    redis = services["redis"]
    check(redis["image"].startswith("redis:7"), redis["image"])
    check(list(redis["networks"]) == ["limits"] and rendered["networks"]["limits"].get("internal") is True,
          f"redis networks: {redis['networks']}, {rendered['networks']}")
    check("--save" in redis["command"][-1] and "--appendonly no" in redis["command"][-1], redis["command"])
    check("change-me-redis" not in " ".join(redis["command"]), "the Redis password is on its command line")
    app = services["app"]
    check(app["environment"]["BOKA_REDIS_URL"].endswith("@redis:6379/0") and "limits" in app["networks"],
          f"app: {app['environment'].get('BOKA_REDIS_URL')}, {app['networks']}")


def check_systemd(work):
    # systemd-analyze verify checks that each ExecStart binary exists, so it verifies copies
    # whose /usr/local/bin paths name the binaries just built (and Debian's docker-compose);
    # docker.service, which boka.service requires, is a stub beside them. Everything else is
    # the shipped text.
    units = os.path.join(work, "units")
    os.makedirs(units)
    binaries = {"/usr/local/bin/boka-server": SERVER, "/usr/local/bin/boka-worker": WORKER,
                "/usr/local/bin/docker-compose": shutil.which("docker-compose")}
    names = sorted(n for n in os.listdir(os.path.join(DEPLOYMENT, "systemd")) if n.endswith(".service"))
    check({"boka.service", "boka-server.service", "boka-worker.service"} <= set(names), names)
    for name in names:
        with open(os.path.join(DEPLOYMENT, "systemd", name)) as f:
            text = f.read()
        for installed, built in binaries.items():
            text = text.replace(installed, os.path.abspath(built))
        check("/usr/local/bin/" not in text, f"{name} names a binary the test does not map: update it")
        with open(os.path.join(units, name), "w") as f:
            f.write(text)
    with open(os.path.join(units, "docker.service"), "w") as f:
        f.write("[Unit]\nDescription=stand-in for Docker's unit\n[Service]\nExecStart=/bin/true\n")
    r = subprocess.run(["systemd-analyze", "verify", *[os.path.join(units, n) for n in names]],
                       capture_output=True, text=True, timeout=120)
    # verify exits 0 on some problems (an unknown signal name is "ignored"): any output fails.
    check(r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "",
          f"systemd-analyze verify: {r.returncode}\n{r.stdout}{r.stderr}")


def main():
    work = scratch()
    check_compose(work)
    check_systemd(work)
    print("deployment files: ok")


if __name__ == "__main__":
    main()
