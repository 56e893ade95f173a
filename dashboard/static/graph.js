/* Network graph: a small force-directed layout drawn as SVG, no dependencies.
 * Reads {nodes: [{id, kind, label, title, href?}], links: [{source, target, kind}]} from the
 * element's data-src (same origin). Labels are set with textContent, never as markup. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var R = { ad: 9, phone: 7, photo: 7, text: 6, email: 6, handle: 6 };

  function el(name, attrs) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function layout(nodes, links, w, h) {
    var index = {};
    nodes.forEach(function (n, i) {
      index[n.id] = n;
      var a = (2 * Math.PI * i) / nodes.length;
      n.x = w / 2 + (w / 3) * Math.cos(a) + (i % 7);
      n.y = h / 2 + (h / 3) * Math.sin(a) + (i % 5);
      n.vx = 0; n.vy = 0;
    });
    var edges = links.map(function (l) { return [index[l.source], index[l.target]]; })
      .filter(function (e) { return e[0] && e[1]; });
    var k = Math.sqrt((w * h) / Math.max(nodes.length, 1)) * 0.55;
    for (var it = 0; it < 300; it++) {
      var t = 1 - it / 300;
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i], b = nodes[j];
          var dx = a.x - b.x, dy = a.y - b.y, d2 = dx * dx + dy * dy + 0.01;
          var f = (k * k) / d2;
          a.vx += dx * f * 0.05; a.vy += dy * f * 0.05; b.vx -= dx * f * 0.05; b.vy -= dy * f * 0.05;
        }
      }
      edges.forEach(function (e) {
        var dx = e[1].x - e[0].x, dy = e[1].y - e[0].y, d = Math.sqrt(dx * dx + dy * dy) + 0.01;
        var f = (d - k) / d * 0.08;
        e[0].vx += dx * f; e[0].vy += dy * f; e[1].vx -= dx * f; e[1].vy -= dy * f;
      });
      nodes.forEach(function (n) {
        n.vx += (w / 2 - n.x) * 0.004; n.vy += (h / 2 - n.y) * 0.004;
        var s = Math.sqrt(n.vx * n.vx + n.vy * n.vy), max = 12 * t + 0.5;
        if (s > max) { n.vx *= max / s; n.vy *= max / s; }
        n.x = Math.min(w - 20, Math.max(20, n.x + n.vx)); n.y = Math.min(h - 20, Math.max(20, n.y + n.vy));
        n.vx *= 0.5; n.vy *= 0.5;
      });
    }
    return edges;
  }

  function draw(svg, data) {
    var box = svg.getBoundingClientRect();
    var w = Math.max(box.width, 300), h = Math.max(box.height, 300);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    var nodes = data.nodes.slice(0, 400), links = data.links;
    var edges = layout(nodes, links, w, h);
    var gl = el("g", {}), gn = el("g", {});
    links.forEach(function (l, i) {
      var e = edges[i]; if (!e) return;
      gl.appendChild(el("line", { x1: e[0].x, y1: e[0].y, x2: e[1].x, y2: e[1].y, "class": l.kind }));
    });
    nodes.forEach(function (n) {
      var g = el("g", { tabindex: n.href ? "0" : "-1" });
      var c = el("circle", { cx: n.x, cy: n.y, r: R[n.kind] || 6, "class": n.kind });
      var title = el("title", {}); title.textContent = n.title || n.label; c.appendChild(title);
      var label = el("text", { x: n.x + 11, y: n.y + 4 }); label.textContent = n.label;
      g.appendChild(c); g.appendChild(label);
      if (n.href && n.href.charAt(0) === "/") {
        var go = function () { window.location.assign(n.href); };
        g.addEventListener("click", go);
        g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(); });
      }
      gn.appendChild(g);
    });
    svg.appendChild(gl); svg.appendChild(gn);
    svg.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var svg = document.getElementById("graph");
    if (!svg) return;
    fetch(svg.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { draw(svg, data); });
  });
})();
