"""boka-server's OpenAPI document, checked by an independent validator (swagger-parser from
npm, installed under build/tools on first use): it is valid OpenAPI 3.1, every $ref
resolves, and every request and response body refers to a component schema, so a client can
be generated from it."""

import json
import os
import subprocess

from harness import Server, check, scratch

TOOLS = os.path.join(os.environ.get("BOKA_BUILD_DIR", "."), "tools")


def swagger_parser():
    """The validator, installed once (npm caches it; later runs find it in place)."""
    if not os.path.isdir(os.path.join(TOOLS, "node_modules", "@apidevtools", "swagger-parser")):
        subprocess.run(["npm", "install", "--prefix", TOOLS, "--no-audit", "--no-fund",
                        "@apidevtools/swagger-parser@10"], check=True)
    return os.path.join(TOOLS, "node_modules")


def main():
    d = scratch()
    server = Server("sqlite:" + os.path.join(d, "openapi.db")).start()
    r = server.client.get("/api/openapi.json")
    check(r.status == 200, f"openapi.json: {r}")
    doc = r.json()
    path = os.path.join(d, "openapi.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    modules = swagger_parser()
    out = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "openapi_validate.js"), path],
                         env={**os.environ, "NODE_PATH": modules}, capture_output=True, text=True)
    check(out.returncode == 0, f"swagger-parser refuses the document: {out.stdout}{out.stderr}")
    print(out.stdout.strip())

    # Every body is a component, never a bare object: what a client generator needs.
    schemas = doc["components"]["schemas"]
    for path_, operations in doc["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path_}"
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                check("$ref" in body, f"{where}: the request body is not a component: {body}")
            for status, answer in op["responses"].items():
                for media, content in answer.get("content", {}).items():
                    if media != "application/json" or path_ in ("/api/openapi.json", "/api/health"):
                        continue
                    schema = content["schema"]
                    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
                    check(ref is not None, f"{where} {status}: the answer is not a component: {schema}")
                    check(ref.rsplit("/", 1)[-1] in schemas, f"{where}: {ref} is not in components")
    # The times are RFC 3339 in the schemas too.
    check(schemas["Reservation"]["properties"]["start"]["format"] == "date-time", "Reservation.start")
    check({"zone", "local_start", "local_end"} <= set(schemas["Reservation"]["required"]), "Reservation.zone")
    # A reservation names its allocations and end, or a service (then both may be left out).
    check(set(schemas["ReserveRequestInput"]["required"]) == {"start"},
          f"ReserveRequestInput.required: {schemas['ReserveRequestInput'].get('required')}")
    check({"service", "customer_id", "notes", "override_rules"} <=
          set(schemas["ReserveRequestInput"]["properties"]), "ReserveRequestInput's issue-17 fields")
    # Recurring series: the rule is RRULE text, dates are dates, and every route is there.
    check(set(schemas["SeriesRequestInput"]["required"]) ==
          {"allocations", "first_date", "start_minute", "duration", "rule"},
          f"SeriesRequestInput.required: {schemas['SeriesRequestInput'].get('required')}")
    check(schemas["Series"]["properties"]["rule"]["type"] == "string", "Series.rule is RRULE text")
    check(schemas["Occurrence"]["properties"]["date"]["format"] == "date", "Occurrence.date")
    check("occurrences" in schemas["Conflict"]["properties"], "Conflict.occurrences")
    for p in ("/api/tenants/{tenant}/series", "/api/tenants/{tenant}/series/check",
              "/api/tenants/{tenant}/series/{id}", "/api/tenants/{tenant}/series/{id}/occurrences",
              "/api/tenants/{tenant}/series/{id}/confirm",
              "/api/tenants/{tenant}/reservations/{id}/series-cancel",
              "/api/tenants/{tenant}/reservations/{id}/series-reschedule"):
        check(p in doc["paths"], f"{p} is not in the OpenAPI document")
    # The waitlist: statuses by name, instants RFC 3339, and every route.
    check(set(schemas["WaitlistRequestInput"]["required"]) ==
          {"allocations", "earliest_start", "latest_start", "duration"},
          f"WaitlistRequestInput.required: {schemas['WaitlistRequestInput'].get('required')}")
    check(schemas["WaitlistEntry"]["properties"]["joined_at"]["format"] == "date-time",
          "WaitlistEntry.joined_at")
    for p in ("/api/tenants/{tenant}/waitlist", "/api/tenants/{tenant}/waitlist/{id}",
              "/api/tenants/{tenant}/waitlist/{id}/cancel", "/api/tenants/{tenant}/waitlist/{id}/accept",
              "/api/tenants/{tenant}/waitlist/{id}/priority"):
        check(p in doc["paths"], f"{p} is not in the OpenAPI document")
    # Services, customers, booking rules and edits: the documents and every route.
    check(set(schemas["ServiceInput"]["required"]) == {"name", "duration", "allocations"},
          f"ServiceInput.required: {schemas['ServiceInput'].get('required')}")
    check("ServiceUpdate" in schemas and "CustomerUpdate" in schemas, "PUT forms of Service and Customer")
    check(set(schemas["CustomerInput"]["required"]) == {"display_name"},
          f"CustomerInput.required: {schemas['CustomerInput'].get('required')}")
    check({"rule", "deadline"} <= set(schemas["Conflict"]["properties"]), "Conflict.rule and deadline")
    check(set(schemas["TenantRulesRequestInput"]["required"]) == {"rules", "max_hold", "expected_version"},
          f"TenantRulesRequestInput.required: {schemas['TenantRulesRequestInput'].get('required')}")
    check("required" not in schemas["ReservationUpdateInput"], "every edit field is optional")
    check(schemas["ReservationUpdateInput"]["properties"]["metadata"]["type"] == ["object", "null"],
          "ReservationUpdate.metadata: null keeps it")
    check(schemas["ReservationFilter"]["properties"]["order"]["enum"] == ["by_id", "by_start"],
          "ReservationFilter.order by name")
    check("CustomerExport" in schemas, "the export document")
    for p, methods in (("/api/tenants/{tenant}/services", {"get", "post"}),
                       ("/api/tenants/{tenant}/services/{id}", {"get", "put", "delete"}),
                       ("/api/tenants/{tenant}/customers", {"get", "post"}),
                       ("/api/tenants/{tenant}/customers/{id}", {"get", "put"}),
                       ("/api/tenants/{tenant}/customers/{id}/bookings", {"get"}),
                       ("/api/tenants/{tenant}/customers/{id}/merge", {"post"}),
                       ("/api/tenants/{tenant}/customers/{id}/export", {"get"}),
                       ("/api/tenants/{tenant}/customers/{id}/erase", {"post"}),
                       ("/api/tenants/{tenant}/rules", {"put"}),
                       ("/api/tenants/{tenant}/reservations/{id}", {"get", "patch"})):
        check(p in doc["paths"] and set(doc["paths"][p]) == methods,
              f"{p}: {sorted(doc['paths'].get(p, {}))}, wanted {sorted(methods)}")
    cancel = doc["paths"]["/api/tenants/{tenant}/reservations/{id}/cancel"]["post"]
    check(cancel["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ChangeGuardInput"),
          "the cancel route takes a ChangeGuard")
    check(server.stop() == 0, "clean exit")
    print("openapi e2e: ok")


if __name__ == "__main__":
    main()
