#!/usr/bin/env python3
"""Writes the four provisioned Grafana dashboards of the operations guide (System Overview,
Application Metrics, Business Metrics, Error Monitoring) from one definition, so their
queries stay consistent. Run it after changing a panel; the JSON files are committed."""
import json
import os

DS = {"type": "prometheus", "uid": "boka-prometheus"}


def panel(pid, title, exprs, x, y, w=12, h=8, kind="timeseries", unit="short"):
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": e, "legendFormat": legend}
            for i, (e, legend) in enumerate(exprs)
        ],
    }


def dashboard(uid, title, panels):
    return {
        "uid": uid,
        "title": title,
        "tags": ["boka"],
        "timezone": "utc",
        "schemaVersion": 38,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "panels": [panel(i + 1, *p[:2], *p[2:4], **(p[4] if len(p) > 4 else {})) for i, p in enumerate(panels)],
    }


RATE = "sum by (route) (rate(http_requests_total{job=\"boka\"}[5m]))"
P = lambda q, m: f"histogram_quantile({q}, sum by (le) (rate({m}_bucket{{job=\"boka\"}}[5m])))"

DASHBOARDS = {
    "system-overview.json": dashboard("boka-system", "System Overview", [
        ("Targets up", [("up{job=\"boka\"}", "{{instance}}")], 0, 0, {"kind": "stat"}),
        ("Read-only", [("max(boka_read_only{job=\"boka\"})", "read-only")], 12, 0, {"kind": "stat"}),
        ("Requests per second", [("sum(rate(http_requests_total{job=\"boka\"}[5m]))", "all")], 0, 8, {"unit": "reqps"}),
        ("Latency p50 / p95 / p99", [(P(0.5, "http_request_duration_seconds"), "p50"),
                                     (P(0.95, "http_request_duration_seconds"), "p95"),
                                     (P(0.99, "http_request_duration_seconds"), "p99")], 12, 8, {"unit": "s"}),
        ("Active sessions", [("sum(user_sessions_active{job=\"boka\"})", "sessions")], 0, 16),
        ("Scrape duration", [("scrape_duration_seconds{job=\"boka\"}", "{{instance}}")], 12, 16, {"unit": "s"}),
    ]),
    "application-metrics.json": dashboard("boka-application", "Application Metrics", [
        ("Requests by route", [(RATE, "{{route}}")], 0, 0, {"unit": "reqps"}),
        ("Request latency p95 by route", [("histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=\"boka\"}[5m])))", "{{route}}")], 12, 0, {"unit": "s"}),
        ("Conflict check p50 / p99", [(P(0.5, "booking_conflict_check_seconds"), "p50"),
                                      (P(0.99, "booking_conflict_check_seconds"), "p99")], 0, 8, {"unit": "s"}),
        ("Availability query p50 / p95", [(P(0.5, "availability_query_seconds"), "p50"),
                                          (P(0.95, "availability_query_seconds"), "p95")], 12, 8, {"unit": "s"}),
        ("Logins by result", [("sum by (result) (rate(auth_logins_total{job=\"boka\"}[5m]))", "{{result}}")], 0, 16, {"unit": "ops"}),
        ("MFA checks by result", [("sum by (result) (rate(auth_mfa_verifications_total{job=\"boka\"}[5m]))", "{{result}}")], 12, 16, {"unit": "ops"}),
    ]),
    "business-metrics.json": dashboard("boka-business", "Business Metrics", [
        ("Bookings created (per hour)", [("sum(increase(bookings_created_total{job=\"boka\"}[1h]))", "bookings")], 0, 0),
        ("Booking transactions by operation and outcome", [("sum by (operation, outcome) (rate(booking_transactions_total{job=\"boka\"}[5m]))", "{{operation}} {{outcome}}")], 12, 0, {"unit": "ops"}),
        ("Share of reserve attempts refused for capacity", [("sum(rate(booking_transactions_total{job=\"boka\",operation=\"reserve\",outcome=\"conflict\"}[15m])) / clamp_min(sum(rate(booking_transactions_total{job=\"boka\",operation=\"reserve\"}[15m])), 1e-9)", "conflicts")], 0, 8, {"unit": "percentunit"}),
        ("Cancellations (per hour)", [("sum(increase(booking_transactions_total{job=\"boka\",operation=\"cancel\",outcome=\"success\"}[1h]))", "cancelled")], 12, 8),
        ("Payments processed (per hour)", [("sum by (outcome) (increase(payments_processed_total{job=\"boka\"}[1h]))", "{{outcome}}")], 0, 16),
        ("Active sessions", [("sum(user_sessions_active{job=\"boka\"})", "sessions")], 12, 16),
    ]),
    "error-monitoring.json": dashboard("boka-errors", "Error Monitoring", [
        ("5xx per second by route", [("sum by (route) (rate(http_requests_total{job=\"boka\",status=~\"5..\"}[5m]))", "{{route}}")], 0, 0, {"unit": "reqps"}),
        ("4xx per second by status", [("sum by (status) (rate(http_requests_total{job=\"boka\",status=~\"4..\"}[5m]))", "{{status}}")], 12, 0, {"unit": "reqps"}),
        ("Error ratio (5xx)", [("sum(rate(http_requests_total{job=\"boka\",status=~\"5..\"}[5m])) / clamp_min(sum(rate(http_requests_total{job=\"boka\"}[5m])), 1e-9)", "5xx")], 0, 8, {"unit": "percentunit"}),
        ("Shed and rate-limited (503 / 429)", [("sum(rate(http_requests_total{job=\"boka\",status=\"503\"}[5m]))", "503"),
                                               ("sum(rate(http_requests_total{job=\"boka\",status=\"429\"}[5m]))", "429")], 12, 8, {"unit": "reqps"}),
        ("Failed logins per minute", [("sum(rate(auth_logins_total{job=\"boka\",result=\"failure\"}[1m])) * 60", "failed")], 0, 16),
        ("Booking errors and denials", [("sum by (operation, outcome) (rate(booking_transactions_total{job=\"boka\",outcome=~\"error|denied\"}[5m]))", "{{operation}} {{outcome}}")], 12, 16, {"unit": "ops"}),
    ]),
}

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
    os.makedirs(out, exist_ok=True)
    for name, d in DASHBOARDS.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(d, f, indent=2)
            f.write("\n")
