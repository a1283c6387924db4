/* Progressive enhancement of the questionnaire form. The form works without this script
   (save per page, conditional questions appear after saving). With it:
   - conditional questions appear and disappear as answers change (same rules as the server,
     dx_assess/core/questionnaire/conditions.py);
   - changes are saved automatically a few seconds after typing stops;
   - leaving the page with unsaved changes asks first.
   A save sends only the answers changed since the last successful save, each with the value
   the page showed for it (the hidden shown-q_* field); the server decides conflicts from what
   it holds. After a save the page takes the answers the server now holds, and their shown
   values, for every answer the user is not editing, so a stale value is never sent later. */
(function () {
  "use strict";
  // After a save that was refused, the error summary above the form takes the focus, so that
  // keyboard and screen-reader users hear what to fix (the links lead to each field).
  var summary = document.getElementById("error-summary") || document.getElementById("not-saved");
  if (summary) { summary.focus(); }
})();
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form");
  if (!form || !window.fetch) { return; }
  var statusBox = form.querySelector(".autosave-status");
  var baseVersion = form.querySelector("input[name=base_version]");
  var others = {};
  try { others = JSON.parse(form.getAttribute("data-answers") || "{}"); } catch (e) { others = {}; }
  var dirty = false, timer = null, inFlight = false, again = false, stopped = false;
  // A save button pressed while an autosave is on its way waits for it, so that the page's
  // save is based on the version the autosave produced (and is not taken for a conflict).
  var submitWaiting = false, submitter = null, releasing = false;
  var DELAY = 2500;
  // Status messages in the page's language (data-msg-* on the form), Japanese by default.
  function text(key, fallback) { return form.getAttribute("data-msg-" + key) || fallback; }

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function readValue(qid) {
    var box = document.getElementById("question-" + qid);
    if (!box) { return others[qid]; }
    if (box.hidden) { return undefined; }
    var name = "q_" + qid;
    var radios = form.querySelectorAll("input[type=radio][name='" + name + "']");
    if (radios.length) {
      for (var i = 0; i < radios.length; i++) {
        if (radios[i].checked) {
          var v = radios[i].value;
          if (box.getAttribute("data-type") === "yes_no") { return v === "yes"; }
          return v;
        }
      }
      return undefined;
    }
    var boxes = form.querySelectorAll("input[type=checkbox][name='" + name + "']");
    if (boxes.length) {
      var picked = [];
      boxes.forEach(function (b) { if (b.checked) { picked.push(b.value); } });
      return picked;
    }
    var selects = form.querySelectorAll("select[name^='" + name + "-']");
    if (selects.length) {
      var grid = {};
      selects.forEach(function (s) {
        if (s.value) { grid[s.name.substring(name.length + 1)] = s.value; }
      });
      return grid;
    }
    var input = form.querySelector("[name='" + name + "']");
    if (!input || !input.value.trim()) { return undefined; }
    var text = input.value.trim();
    if (box.getAttribute("data-numeric") === "1") {
      var n = Number(text.replace(/[,，]/g, "").replace(/[０-９．]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
      }));
      return isNaN(n) ? text : n;
    }
    return text;
  }

  function answered(v) {
    if (v === undefined || v === null || v === "") { return false; }
    if (Array.isArray(v)) { return v.length > 0; }
    if (typeof v === "object") { return Object.keys(v).length > 0; }
    return true;
  }
  function same(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") { return a === b; }
    if (typeof a === "number" && typeof b === "number") { return a === b; }
    return a === b;
  }
  function members(v) { return Array.isArray(v) ? v : [v]; }

  function test(c) {
    if (c.all) { return c.all.every(test); }
    if (c.any) { return c.any.some(test); }
    if (c.not) { return !test(c.not); }
    if (c.pillar) { return false; }
    var value = readValue(c.q);
    if (c.row) { value = (value && typeof value === "object") ? value[c.row] : undefined; }
    var has = answered(value);
    if (c.op === "answered") { return has === (c.value !== false); }
    if (!has) { return false; }
    switch (c.op) {
      case "equals": return same(value, c.value);
      case "not_equals": return !same(value, c.value);
      case "in": return members(c.value).some(function (m) { return same(value, m); });
      case "not_in": return !members(c.value).some(function (m) { return same(value, m); });
      case "gt": return typeof value === "number" && value > c.value;
      case "gte": return typeof value === "number" && value >= c.value;
      case "lt": return typeof value === "number" && value < c.value;
      case "lte": return typeof value === "number" && value <= c.value;
      case "contains": return Array.isArray(value) && value.indexOf(c.value) >= 0;
      case "any_row_in":
      case "all_rows_in":
        if (typeof value !== "object") { return false; }
        var hits = Object.keys(value).map(function (k) { return members(c.value).indexOf(value[k]) >= 0; });
        return c.op === "any_row_in" ? hits.some(Boolean) : hits.length > 0 && hits.every(Boolean);
    }
    return false;
  }

  // Derived values (保有率 …) recomputed as the user types, from the formula the server
  // uses (data-formula); the page shows them only: the server computes the stored value.
  function numberOf(qid, depth) {
    var box = document.getElementById("question-" + qid);
    if (box && box.getAttribute("data-formula")) { return derive(box, depth + 1); }
    var v = readValue(qid);
    return typeof v === "number" && isFinite(v) ? v : null;
  }
  function calc(node, depth) {
    if (depth > 50) { return null; }
    if (node.n !== undefined) { return node.n; }
    if (node.q !== undefined) { return numberOf(node.q, depth); }
    if (node.neg !== undefined) { var x = calc(node.neg, depth + 1); return x === null ? null : -x; }
    var l = calc(node.l, depth + 1), r = calc(node.r, depth + 1);
    if (l === null || r === null) { return null; }
    switch (node.op) {
      case "+": return l + r;
      case "-": return l - r;
      case "*": return l * r;
      case "/": return r === 0 ? null : l / r;
    }
    return null;
  }
  function derive(box, depth) {
    var f = JSON.parse(box.getAttribute("data-formula"));
    var v = calc(f.expr, depth || 0);
    if (v === null || !isFinite(v)) { return null; }
    if (f.decimals !== null && f.decimals !== undefined) {  // 四捨五入 (half away from zero)
      var scale = Math.pow(10, f.decimals);
      v = Math.sign(v) * Math.round(Math.abs(v) * scale + 1e-9) / scale;
    }
    return v;
  }
  function showNumber(v, decimals) {
    if (Number.isInteger(v)) { return v.toLocaleString("en-US"); }
    var digits = decimals === null || decimals === undefined ? undefined : decimals;
    return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits === undefined ? 20 : digits });
  }
  function refreshDerived() {
    form.querySelectorAll("[data-formula]").forEach(function (box) {
      var out = box.querySelector("output");
      if (!out) { return; }
      var f = JSON.parse(box.getAttribute("data-formula"));
      var v = derive(box, 0);
      out.textContent = v === null ? (out.getAttribute("data-pending") || "") : showNumber(v, f.decimals) + (f.unit || "");
    });
  }

  function refreshVisibility() {
    // In file order, like the server: a question may depend on an earlier, now hidden one.
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      var condition = JSON.parse(box.getAttribute("data-show-when"));
      box.hidden = !test(condition);
    });
  }

  // The state of one question's inputs, to tell whether the user changed it since the last
  // successful save (or since the page was loaded).
  function questionBoxes() { return form.querySelectorAll("[data-question]"); }
  function inputsOf(box) {
    return box.querySelectorAll("input[name^='q_'], select[name^='q_'], textarea[name^='q_']");
  }
  function serialize(box) {
    var parts = [];
    inputsOf(box).forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      parts.push(el.name + "=" + el.value);
    });
    return parts.join("\u0000");
  }
  function shownInput(qid) { return form.querySelector("input[name='shown-q_" + qid + "']"); }
  var snapshot = {};
  questionBoxes().forEach(function (box) { snapshot[box.getAttribute("data-question")] = serialize(box); });
  function changedQuestions() {
    var out = [];
    questionBoxes().forEach(function (box) {
      var qid = box.getAttribute("data-question");
      if (shownInput(qid) && serialize(box) !== snapshot[qid]) { out.push(qid); }
    });
    return out;
  }
  // Show the answer the server holds in a question's inputs (fields: name -> values).
  function showStored(box, fields) {
    inputsOf(box).forEach(function (el) {
      var values = fields[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) >= 0;
      } else {
        el.value = values.length ? values[0] : "";
      }
    });
  }

  // The contact person (first page) is saved by the save button only, never by autosave:
  // while it differs from what the page showed, leaving the page asks first.
  function contactChanged() {
    var out = false;
    form.querySelectorAll("input[name^='contact_']").forEach(function (el) {
      var shown = form.querySelector("input[name='shown-" + el.name + "']");
      if (shown && el.value.trim() !== shown.value) { out = true; }
    });
    return out;
  }

  function save() {
    if (stopped) { return; }
    if (inFlight) { again = true; return; }
    var changed = changedQuestions();
    if (!changed.length) {  // typed, then undone; or only the contact person changed
      dirty = contactChanged();
      say(dirty ? text("contact", "回答担当者の変更は「保存する」で保存します。") : "");
      return;
    }
    inFlight = true;
    say(text("saving", "保存しています…"));
    var body = new FormData();
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    body.append("base_version", baseVersion.value);
    var sent = {};
    changed.forEach(function (qid) {
      var box = document.getElementById("question-" + qid);
      sent[qid] = serialize(box);
      body.append("shown-q_" + qid, shownInput(qid).value);
      inputsOf(box).forEach(function (el) {
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
        body.append(el.name, el.value);
      });
    });
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function (result) {
        var data = result[1];
        form.querySelectorAll(".autosave-error").forEach(function (e) { e.remove(); });
        if (data.status === "saved" || data.status === "unchanged") {
          baseVersion.value = data.version;
          Object.keys(data.answers || {}).forEach(function (qid) {
            var box = document.getElementById("question-" + qid), shown = shownInput(qid);
            if (!box || !shown) { return; }
            var answer = data.answers[qid];
            if (Object.prototype.hasOwnProperty.call(sent, qid)) {
              shown.value = answer.shown;  // saved: the page now shows what is stored
              snapshot[qid] = sent[qid];   // typed since the save went out: still to save
            } else if (serialize(box) === snapshot[qid] && shown.value !== answer.shown) {
              showStored(box, answer.fields);  // a colleague's answer, merged
              shown.value = answer.shown;
              snapshot[qid] = serialize(box);
            }
          });
          refreshVisibility();
          dirty = changedQuestions().length > 0 || contactChanged();
          var now = new Date();
          say(text("saved", "自動保存しました（%s）").replace("%s", now.getHours() + ":" + String(now.getMinutes()).padStart(2, "0")));
          if (dirty) { again = true; }
        } else if (data.status === "invalid") {
          Object.keys(data.errors).forEach(function (name) {
            var box = document.getElementById("question-" + name.substring(2));
            if (box) {
              var p = document.createElement("p");
              p.className = "error-message autosave-error";
              p.textContent = data.errors[name];
              box.insertBefore(p, box.children[1] || null);
            }
          });
          say(text("invalid", "入力内容に確認が必要な箇所があるため、自動保存していません。"));
        } else if (data.status === "conflict") {
          stopped = true;
          say(text("conflict", "ほかの方が同じ回答を更新しました。自動保存を止めました。「保存する」を押すと、どちらを残すか選べます（入力した内容は消えません）。"));
        } else if (data.status === "busy") {
          say(data.message || text("failed", "自動保存できませんでした。「保存する」で保存してください。"));
          again = true;
        }
      })
      .catch(function () { say(text("failed", "自動保存できませんでした。「保存する」で保存してください。")); })
      .then(function () {
        inFlight = false;
        if (submitWaiting) {
          submitWaiting = false; again = false; releasing = true;
          if (submitter && form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
          return;
        }
        if (again && !stopped) { again = false; schedule(); }
      });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY);
  }

  function changed() {
    dirty = true;
    refreshVisibility();
    refreshDerived();
    if (!stopped) { say(text("unsaved", "未保存の変更があります")); schedule(); }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (e) {
    if (timer) { clearTimeout(timer); }
    if (inFlight && !releasing) {
      e.preventDefault();
      submitWaiting = true;
      submitter = e.submitter || null;
      say(text("saving", "保存しています…"));
      return;
    }
    dirty = false;
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  refreshVisibility();
})();
