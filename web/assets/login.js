// The session and page shell shared by the staff and admin pages: which business the page is
// for, signing in (password, then a TOTP or recovery code), MFA enrolment for admins who have
// none yet, signing out, and the small DOM helpers both pages use (status messages, dialogs,
// error text).
//
// The session lives in the HttpOnly `__Host-boka_session` cookie the server sets on
// `POST /api/auth/login?cookie=1`; this module never sees a token and stores nothing in
// localStorage or sessionStorage. api.js carries the CSRF token on every change.
//
// Elements (the page supplies #auth, #app, #status, #business-name, #session-bar,
// #signed-in-as, #logout and nav#app-nav; this module fills #auth):
//   #slug-form, #business-slug              which business, when the URL names none
//   #login-form, #email, #password, #login-submit
//   #mfa-form, #mfa-code, #mfa-submit, #mfa-cancel
//   #enroll-view, #mfa-enroll-start, #mfa-secret, #mfa-uri, #mfa-confirm-form,
//   #mfa-confirm-code, #recovery-codes, #recovery-done
//   #access-denied                          signed in, but not allowed on this page

import { api, ApiError, forgetSession } from "./api.js";

const ROLE_RANK = { customer: 0, staff: 1, admin: 2, superadmin: 3 };

// ---- DOM helpers ---------------------------------------------------------------------------

// el("button", {class: "secondary", dataset: {id: 4}, onclick}, "Text", child, ...). Text is
// always set as text (never parsed as HTML), so names typed by customers cannot inject markup.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// Plain words for any failure: the server's problem detail, or what went wrong on the way.
// Never a stack trace.
export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 0 || error.status >= 500) {
      return error.problem.detail || "The server could not do that just now. Try again in a moment.";
    }
    return error.problem.detail || error.problem.title || `The server refused (HTTP ${error.status}).`;
  }
  // fetch() rejects with a TypeError when the request never got an answer.
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
    return "Could not reach the server. Check the connection and try again.";
  }
  // A fault of the page itself: the user gets plain words, the developer the details.
  console.error(error);
  return "Something went wrong on this page. Reload it and try again.";
}

// One polite live region (#status) for the whole page: a screen reader reads each new
// message once; sighted users see it above the current view.
export function announce(message, kind = "info") {
  const region = $("#status");
  if (!region) return;
  region.replaceChildren();
  if (!message) return;
  region.append(el("p", { class: kind === "info" ? "notice" : `notice ${kind}` }, message));
}

// A failure of an action. 401 means the session ended (idle expiry, signed out elsewhere):
// back to the sign-in form rather than a confusing error.
export function reportError(error, target) {
  if (error instanceof ApiError && error.status === 401 && shell) {
    sessionEnded();
    return;
  }
  const text = errorText(error);
  if (target) {
    target.textContent = text;
    target.hidden = false;
  } else {
    announce(text, "error");
  }
}

// Modal dialogs: focus goes to the first field (or `focus`), and back to whatever opened the
// dialog when it closes, however it closes (button, Escape).
export function openDialog(dialog, focus) {
  const opener = document.activeElement;
  for (const error of dialog.querySelectorAll(".dialog-error")) error.hidden = true;
  dialog.addEventListener(
    "close",
    () => {
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
      else $("main")?.focus();
    },
    { once: true },
  );
  dialog.showModal();
  const target = focus || dialog.querySelector("input:not([type=hidden]), select, textarea, button");
  target?.focus();
}

// Disables a button while its request runs, so a double click sends one request.
export async function busy(button, work) {
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

export function roleAtLeast(role, minimum) {
  return (ROLE_RANK[role] ?? -1) >= ROLE_RANK[minimum];
}

// ---- the session ---------------------------------------------------------------------------

let shell = null; // {area, minRole, requireMfa, onReady, business}

// Starts the page: finds the business, the signed-in user, and calls onReady({business,
// user}) once the user may use the page (again after a new sign-in, when a session ended).
//   area: "staff" | "admin" (the path prefix), minRole: "staff" | "admin",
//   requireMfa: admin pages need a session that passed MFA (docs/auth.md).
export async function startSession(options) {
  shell = { ...options, business: null };
  $("#logout")?.addEventListener("click", signOut);

  const slug = slugFromPath(options.area);
  if (!slug) {
    showSlugForm();
    return;
  }
  try {
    shell.business = await api("GET", `/api/public/businesses/${encodeURIComponent(slug)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      showSlugForm(`There is no business with the address “${slug}”. Check the link.`);
    } else {
      announce(errorText(error), "error");
    }
    return;
  }
  const title = `${shell.business.name}: ${options.area === "admin" ? "administration" : "staff"}`;
  $("#business-name").textContent = title;
  document.title = `${title} · boka`;
  await resume();
}

function slugFromPath(area) {
  const match = new RegExp(`^/${area}/([^/]+)/?$`).exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : "";
}

// Asks who is signed in; shows the sign-in form when nobody is.
async function resume() {
  let user;
  try {
    user = await api("GET", "/api/auth/me");
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      showLogin();
    } else {
      announce(errorText(error), "error");
    }
    return;
  }
  if (user.mfa_pending) {
    showMfa();
    return;
  }
  await admit(user);
}

async function admit(user) {
  const { business, minRole, requireMfa, area } = shell;
  if (user.tenant !== business.tenant && user.role !== "superadmin") {
    showDenied(user, `You are signed in to another business. Sign out, then sign in with your ${business.name} account.`);
    return;
  }
  if (!roleAtLeast(user.role, minRole)) {
    showDenied(
      user,
      area === "admin"
        ? `These pages are for administrators. Your account is a ${user.role} account.`
        : `These pages are for staff. Your account is a ${user.role} account.`,
    );
    return;
  }
  if (requireMfa && !user.mfa_enabled) {
    showEnrollment(user);
    return;
  }
  $("#auth").replaceChildren();
  announce("");
  $("#signed-in-as").textContent = `Signed in as ${user.display_name || user.email} (${user.role})`;
  $("#session-bar").hidden = false;
  $("#app-nav").hidden = false;
  $("#app").hidden = false;
  await shell.onReady({ business, user });
}

// A request answered 401: the session is over. Hide everything it showed.
export function sessionEnded() {
  forgetSession();
  $("#app").hidden = true;
  $("#app-nav").hidden = true;
  $("#session-bar").hidden = true;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  showLogin("Your session has ended. Sign in again to go on.");
}

async function signOut() {
  try {
    await api("POST", "/api/auth/logout");
  } catch {
    // Already signed out or the server is gone: either way the page forgets the session.
  }
  forgetSession();
  // A fresh page load drops every booking, customer and key the page still holds in memory.
  location.reload();
}

function showView(...nodes) {
  $("#app").hidden = true;
  $("#auth").replaceChildren(...nodes);
}

function field(id, label, props = {}, hint) {
  const hintId = hint ? `${id}-hint` : undefined;
  return [
    el("label", { for: id }, label),
    hint ? el("p", { class: "hint", id: hintId }, hint) : null,
    el("input", { id, name: id, "aria-describedby": hintId, ...props }),
  ];
}

function formError(id) {
  return el("p", { id, class: "notice error form-error", role: "alert", hidden: true });
}

function showSlugForm(message) {
  const error = formError("slug-error");
  const form = el(
    "form",
    { id: "slug-form", class: "card-form" },
    field("business-slug", "Business address", { required: true, autocomplete: "off", spellcheck: "false" },
      "The short name in your booking link, such as “city-dental”."),
    error,
    el("div", { class: "actions" }, el("button", { type: "submit" }, "Continue")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const slug = $("#business-slug").value.trim().toLowerCase();
    if (!/^[a-z0-9][a-z0-9-]*$/.test(slug)) {
      error.textContent = "Use the letters, digits and dashes of the business address.";
      error.hidden = false;
      return;
    }
    location.assign(`/${shell.area}/${encodeURIComponent(slug)}`);
  });
  showView(el("section", { class: "card auth" }, el("h2", {}, "Which business?"), form));
  if (message) announce(message, "error");
  $("#business-slug").focus();
}

function showLogin(message) {
  const error = formError("login-error");
  const submit = el("button", { type: "submit", id: "login-submit" }, "Sign in");
  const form = el(
    "form",
    { id: "login-form", class: "card-form" },
    field("email", "Email", { type: "email", required: true, autocomplete: "username", spellcheck: "false" }),
    field("password", "Password", { type: "password", required: true, autocomplete: "current-password" }),
    error,
    el("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    await busy(submit, async () => {
      try {
        const grant = await api("POST", "/api/auth/login?cookie=1", {
          tenant: shell.business.tenant,
          email: $("#email").value.trim(),
          password: $("#password").value,
        });
        // The password leaves the page as soon as it was used.
        $("#password").value = "";
        if (grant.mfa_pending) showMfa();
        else await resume();
      } catch (failure) {
        $("#password").value = "";
        error.textContent = errorText(failure);
        error.hidden = false;
        $("#password").focus();
      }
    });
  });
  showView(el("section", { class: "card auth", "aria-labelledby": "login-heading" },
    el("h2", { id: "login-heading" }, "Sign in"), form));
  announce(message || "", message ? "warning" : "info");
  $("#email").focus();
}

function showMfa() {
  const error = formError("mfa-error");
  const submit = el("button", { type: "submit", id: "mfa-submit" }, "Verify");
  const cancel = el("button", { type: "button", id: "mfa-cancel", class: "secondary", onclick: signOut }, "Cancel");
  const form = el(
    "form",
    { id: "mfa-form", class: "card-form" },
    field("mfa-code", "Verification code", {
      required: true, autocomplete: "one-time-code", inputmode: "text", spellcheck: "false", maxlength: "40",
    }, "The 6-digit code from your authenticator app, or one of your recovery codes."),
    error,
    el("div", { class: "actions" }, submit, cancel),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    await busy(submit, async () => {
      try {
        await api("POST", "/api/auth/mfa/verify?cookie=1", { code: $("#mfa-code").value.trim() });
        await resume();
      } catch (failure) {
        error.textContent = errorText(failure);
        error.hidden = false;
        $("#mfa-code").select();
      }
    });
  });
  showView(el("section", { class: "card auth", "aria-labelledby": "mfa-heading" },
    el("h2", { id: "mfa-heading" }, "Two-step verification"), form));
  announce("");
  $("#mfa-code").focus();
}

function showDenied(user, message) {
  showView(el(
    "section",
    { class: "card auth", id: "access-denied", "aria-labelledby": "denied-heading" },
    el("h2", { id: "denied-heading" }, "Not available for this account"),
    el("p", {}, message),
    el("p", { class: "hint" }, `Signed in as ${user.email}.`),
    el("div", { class: "actions" }, el("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out")),
  ));
  $("#session-bar").hidden = true;
}

// Admin permissions need a session that passed MFA; an admin without a second factor sets
// one up here before anything else. The secret is on screen only until it is confirmed.
function showEnrollment(user) {
  const error = formError("enroll-error");
  const start = el("button", { type: "button", id: "mfa-enroll-start" }, "Set up two-step verification");
  const setup = el("div", { id: "mfa-setup", hidden: true });
  const section = el(
    "section",
    { class: "card auth", id: "enroll-view", "aria-labelledby": "enroll-heading" },
    el("h2", { id: "enroll-heading" }, "Set up two-step verification"),
    el("p", {}, `Administrators sign in with a password and a code from an authenticator app. ${
      user.display_name || user.email}, your account has no authenticator yet.`),
    error,
    el("div", { class: "actions" }, start),
    setup,
  );
  start.addEventListener("click", () => busy(start, async () => {
    error.hidden = true;
    try {
      const enrollment = await api("POST", "/api/auth/mfa/enroll");
      start.hidden = true;
      showEnrollmentSecret(setup, enrollment, error);
    } catch (failure) {
      reportError(failure, error);
    }
  }));
  showView(section);
  start.focus();
}

function showEnrollmentSecret(setup, enrollment, error) {
  const submit = el("button", { type: "submit" }, "Turn on");
  const form = el(
    "form",
    { id: "mfa-confirm-form", class: "card-form" },
    field("mfa-confirm-code", "Code from the app", {
      required: true, autocomplete: "one-time-code", inputmode: "numeric", pattern: "[0-9 ]{6,7}", maxlength: "7",
    }),
    el("div", { class: "actions" }, submit),
  );
  setup.replaceChildren(
    el("h3", {}, "1. Add the account to your authenticator app"),
    el("p", {}, "On a phone, open the link; elsewhere, type the key into the app (time-based, 6 digits)."),
    el("p", {}, el("a", { id: "mfa-uri", href: enrollment.provisioning_uri }, "Open in authenticator app")),
    el("p", {}, "Key: ", el("code", { id: "mfa-secret", class: "secret" }, enrollment.secret.replace(/(.{4})/g, "$1 ").trim())),
    el("h3", {}, "2. Enter the code the app shows"),
    form,
  );
  setup.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    await busy(submit, async () => {
      try {
        const enabled = await api("POST", "/api/auth/mfa/confirm?cookie=1", {
          code: $("#mfa-confirm-code").value.replace(/\s/g, ""),
        });
        showRecoveryCodes(enabled.recovery_codes || []);
      } catch (failure) {
        reportError(failure, error);
      }
    });
  });
  $("#mfa-confirm-code").focus();
}

function showRecoveryCodes(codes) {
  const done = el("button", { type: "button", id: "recovery-done" }, "I have saved the codes");
  done.addEventListener("click", resume);
  showView(el(
    "section",
    { class: "card auth", "aria-labelledby": "recovery-heading" },
    el("h2", { id: "recovery-heading" }, "Two-step verification is on"),
    el("p", { class: "notice warning" },
      "Save these recovery codes somewhere safe now: each signs you in once if you lose your phone. " +
      "They are shown only this once."),
    el("ol", { id: "recovery-codes", class: "codes" }, codes.map((code) => el("li", {}, el("code", {}, code)))),
    el("div", { class: "actions" }, done),
  ));
  announce("Two-step verification is on.", "success");
  done.focus();
}

// ---- views -----------------------------------------------------------------------------------

// Gives focus to a heading (made focusable for it), so a screen reader says where the user is.
export function focusHeading(id) {
  const heading = $(`#${id}`);
  heading.tabIndex = -1;
  heading.focus();
}

// The view the address names ("#/keys"), one of `views`, else `fallback`.
export function viewFromHash(views, fallback) {
  const match = /^#\/(\w+)/.exec(location.hash);
  return match && views.includes(match[1]) ? match[1] : fallback;
}

// Shows the view `name` of `views` (the element #<name>-view) and marks its navigation link
// current. After a navigation (moveFocus) the view's heading takes focus and the last message,
// which was about the view left behind, is cleared.
export function showOnly(views, name, moveFocus) {
  for (const view of views) $(`#${view}-view`).hidden = view !== name;
  for (const link of document.querySelectorAll("#app-nav a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (moveFocus) {
    announce("");
    focusHeading(`${name}-heading`);
  }
}
