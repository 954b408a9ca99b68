// The admin pages (/admin/<slug>): users and roles, API keys, the security views, the audit
// trail with its verification, health and backups. Admin permissions need a session that
// passed MFA (docs/auth.md); login.js sees to that before anything here runs.
//
// Element hooks (tests and styles rely on them):
//   nav#app-nav a[data-view]            views: #/users, #/keys, #/security, #/audit, #/health
//   #users-table tr[data-id], select.user-role[data-id], .save-role[data-id],
//     .disable-user[data-id], .enable-user[data-id], .unlock-user[data-id], #users-more
//   #create-user-form, #new-user-name, #new-user-email, #new-user-role, #new-user-password,
//     #create-user
//   #api-keys-table tr[data-id], .revoke-key[data-id], #api-keys-empty
//   #create-key-form, #key-name, #key-scopes input[name=scope], #key-expires, #create-key
//   #key-secret-dialog, #key-secret, #copy-key, #copy-result, #key-secret-done
//   #confirm-dialog, #confirm-text, #confirm-yes, #confirm-no   (revoke, disable)
//   #mfa-stats, #locked-accounts, #locked-none, #failed-hours, #failed-logins, #failed-none,
//   #report-days, #security-report
//   #audit-verify, #audit-result[data-ok], #audit-table, #audit-first, #audit-prev,
//   #audit-next, #audit-page
//   #health-report[data-status], #health-refresh, #backups-table, #backups-status,
//   #backups-empty, #backup-now

import { api, ApiError } from "./api.js";
import {
  $,
  announce,
  busy,
  el,
  errorText,
  focusHeading,
  openDialog,
  reportError,
  roleAtLeast,
  showOnly,
  startSession,
  viewFromHash as namedView,
} from "./login.js";
import { formatDateTime, formatDuration } from "./format.js";

const VIEWS = ["users", "keys", "security", "audit", "health"];
const ROLES = ["customer", "staff", "admin", "superadmin"];
const USERS_PAGE = 100;
const AUDIT_PAGE = 50;

// Key scopes are permission names (docs/auth.md); each with the lowest role that holds it,
// since a key may carry at most what its creator holds.
const SCOPES = [
  ["availability:read", "Search free times", "customer"],
  ["resources:read", "Read resources and pools", "customer"],
  ["reservations:own", "Book, and change its own bookings", "customer"],
  ["schedules:read", "Read opening hours", "staff"],
  ["reservations:all", "Read and change every booking", "staff"],
  ["customers:manage", "Customer records", "staff"],
  ["rules:override", "Pass over booking rules", "staff"],
  ["catalog:write", "Change resources, services and rules", "admin"],
  ["users:manage", "Manage users", "admin"],
  ["keys:manage", "Manage API keys", "admin"],
  ["audit:read", "Read the audit trail", "admin"],
  ["security:read", "Read security reports", "admin"],
  ["customers:privacy", "Export and erase customer data", "admin"],
  ["events:read", "Read the event feed", "admin"],
  ["webhooks:manage", "Manage webhooks", "admin"],
  ["mail:manage", "Manage customer mail", "admin"],
  ["payments:manage", "Manage payments", "admin"],
  ["tenants:manage", "Manage businesses", "superadmin"],
  ["system:operations", "System operations", "superadmin"],
];
const DEFAULT_SCOPES = new Set(["availability:read", "resources:read"]);

const state = {
  tenant: 0,
  zone: "UTC",
  me: null,
  otherTenant: false, // a superadmin looking after another business
  users: [],
  keys: [],
  auditPages: [0], // after_seq of each page seen, so "Previous" can go back
  loaded: new Set(), // views loaded since sign-in
};

const tenantPath = (rest) => `/api/tenants/${state.tenant}${rest}`;

// The /api/admin routes act in the caller's own tenant unless told otherwise.
function adminPath(path, params = {}) {
  const query = new URLSearchParams(params);
  if (state.otherTenant) query.set("tenant", String(state.tenant));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

const when = (instant) => (instant ? formatDateTime(instant, state.zone) : "Never");

function pill(text, kind) {
  return el("span", { class: `pill ${kind}` }, text);
}

// A wide table scrolls sideways in a box a keyboard can reach (tabindex 0, a named region).
function scrollRegion(label, table) {
  return el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, table);
}

// Shows or hides a table together with its scroll box, so no empty box takes a Tab stop.
function showTable(selector, visible) {
  const table = $(selector);
  (table.closest(".table-scroll") ?? table).hidden = !visible;
}

function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

// A modal yes/no question; resolves true for yes.
function confirmAction(title, text, yes) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = yes;
  return new Promise((resolve) => {
    const answer = (value) => () => {
      dialog.returnValue = value;
      dialog.close();
    };
    const yesButton = $("#confirm-yes");
    const noButton = $("#confirm-no");
    const onYes = answer("yes");
    const onNo = answer("no");
    yesButton.addEventListener("click", onYes);
    noButton.addEventListener("click", onNo);
    dialog.addEventListener("close", () => {
      yesButton.removeEventListener("click", onYes);
      noButton.removeEventListener("click", onNo);
      resolve(dialog.returnValue === "yes");
    }, { once: true });
    dialog.returnValue = "";
    // The safe answer has focus, so a stray Enter keeps things as they are.
    openDialog(dialog, noButton);
  });
}

// ---- start ---------------------------------------------------------------------------------

function init() {
  $("#users-table").addEventListener("click", onUsersClick);
  $("#locked-accounts").addEventListener("click", onUsersClick);
  $("#users-more").addEventListener("click", () => loadUsers(true));
  $("#create-user-form").addEventListener("submit", onCreateUser);
  $("#create-key-form").addEventListener("submit", onCreateKey);
  $("#api-keys-table").addEventListener("click", onKeysClick);
  $("#copy-key").addEventListener("click", copyKey);
  $("#key-secret-done").addEventListener("click", () => $("#key-secret-dialog").close());
  // The secret leaves the page as soon as the dialog closes, however it closes.
  $("#key-secret-dialog").addEventListener("close", () => {
    $("#key-secret").value = "";
    $("#copy-result").textContent = "";
  });
  $("#failed-hours").addEventListener("change", loadFailedLogins);
  $("#report-days").addEventListener("change", loadReport);
  $("#audit-verify").addEventListener("click", verifyAudit);
  $("#audit-first").addEventListener("click", () => {
    state.auditPages = [0];
    loadAudit();
  });
  $("#audit-prev").addEventListener("click", () => {
    if (state.auditPages.length > 1) state.auditPages.pop();
    loadAudit();
  });
  $("#audit-next").addEventListener("click", () => {
    const last = $("#audit-table tbody tr:last-child");
    if (last) state.auditPages.push(Number(last.dataset.seq));
    loadAudit();
  });
  $("#health-refresh").addEventListener("click", loadHealth);
  $("#backup-now").addEventListener("click", backUpNow);
  window.addEventListener("hashchange", () => state.tenant && showView(viewFromHash(), true));
}

async function onReady({ business, user }) {
  state.tenant = business.tenant;
  state.zone = business.time_zone || "UTC";
  state.me = user;
  state.otherTenant = user.tenant !== business.tenant;
  state.loaded.clear();
  // Roles a new user may get: below admin for an admin, any for a superadmin.
  const grantable = ROLES.filter((role) => canManageRole(role));
  $("#new-user-role").replaceChildren(...grantable.map((role) =>
    el("option", { value: role, selected: role === "staff" }, role)));
  $("#key-scopes").replaceChildren(...SCOPES.filter(([, , role]) => roleAtLeast(user.role, role)).map(([scope, text]) => {
    const id = `scope-${scope.replace(":", "-")}`;
    return el("div", {},
      // The attribute, not the property: form.reset() goes back to these defaults.
      el("input", { type: "checkbox", id, name: "scope", value: scope, checked: DEFAULT_SCOPES.has(scope) ? "" : undefined }),
      el("label", { for: id }, text, " ", el("code", { class: "muted" }, scope)));
  }));
  showView(viewFromHash(), false);
}

// Admins change users below admin; a superadmin changes anyone (docs/auth.md).
function canManageRole(role) {
  return state.me.role === "superadmin" || ROLES.indexOf(role) < ROLES.indexOf("admin");
}

const viewFromHash = () => namedView(VIEWS, "users");

function showView(name, moveFocus) {
  showOnly(VIEWS, name, moveFocus);
  // Each view reads its data when first shown; its own buttons refresh it after.
  if (state.loaded.has(name)) return;
  state.loaded.add(name);
  const loaders = {
    users: () => loadUsers(false),
    keys: loadKeys,
    security: () => Promise.all([loadMfaStats(), loadLocked(), loadFailedLogins(), loadReport()]),
    audit: loadAudit,
    health: () => Promise.all([loadHealth(), loadBackups()]),
  };
  loaders[name]();
}

// ---- users ---------------------------------------------------------------------------------

async function loadUsers(more) {
  try {
    const query = new URLSearchParams({ limit: String(USERS_PAGE) });
    if (more && state.users.length) query.set("after_id", String(state.users.at(-1).id));
    const page = await api("GET", tenantPath(`/users?${query}`));
    state.users = more ? [...state.users, ...page] : page;
    $("#users-more").hidden = page.length < USERS_PAGE;
    renderUsers();
  } catch (error) {
    reportError(error);
  }
}

function isLocked(user) {
  return user.state === "locked" || (user.locked_until && Date.parse(user.locked_until) > Date.now());
}

function stateCell(user) {
  if (user.state === "disabled") return pill("disabled", "bad");
  if (isLocked(user)) {
    return [pill("locked", "warn"), user.locked_until ? el("span", { class: "muted" }, ` until ${when(user.locked_until)}`) : ""];
  }
  return pill("active", "good");
}

function renderUsers() {
  $("#users-table tbody").replaceChildren(...state.users.map(userRow));
}

function userRow(user) {
  const self = user.id === state.me.id && user.tenant === state.me.tenant;
  const manageable = !self && canManageRole(user.role);
  const name = user.display_name || user.email;
  let roleCell = user.role;
  if (manageable) {
    const id = `role-${user.id}`;
    roleCell = el("div", { class: "actions" },
      el("label", { for: id, class: "visually-hidden" }, `Role of ${name}`),
      el("select", { id, class: "user-role", dataset: { id: user.id } },
        ROLES.filter(canManageRole).map((role) => el("option", { value: role, selected: role === user.role }, role))),
      el("button", { type: "button", class: "secondary save-role", dataset: { id: user.id } },
        "Change", el("span", { class: "visually-hidden" }, ` role of ${name}`)));
  }
  const actions = [];
  if (manageable) {
    const label = (text) => [text, el("span", { class: "visually-hidden" }, ` ${name}`)];
    if (isLocked(user) && user.state !== "disabled") {
      actions.push(el("button", { type: "button", class: "secondary unlock-user", dataset: { id: user.id } }, label("Unlock")));
    }
    if (user.state === "disabled") {
      actions.push(el("button", { type: "button", class: "secondary enable-user", dataset: { id: user.id } }, label("Enable")));
    } else {
      actions.push(el("button", { type: "button", class: "danger disable-user", dataset: { id: user.id } }, label("Disable")));
    }
  }
  return el("tr", { dataset: { id: user.id } },
    el("td", {}, user.display_name || el("span", { class: "muted" }, "No name"), self ? el("span", { class: "muted" }, " (you)") : ""),
    el("td", {}, user.email),
    el("td", {}, roleCell),
    el("td", {}, stateCell(user)),
    el("td", {}, user.mfa_enabled ? pill("on", "good") : pill("off", ROLES.indexOf(user.role) >= 2 ? "bad" : "quiet")),
    el("td", {}, when(user.last_login_at)),
    el("td", {}, el("div", { class: "actions" }, actions)));
}

async function onUsersClick(event) {
  const button = event.target.closest("button[data-id]");
  if (!button) return;
  const id = Number(button.dataset.id);
  const user = state.users.find((u) => u.id === id) ?? { id, email: `user ${id}` };
  const name = user.display_name || user.email;
  if (button.classList.contains("save-role")) {
    const role = $(`select.user-role[data-id="${id}"]`).value;
    if (role === user.role) {
      announce(`${name} is already ${role}.`);
      return;
    }
    await updateUser(button, id, "role", { role }, (u) => `${name} is now ${u.role}.`);
  } else if (button.classList.contains("disable-user")) {
    const sure = await confirmAction(`Disable ${name}?`,
      "They are signed out at once and cannot sign in; their API keys stop working. You can enable the account again.",
      "Disable account");
    if (sure) await updateUser(button, id, "state", { state: "disabled" }, () => `${name} is disabled.`);
  } else if (button.classList.contains("enable-user")) {
    await updateUser(button, id, "state", { state: "active" }, () => `${name} is active again.`);
  } else if (button.classList.contains("unlock-user")) {
    await updateUser(button, id, "state", { state: "active" }, () => `${name} is unlocked and may sign in.`);
  }
}

async function updateUser(button, id, what, body, message) {
  await busy(button, async () => {
    try {
      const updated = await api("PUT", tenantPath(`/users/${id}/${what}`), body);
      const index = state.users.findIndex((u) => u.id === id);
      if (index >= 0) state.users[index] = updated;
      renderUsers();
      announce(message(updated), "success");
      $(`#users-table tr[data-id="${id}"] button`)?.focus();
      if (state.loaded.has("security")) loadLocked();
    } catch (error) {
      reportError(error);
    }
  });
}

async function onCreateUser(event) {
  event.preventDefault();
  const body = {
    email: $("#new-user-email").value.trim(),
    password: $("#new-user-password").value,
    role: $("#new-user-role").value,
  };
  const name = $("#new-user-name").value.trim();
  if (name) body.display_name = name;
  await busy($("#create-user"), async () => {
    try {
      const user = await api("POST", tenantPath("/users"), body);
      $("#create-user-form").reset();
      $("#new-user-role").value = "staff";
      state.users.push(user);
      renderUsers();
      announce(`${user.display_name || user.email} was added as ${user.role}.`, "success");
    } catch (error) {
      reportError(error);
    } finally {
      $("#new-user-password").value = "";
    }
  });
}

// ---- API keys ------------------------------------------------------------------------------

async function loadKeys() {
  try {
    state.keys = await api("GET", adminPath("/api/admin/api-keys", { limit: "1000" }));
    renderKeys();
  } catch (error) {
    reportError(error);
  }
}

function keyStatus(key) {
  if (key.revoked_at) return pill(`revoked ${when(key.revoked_at)}`, "bad");
  if (key.expires_at && Date.parse(key.expires_at) <= Date.now()) return pill("expired", "quiet");
  return pill("active", "good");
}

function renderKeys() {
  // Newest first: the one just made is at the top.
  const keys = [...state.keys].sort((a, b) => b.id - a.id);
  $("#api-keys-table tbody").replaceChildren(...keys.map((key) => el("tr", { dataset: { id: key.id } },
    el("td", {}, key.name || `Key ${key.id}`, key.emergency ? [" ", pill("emergency", "warn")] : ""),
    el("td", { class: "code" }, scopeList(key.scopes || [])),
    el("td", {}, when(key.created_at)),
    el("td", {}, key.expires_at ? when(key.expires_at) : "Never"),
    el("td", {}, when(key.last_used_at)),
    el("td", {}, keyStatus(key)),
    el("td", {}, key.revoked_at ? "" : el("button", { type: "button", class: "danger revoke-key", dataset: { id: key.id } },
      "Revoke", el("span", { class: "visually-hidden" }, ` key ${key.name}`))))));
  $("#api-keys-empty").hidden = keys.length > 0;
}

// A few scopes are read at a glance; a long list (an emergency key has them all) folds.
function scopeList(scopes) {
  if (scopes.length <= 4) return scopes.join(", ");
  return el("details", {}, el("summary", {}, `${scopes.length} permissions`), scopes.join(", "));
}

async function onCreateKey(event) {
  event.preventDefault();
  const scopes = [...document.querySelectorAll("#key-scopes input[name=scope]:checked")].map((box) => box.value);
  if (!scopes.length) {
    announce("Choose at least one thing the key may do.", "error");
    return;
  }
  const body = { name: $("#key-name").value.trim(), scopes };
  const expires = $("#key-expires").value;
  if (expires) body.expires_in = Number(expires);
  await busy($("#create-key"), async () => {
    try {
      const created = await api("POST", tenantPath("/api-keys"), body);
      // Show the secret once; keep only the key's public fields.
      const { key: secret, ...publicFields } = created;
      state.keys.push(publicFields);
      renderKeys();
      $("#create-key-form").reset();
      $("#key-secret-name").textContent = created.name;
      $("#key-secret").value = secret;
      announce(`Key “${created.name}” created${body.expires_in ? `; it expires in ${formatDuration(body.expires_in)}` : ""}.`, "success");
      openDialog($("#key-secret-dialog"), $("#key-secret"));
      $("#key-secret").select();
    } catch (error) {
      reportError(error);
    }
  });
}

async function copyKey() {
  const input = $("#key-secret");
  try {
    await navigator.clipboard.writeText(input.value);
    $("#copy-result").textContent = "Copied. Paste it where the program reads its key.";
  } catch {
    // No clipboard access (plain http, or a denied permission): leave it selected to copy.
    input.focus();
    input.select();
    $("#copy-result").textContent = "The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.";
  }
}

async function onKeysClick(event) {
  const button = event.target.closest(".revoke-key");
  if (!button) return;
  const id = Number(button.dataset.id);
  const key = state.keys.find((k) => k.id === id);
  const name = key?.name || `Key ${id}`;
  const sure = await confirmAction(`Revoke “${name}”?`,
    "Programs using this key are refused from their next request on, and so are keys created with it. This cannot be undone.",
    "Revoke key");
  if (!sure) return;
  try {
    const revoked = await api("DELETE", adminPath(`/api/admin/api-keys/${id}`));
    state.keys = state.keys.map((k) => (k.id === id ? revoked : k));
    renderKeys();
    announce(`Key “${name}” is revoked.`, "success");
    focusHeading("keys-heading"); // its button is gone; the view's heading is the nearest place
  } catch (error) {
    reportError(error);
  }
}

// ---- security ------------------------------------------------------------------------------

async function loadMfaStats() {
  try {
    const stats = await api("GET", adminPath("/api/admin/security/mfa-stats"));
    $("#mfa-stats").replaceChildren(mfaSummary(stats));
  } catch (error) {
    $("#mfa-stats").replaceChildren(el("p", { class: "notice error" }, errorText(error)));
  }
}

function mfaSummary(stats) {
  const total = stats.with_mfa + stats.without_mfa;
  return el("div", {},
    el("ul", { class: "numbers" },
      el("li", {}, el("strong", {}, String(stats.with_mfa)), "with two-step verification"),
      el("li", {}, el("strong", {}, String(stats.without_mfa)), "without"),
      el("li", {}, el("strong", {}, total ? `${Math.round((100 * stats.with_mfa) / total)} %` : "–"), "covered")),
    scrollRegion("Two-step verification by role", el("table", { id: "mfa-by-role" },
      el("caption", { class: "visually-hidden" }, "Two-step verification by role"),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Role"), el("th", { scope: "col" }, "With"), el("th", { scope: "col" }, "Without"))),
      el("tbody", {}, (stats.by_role || []).map((row) => el("tr", {},
        el("th", { scope: "row" }, row.role), el("td", {}, String(row.with_mfa)),
        el("td", {}, row.without_mfa && ROLES.indexOf(row.role) >= 2 ? pill(String(row.without_mfa), "bad") : String(row.without_mfa))))))),
    el("p", { class: "hint" }, "Disabled accounts are not counted. Administrators cannot act without it."));
}

async function loadLocked() {
  try {
    const locked = await api("GET", adminPath("/api/admin/security/locked-accounts"));
    for (const user of locked) if (!state.users.some((u) => u.id === user.id)) state.users.push(user);
    $("#locked-accounts tbody").replaceChildren(...locked.map((user) => {
      const name = user.display_name || user.email;
      return el("tr", { dataset: { id: user.id } },
        el("td", {}, user.display_name || ""), el("td", {}, user.email), el("td", {}, user.role),
        el("td", {}, user.locked_until ? when(user.locked_until) : "until unlocked"),
        el("td", {}, String(user.failed_logins ?? "")),
        el("td", {}, canManageRole(user.role)
          ? el("button", { type: "button", class: "secondary unlock-user", dataset: { id: user.id } },
            "Unlock", el("span", { class: "visually-hidden" }, ` ${name}`))
          : ""));
    }));
    showTable("#locked-accounts", locked.length > 0);
    $("#locked-none").hidden = locked.length > 0;
  } catch (error) {
    reportError(error);
  }
}

async function loadFailedLogins() {
  const hours = $("#failed-hours").value;
  try {
    const events = await api("GET", adminPath("/api/admin/security/events", { kind: "login_failed", hours }));
    const newest = [...events].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    $("#failed-logins tbody").replaceChildren(...newest.map((e) => el("tr", {},
      el("td", {}, when(e.at)), el("td", {}, e.email || "–"), el("td", {}, e.source || "–"), el("td", {}, e.detail || ""))));
    showTable("#failed-logins", events.length > 0);
    $("#failed-none").hidden = events.length > 0;
  } catch (error) {
    reportError(error);
  }
}

async function loadReport() {
  const days = $("#report-days").value;
  const target = $("#security-report");
  try {
    const report = await api("GET", adminPath("/api/admin/security/report", { days }));
    const audit = report.audit || {};
    const withoutMfa = (report.admins || []).filter((a) => !a.mfa_enabled);
    target.replaceChildren(
      el("p", { class: "muted" }, `From ${when(report.from)} to ${when(report.to)}.`),
      el("ul", { class: "numbers" },
        el("li", {}, el("strong", {}, String(report.failed_logins ?? 0)), "failed sign-ins"),
        el("li", {}, el("strong", {}, String(report.lockouts ?? 0)), "lockouts"),
        el("li", {}, el("strong", {}, String((report.locked_accounts || []).length)), "accounts locked now"),
        el("li", {}, el("strong", {}, String(report.emergency_keys_used ?? 0)), "emergency key uses")),
      el("p", { class: audit.ok === false ? "notice error" : "notice success" },
        audit.ok === false
          ? `The audit trail is broken at record ${audit.broken_seq}: ${audit.problem || audit.detail || "see the audit view"}.`
          : `The audit trail verifies: ${audit.records ?? audit.records_checked ?? 0} records checked.`),
      el("h4", {}, "Administrators"),
      el("ul", {}, (report.admins || []).map((a) => el("li", {},
        `${a.display_name || a.email} (${a.role}) `, a.mfa_enabled ? pill("two-step on", "good") : pill("no two-step", "bad")))),
      withoutMfa.length
        ? el("p", { class: "notice warning" }, `${withoutMfa.length} administrator account(s) have no two-step verification and cannot use admin permissions until they set it up.`)
        : "",
    );
  } catch (error) {
    target.replaceChildren(el("p", { class: "notice error" }, errorText(error)));
    if (error instanceof ApiError && error.status === 401) reportError(error);
  }
}

// ---- audit trail ---------------------------------------------------------------------------

async function loadAudit() {
  const after = state.auditPages.at(-1);
  try {
    const query = new URLSearchParams({ after_seq: String(after), limit: String(AUDIT_PAGE) });
    const records = await api("GET", tenantPath(`/audit?${query}`));
    $("#audit-table tbody").replaceChildren(...records.map(auditRow));
    $("#audit-prev").disabled = state.auditPages.length <= 1;
    $("#audit-first").disabled = state.auditPages.length <= 1;
    $("#audit-next").disabled = records.length < AUDIT_PAGE;
    $("#audit-page").textContent = records.length
      ? `Records ${records[0].seq} to ${records.at(-1).seq}`
      : "No more records.";
  } catch (error) {
    reportError(error);
  }
}

function auditRow(record) {
  const outcome = record.outcome === "success" ? pill("success", "good")
    : record.outcome === "failure" ? pill("failure", "bad") : pill(record.outcome, "warn");
  const detail = record.detail && typeof record.detail === "object" ? JSON.stringify(record.detail) : String(record.detail ?? "");
  return el("tr", { dataset: { seq: record.seq } },
    el("td", {}, String(record.seq)),
    el("td", {}, when(record.at)),
    el("td", {}, record.actor || el("span", { class: "muted" }, "anonymous")),
    el("td", {}, record.action),
    el("td", {}, record.target || ""),
    el("td", {}, outcome, record.reason ? el("div", { class: "muted" }, record.reason) : ""),
    el("td", {}, record.source || ""),
    el("td", { class: "code" }, detail === "{}" ? "" : detail));
}

async function verifyAudit() {
  const result = $("#audit-result");
  await busy($("#audit-verify"), async () => {
    result.replaceChildren(el("p", { class: "notice" }, "Verifying…"));
    try {
      const v = await api("POST", tenantPath("/audit/verify"));
      const records = v.records ?? v.records_checked ?? 0;
      result.dataset.ok = String(Boolean(v.ok));
      result.replaceChildren(v.ok
        ? el("p", { class: "notice success" }, el("strong", {}, "OK: "),
          `the audit trail is intact. ${records} records checked; each links to the one before it.`)
        : el("p", { class: "notice error" }, el("strong", {}, "Broken: "),
          `record ${v.broken_seq} of chain ${v.broken_tenant}: ${v.problem || v.detail || "it does not verify"}. ` +
          "Keep the database as it is, and compare it with a verified backup."));
    } catch (error) {
      delete result.dataset.ok;
      result.replaceChildren(el("p", { class: "notice error" }, errorText(error)));
      if (error instanceof ApiError && error.status === 401) reportError(error);
    }
  });
}

// ---- health and backups --------------------------------------------------------------------

const STATUS_KIND = { ok: "good", degraded: "warn", failing: "bad" };

async function loadHealth() {
  const target = $("#health-report");
  let report;
  try {
    report = await api("GET", "/api/health?detailed");
  } catch (error) {
    // A failing store answers 503 with the report itself.
    if (error instanceof ApiError && error.problem?.checks) {
      report = error.problem;
    } else if (error instanceof ApiError && error.status === 403) {
      target.replaceChildren(el("p", { class: "notice warning" },
        "The detailed report is for operators only: a superadmin signed in with two-step verification, " +
        "or a request from the server’s own machine."));
      return;
    } else {
      target.replaceChildren(el("p", { class: "notice error" }, errorText(error)));
      if (error instanceof ApiError && error.status === 401) reportError(error);
      return;
    }
  }
  target.dataset.status = report.status;
  const rows = [
    ["Checked", when(report.checked_at)],
    ["Database", `${report.dialect}${report.location ? `: ${report.location}` : ""}`],
    ["Schema", `version ${report.schema_version} (this build expects ${report.expected_schema_version})`],
    ["Storage", report.storage_reachable
      ? `reachable, ${Math.round((report.storage_latency_seconds || 0) * 1000 * 10) / 10} ms for a read`
      : "not reachable"],
    ["Writes", report.read_only ? `read-only: ${report.read_only_reason}` : "allowed"],
    ["Disk", report.disk_total_bytes
      ? `${formatBytes(report.disk_free_bytes)} free of ${formatBytes(report.disk_total_bytes)}`
      : "not measured"],
    ["Last backup", when(report.last_backup_at)],
  ];
  target.replaceChildren(
    el("p", {}, "Overall: ", pill(report.status, STATUS_KIND[report.status] ?? "quiet")),
    el("dl", { class: "details" }, rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)])),
    scrollRegion("Health checks", el("table", { id: "health-checks" },
      el("caption", {}, "Checks"),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Check"), el("th", { scope: "col" }, "Status"), el("th", { scope: "col" }, "Detail"))),
      el("tbody", {}, (report.checks || []).map((check) => el("tr", {},
        el("th", { scope: "row" }, check.name), el("td", {}, pill(check.status, STATUS_KIND[check.status] ?? "quiet")),
        el("td", {}, check.detail)))))),
    (report.heartbeats || []).length
      ? scrollRegion("Background programs", el("table", { id: "health-heartbeats" },
        el("caption", {}, "Background programs"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Program"), el("th", { scope: "col" }, "Last seen"))),
        el("tbody", {}, report.heartbeats.map((beat) => el("tr", {},
          el("th", { scope: "row" }, beat.component), el("td", {}, when(beat.last_seen)))))))
      : "",
  );
}

// 501 not_supported: the server keeps no backups (no backup directory, or not SQLite); 403:
// backups are the operator's (system:operations), not a business administrator's.
function backupsUnavailable(error) {
  if (!(error instanceof ApiError) || (error.status !== 501 && error.status !== 403)) return false;
  const text = error.status === 403
    ? "Backups are kept by the server’s operator: a superadmin signed in with two-step verification sees and makes them here."
    : errorText(error);
  $("#backups-status").replaceChildren(el("p", { class: "notice warning" }, text));
  $("#backup-now").disabled = true;
  showTable("#backups-table", false);
  $("#backups-empty").hidden = true;
  return true;
}

async function loadBackups() {
  try {
    const backups = await api("GET", adminPath("/api/admin/backups"));
    const newest = [...backups].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
    $("#backups-table tbody").replaceChildren(...newest.map((b) => el("tr", {},
      el("td", {}, when(b.created_at)), el("td", {}, b.kind), el("td", {}, formatBytes(b.size_bytes)),
      el("td", { class: "code" }, b.file || (b.path || "").split("/").pop()))));
    showTable("#backups-table", backups.length > 0);
    $("#backups-empty").hidden = backups.length > 0;
    $("#backup-now").disabled = false;
  } catch (error) {
    if (!backupsUnavailable(error)) reportError(error);
  }
}

async function backUpNow() {
  await busy($("#backup-now"), async () => {
    $("#backups-status").replaceChildren(el("p", { class: "notice" }, "Backing up…"));
    try {
      const result = await api("POST", adminPath("/api/admin/backups"), { kind: "manual" });
      const manifest = result.manifest || {};
      const check = result.verification;
      const verified = !check ? "" : check.ok ? " It verifies."
        : ` It does NOT verify: ${(check.problems || []).join("; ") || "see the server log"}.`;
      $("#backups-status").replaceChildren(el("p", { class: check?.ok === false ? "notice error" : "notice success" },
        `Backup written: ${manifest.file || result.path}, ${formatBytes(manifest.size_bytes)}.${verified}`));
      await loadBackups();
      await loadHealth();
    } catch (error) {
      if (!backupsUnavailable(error)) {
        $("#backups-status").replaceChildren(el("p", { class: "notice error" }, errorText(error)));
        if (error instanceof ApiError && error.status === 401) reportError(error);
      }
    }
  });
}

init();
startSession({ area: "admin", minRole: "admin", requireMfa: true, onReady });
