/* adwatch dashboard behaviour. Vanilla JS, no dependencies, loaded from our own origin only.
 *
 * A small subset of htmx's attribute API (written here because nothing may be fetched from a CDN):
 *   hx-get / hx-post="url"   request on the trigger event (forms: submit; inputs: change; others: click)
 *   hx-target="#id"          element to swap (default: the element itself)
 *   hx-swap="innerHTML|outerHTML"  (default innerHTML)
 * Every request carries HX-Request, HX-Target and the CSRF token header. Responses are HTML rendered by
 * the server with autoescaping; an HX-Redirect response header navigates instead.
 */
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function targetOf(el) {
    var sel = el.getAttribute("hx-target");
    return sel ? document.querySelector(sel) : el;
  }

  function swap(el, html) {
    var target = targetOf(el);
    if (!target) return;
    if ((el.getAttribute("hx-swap") || "innerHTML") === "outerHTML") {
      target.outerHTML = html;
    } else {
      target.innerHTML = html;
    }
    document.dispatchEvent(new CustomEvent("adwatch:swapped"));
  }

  function request(el, method, url, body) {
    var target = targetOf(el);
    var headers = { "HX-Request": "true", "X-CSRF-Token": csrf() };
    if (target && target.id) headers["HX-Target"] = target.id;
    el.classList.add("htmx-request");
    return fetch(url, { method: method, body: body, headers: headers, credentials: "same-origin" })
      .then(function (resp) {
        var redirect = resp.headers.get("HX-Redirect");
        if (redirect) { window.location.assign(redirect); return; }
        return resp.text().then(function (html) { swap(el, html); });
      })
      .finally(function () { el.classList.remove("htmx-request"); });
  }

  function fire(el, evt) {
    if (el.hasAttribute("data-confirm") && !window.confirm(el.getAttribute("data-confirm"))) return;
    var post = el.getAttribute("hx-post");
    var get = el.getAttribute("hx-get");
    var form = el.tagName === "FORM" ? el : el.closest("form");
    if (post) {
      if (evt) evt.preventDefault();
      var fd = form ? new FormData(form) : new FormData();
      if (el.name && el.value !== undefined && el !== form) fd.set(el.name, el.value);
      request(el, "POST", post, fd);
    } else if (get) {
      if (evt) evt.preventDefault();
      var url = get;
      if (form) {
        var params = new URLSearchParams(new FormData(form));
        url = get + (get.indexOf("?") >= 0 ? "&" : "?") + params.toString();
        if (el === form || el.form === form) history.replaceState(null, "", window.location.pathname + "?" + params.toString());
      }
      request(el, "GET", url, null);
    }
  }

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.hasAttribute("hx-post") || f.hasAttribute("hx-get")) { fire(f, e); return; }
    if (f.hasAttribute("data-confirm") && !window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
  });

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && (el.hasAttribute("hx-get") || el.hasAttribute("hx-post"))) { fire(el, e); return; }
    var form = el.form;
    if (form && form.hasAttribute("data-autosubmit")) {
      if (form.hasAttribute("hx-get")) fire(form, null); else form.submit();
    }
  });

  document.addEventListener("click", function (e) {
    var photo = e.target.closest ? e.target.closest(".photo") : null;
    if (photo) { photo.classList.toggle("blurred"); photo.setAttribute("aria-pressed", photo.classList.contains("blurred") ? "false" : "true"); return; }
    var el = e.target.closest ? e.target.closest("[hx-get],[hx-post]") : null;
    if (el && el.tagName !== "FORM" && el.tagName !== "SELECT" && el.tagName !== "INPUT") fire(el, e);
  });

  /* Keyboard triage in the review queue: j/k move, Enter/o open, 1 concern, 2 no concern, 3 unsure. */
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-ad]")); }
  function selected() { return document.querySelector("tr[data-ad].sel"); }
  function select(tr) {
    var cur = selected();
    if (cur) cur.classList.remove("sel");
    if (tr) { tr.classList.add("sel"); tr.scrollIntoView({ block: "nearest" }); }
  }
  document.addEventListener("keydown", function (e) {
    if (!document.querySelector("[data-triage]")) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
    var list = rows(); if (!list.length) return;
    var cur = selected(); var i = cur ? list.indexOf(cur) : -1;
    if (e.key === "j") { select(list[Math.min(list.length - 1, i + 1)]); e.preventDefault(); }
    else if (e.key === "k") { select(list[Math.max(0, i - 1)]); e.preventDefault(); }
    else if ((e.key === "Enter" || e.key === "o") && cur) { window.location.assign("/ads/" + cur.getAttribute("data-ad")); }
    else if (cur && (e.key === "1" || e.key === "2" || e.key === "3")) {
      var btn = cur.querySelector('[data-key="' + e.key + '"]');
      if (btn) { fire(btn, e); select(list[Math.min(list.length - 1, i + 1)]); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var list = rows(); if (list.length && document.querySelector("[data-triage]")) select(list[0]);
  });
})();
