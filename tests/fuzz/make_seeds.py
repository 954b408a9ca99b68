#!/usr/bin/env python3
"""Writes the seed inputs of boka's fuzz targets (corpus/<target>/seed-*) and their
dictionaries (dict/<target>.dict). Seeds are starting points; the committed corpus also
holds what the fuzzers found worth keeping (merged with scripts/fuzz.sh --merge) and the
regression input of every defect found (corpus/<target>/regress-*).

    tests/fuzz/make_seeds.py BOKA_FIELD_LISTS_BINARY

BOKA_FIELD_LISTS_BINARY is build/<preset>/tests/codec/boka_field_lists: it prints the
codec's documents, in the order the documents target numbers them, with their fields.
Rerun it when a document or a field is added.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def dictionary(target, words, comment):
    lines = ["# " + comment, "# Written by tests/fuzz/make_seeds.py."]
    seen = set()
    for w in words:
        if w in seen:
            continue
        seen.add(w)
        escaped = "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else "\\x%02x" % ord(c)
                          for c in w)
        lines.append('"%s"' % escaped)
    with open(os.path.join(HERE, "dict", target + ".dict"), "w") as f:
        f.write("\n".join(lines) + "\n")


EXAMPLES = {
    "Tenant": '{"name":"Clinic","rules":{"cancel_cutoff":3600},"max_hold":600}',
    "Resource": '{"name":"Room 1","zone":"Europe/Berlin","capacity":2,"policy":{"slot_step":900,'
                '"min_notice":3600,"buffer_after":600,"daily_limit":4},"metadata":{"floor":2}}',
    "Schedule": '{"name":"Weekdays","weekly":[{"day":"monday","intervals":[{"start_minute":540,'
                '"end_minute":1020}]}],"overrides":[{"date":"2026-12-24","intervals":[]}],'
                '"holidays":[{"name":"Xmas","kind":"fixed_date","month":12,"day_of_month":25}]}',
    "AvailabilityQuery": '{"requests":[{"resource":1,"quantity":1}],"from":"2026-01-05T00:00:00Z",'
                         '"to":"2026-01-06T00:00:00+01:00","duration":1800,"step":900,"limit":50}',
    "ReserveRequest": '{"allocations":[{"pool":1}],"start":"2026-01-05T09:00:00Z","end":'
                      '"2026-01-05T10:00:00Z","hold_for":600,"idempotency_key":"k1","customer":"ana",'
                      '"notes":"n","metadata":{"a":[1,2]}}',
    "SeriesRequest": '{"allocations":[{"resource":1}],"first_date":"2026-01-05","start_minute":600,'
                     '"duration":3600,"rule":"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10","exdates":["2026-01-07"],'
                     '"mode":"skip_conflicts"}',
    "WaitlistRequest": '{"allocations":[{"resource":1}],"earliest_start":"2026-01-05T09:00:00Z",'
                       '"latest_start":"2026-01-05T12:00:00Z","duration":1800,"customer":"c","priority":2}',
    "Service": '{"name":"Cut","duration":1800,"allowed_durations":[1800,3600],"allocations":'
               '[{"resource":1}],"buffer_after":300,"price_minor":2500,"currency":"EUR"}',
    "Customer": '{"display_name":"Ana","email":"ana@example.com","phone":"+49 30 1","locale":"de",'
                '"time_zone":"Europe/Berlin"}',
    "LoginRequest": '{"tenant":1,"email":"a@b.c","password":"pw","mfa_code":"123456"}',
    "TenantRulesRequest": '{"rules":{"cancel_cutoff":3600,"max_active_per_customer":2},'
                          '"max_hold":900,"expected_version":1}',
    "ReservationUpdate": '{"start":"2026-01-05T11:00:00Z","quantity":2,"if_version":3,'
                         '"override_rules":true}',
    "BackupManifest": '{"format":"boka-backup/1","file":"b.db","kind":"full","created_at":'
                      '"2026-01-05T00:00:00Z","sha256":"00","size_bytes":1,"tables":[],'
                      '"audit_heads":[]}',
    "MailSettings": '{"enabled":true,"kinds":["confirmation"],"templates":[{"kind":"confirmation",'
                    '"locale":"en","subject":"Hi {{customer_name}}","text":"{{start}}"}]}',
}


def documents(field_lists):
    docs = json.loads(subprocess.run([field_lists], check=True, capture_output=True).stdout)
    words = ["{", "}", "[", "]", ":", ",", "true", "false", "null", '""', "0", "-1",
             "9223372036854775807", "1e400", '"2026-01-05T09:00:00Z"', '"2026-01-05T09:00:00+14:00"',
             '"2026-01-05"', '"Europe/Berlin"', '"FREQ=WEEKLY;COUNT=3"', "\\u0000", "\\ud800"]
    for index, (name, fields) in enumerate(docs.items()):
        for mode in (0, 1):
            seed("documents", bytes([index, mode]) + b"{}")
        if name in EXAMPLES:
            seed("documents", bytes([index, 0]) + EXAMPLES[name].encode())
            seed("documents", bytes([index, 1]) + EXAMPLES[name].encode())
        words += ['"%s":' % f for f in fields["json"]]
    dictionary("documents", words, "Field names of every document (src/codec/fields.hpp) and JSON tokens.")
    return docs


def http(docs):
    routes = set()
    for source in ("examples/server/api.cpp", "examples/server/web.cpp"):
        text = open(os.path.join(ROOT, source)).read()
        for m in re.finditer(r'route\("([A-Z]+)",\s*(T \+ )?(?:R"\((.*?)\)"|"([^"]*)")', text):
            method, tenant_prefix, path = m.group(1), m.group(2), m.group(3) or m.group(4)
            path = path.replace(r"(\d+)", "1").replace(r"([^/]+)", "demo").replace("\\", "")
            if tenant_prefix:
                path = "/api/tenants/1" + path
            routes.add((method, path))
    words = ["GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "HEAD ", "OPTIONS ", "\n",
             "Authorization: Bearer ", "Content-Type: application/json\n",
             "Cookie: boka_session=", "If-Match: ", "Idempotency-Key: ", "Origin: http://x\n",
             "X-CSRF-Token: ", "X-Forwarded-For: ", "?limit=", "&from=", "?cookie=1", "%2e%2e/",
             "%00", "%zz", "/../"]
    for method, path in sorted(routes):
        words.append(path)
        body = "{}"
        seed("http_request", bytes([1]) + ("%s %s\nAccept: */*\n\n%s" % (method, path, body)).encode())
    seed("http_request", bytes([5]) + b"POST /api/tenants/1/reservations\n\n" +
         EXAMPLES["ReserveRequest"].encode())
    seed("http_request", bytes([5]) + b"GET /api/tenants/1/availability?resource=1&from=2026-01-05T00:00:00Z"
         b"&to=2026-01-06T00:00:00Z&duration=1800\n\n")
    seed("http_request", bytes([0]) + b"POST /api/auth/login\nContent-Type: application/json\n\n" +
         EXAMPLES["LoginRequest"].encode())
    seed("http_request", bytes([0]) + b"GET /book/demo\n\n")
    for fields in docs.values():
        words += ['"%s":' % f for f in fields["json"]]
    dictionary("http_request", words, "Route paths of boka-server, header names, document fields.")


def small_targets():
    for text in ["", "00ff", "AAECAw==", "AAECAw", "-_8", "MZXW6YTBOI======", "mzxw 6ytb oi",
                 "v1:k1:AAAAAAAAAAAAAAAA", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 "\xc3\xa9\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc0\xaf"]:
        seed("encodings", text.encode("latin-1") if any(ord(c) > 127 for c in text) else text)
    dictionary("encodings", ["=", "==", "-", "_", "+", "/", "v1:", "k1:", "\xc0", "\xed\xa0\x80"],
               "Alphabets and the sealed-value prefix.")

    phc = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43
    for kind, text in [(0, phc), (0, "$argon2id$v=19$m=19456,t=2,p=1$$"), (0, "$argon2i$v=19$m=8,t=1,p=1$a$b"),
                       (1, "boka_12_" + "a" * 52 + "abcdef"), (1, "boka_0_"),
                       (2, "t" * 43), (2, ""), (3, "123456"), (3, "12345678"), (3, "12 456"),
                       (4, "boka\0ana@example.com\0secret"), (4, "Acme: Inc&?\0a b/c%\0\x00\xff")]:
        seed("credentials", bytes([kind]) + (text.encode("latin-1")))
    dictionary("credentials", ["$argon2id$", "$v=19$", "m=", ",t=", ",p=", "$", "boka_", "_",
                               "otpauth://totp/", ":", "%", "@", "?", "&", "="],
               "PHC, API key and otpauth syntax.")

    rrules = ["FREQ=DAILY;COUNT=10", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20261231",
              "FREQ=MONTHLY;BYDAY=-1FR;COUNT=12", "FREQ=MONTHLY;BYMONTHDAY=31,-1;UNTIL=20270101T090000Z",
              "FREQ=WEEKLY;BYDAY=SU,TU;WKST=SU;INTERVAL=2;COUNT=8", "FREQ=YEARLY", "FREQ=DAILY;BYHOUR=9",
              "FREQ=WEEKLY;UNTIL=20261231T090000"]
    for r in rrules:
        seed("rrule_ical", b"\0" + r.encode())
    for t in ["Cut & colour; \"special\"\nline two\\", "\xc3\xa9t\xc3\xa9\0desc,with;chars\0Room 1\0Ana \"A\"\0",
              "x" * 200 + "\xe2\x82\xac" * 40 + "\0\0\0\0America/New_York", "a\0b\0c\0d\0Mars/Olympus"]:
        seed("rrule_ical", b"\1" + t.encode("latin-1"))
    dictionary("rrule_ical", ["RRULE:", "FREQ=", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", ";INTERVAL=",
                              ";COUNT=", ";UNTIL=", ";BYDAY=", ";BYMONTHDAY=", ";WKST=", ";BYSETPOS=",
                              "MO", "TU", "WE", "TH", "FR", "SA", "SU", ",", "-1", "+2", "20261231",
                              "T090000", "Z", "\\", ";", "\r\n", "\xe2\x82\xac"],
               "RRULE parts and values, iCalendar text specials.")

    for u in ["sqlite:boka.db", "sqlite:/var/lib/boka/b.db?durability=full&busy_timeout_ms=5000&pool_size=4&mode=ro",
              "postgresql://boka:s3cr3tpass@db.example:5432/boka?pool_size=8&app_role=boka_app&sslmode=require",
              "postgres://u:p%40ss%20word@/boka?host=/run/postgresql&acquire_timeout_ms=100",
              "postgresql://u:pw@h/db?options=-c%20search_path%3Dx' host=evil"]:
        seed("storage_uri_config", b"\0" + u.encode())
    envs = ["DATABASE_URL=postgresql://a:hunter22222@h/db\0ENCRYPTION_KEY=" + "ab" * 32,
            "LISTEN_ADDRESS=[::1]:8080\0BOKA_THREADS=8\0BOKA_MAX_INFLIGHT=4",
            "PREVIOUS_ENCRYPTION_KEYS=k0:" + "cd" * 32 + ",k1:bad\0BOKA_SMTP_PASSWORD=mailsecret99",
            "BOKA_REDIS_URL=redis://:redispass77@127.0.0.1:6379/0\0BOKA_SMTP_URL=smtp://m:587",
            "BOKA_RATE_LIMIT_PER_CLIENT=1e309\0PORT=-1\0BOKA_TRUSTED_PROXIES=*",
            "DATABASE_URL=postgresql://u@db/boka?sslmode=require&password=hunter2!xyz&a=b"]
    for e in envs:
        seed("storage_uri_config", b"\1" + e.encode())
    names = re.findall(r'"((?:BOKA|DATABASE|ENCRYPTION|PREVIOUS|TOTP|LISTEN|PORT)[A-Z_0-9]*)"',
                       open(os.path.join(ROOT, "examples/server/config.cpp")).read())
    dictionary("storage_uri_config",
               ["sqlite:", "postgresql://", "postgres://", "?", "&", "=", "@", ":", "%", "'", "\\", " ",
                "durability=full", "durability=normal", "busy_timeout_ms=", "pool_size=", "mode=ro",
                "app_role=", "acquire_timeout_ms=", "sslmode=", "password=", "host=", "options=", "\0"] +
               [n + "=" for n in sorted(set(names))],
               "Storage URI syntax and options, configuration variable names.")

    import random
    rnd = random.Random(21)
    for target, count, length in [("conflict_index", 24, 300), ("engine_diff", 24, 160)]:
        for _ in range(count):
            seed(target, bytes(rnd.randrange(256) for _ in range(length)))

    schedule = EXAMPLES["Schedule"]
    for resource in [EXAMPLES["Resource"], '{"name":"r","zone":"America/New_York","capacity":1}',
                     '{"name":"r","zone":"Australia/Lord_Howe","policy":{"slot_step":1800,"max_duration":3600}}']:
        for s in (0, 77, 200):
            seed("schedule_availability", bytes([s]) + schedule.encode() + b"\0" + resource.encode())
    dictionary("schedule_availability",
               ['"weekly":', '"overrides":', '"holidays":', '"day":', '"intervals":', '"start_minute":',
                '"end_minute":', '"date":', '"kind":', '"month":', '"day_of_month":', '"nth":',
                '"weekday":', '"policy":', '"slot_step":', '"min_notice":', '"max_horizon":',
                '"buffer_before":', '"buffer_after":', '"min_duration":', '"max_duration":',
                '"daily_limit":', '"zone":', '"capacity":', '"name":', '"fixed_date"', '"nth_weekday"',
                '"last_weekday"', '"monday"', '"sunday"', '"Europe/London"', '"Asia/Kathmandu"', "1439",
                "1440", "\0"],
               "Schedule and resource policy fields and values.")


C_ABI_CALLS = ["Resource", "Schedule", "Pool", "Service", "Customer", "TenantRulesRequest",
               "AvailabilityQuery", "AvailabilityQuery", "ExplainRequest", "ReserveRequest",
               "ReservationFilter", "ReservationUpdate", "SeriesRequest", "WaitlistRequest",
               "CustomerFilter"]  # in the order of c_abi.cpp's kCalls


def c_abi(docs):
    extra = {"Pool": '{"name":"p","members":[1]}',
             "ExplainRequest": '{"requests":[{"resource":1}],"start":"2026-01-05T09:00:00Z","duration":3600}',
             "ReservationFilter": '{"resource":1,"statuses":["held","confirmed"],"order":"by_start"}',
             "CustomerFilter": '{"query":"ana","limit":5}'}
    for index, name in enumerate(C_ABI_CALLS):
        seed("c_abi", bytes([index]) + b"{}")
        example = EXAMPLES.get(name) or extra.get(name)
        if example:
            seed("c_abi", bytes([index]) + example.encode())
    words = ["{", "}", "[", "]", "true", "false", "null", '"2026-01-05T09:00:00Z"', '"Europe/Berlin"']
    for fields in docs.values():
        words += ['"%s":' % f for f in fields["json"]]
    dictionary("c_abi", words, "Field names of every document, for the C ABI's calls.")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    docs = documents(sys.argv[1])
    http(docs)
    c_abi(docs)
    small_targets()


if __name__ == "__main__":
    main()
