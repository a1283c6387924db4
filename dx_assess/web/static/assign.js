/* The adviser's towns: a filter box (name or kana) and 「すべて選ぶ」 per 振興局.
   The page works without this script: it is a plain form of checkboxes. */
(function () {
  "use strict";
  var form = document.getElementById("assignment-form");
  if (!form) { return; }
  var tools = form.querySelector("[data-assign-tools]");
  var filter = form.querySelector("[data-assign-filter]");
  var count = form.querySelector("[data-assign-count]");
  var groups = Array.prototype.slice.call(form.querySelectorAll("[data-assign-group]"));
  tools.hidden = false;

  function normal(text) {
    var t = (text || "").normalize("NFKC").toLowerCase();
    /* katakana to hiragana, so that either finds the kana */
    return t.replace(/[\u30a1-\u30f6]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0x60);
    });
  }

  function apply() {
    var wanted = normal(filter.value.trim());
    var shown = 0;
    groups.forEach(function (group) {
      var visible = 0;
      group.querySelectorAll("li[data-search]").forEach(function (item) {
        var match = !wanted || normal(item.getAttribute("data-search")).indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) { visible += 1; }
      });
      group.hidden = visible === 0;
      shown += visible;
    });
    count.textContent = wanted ? shown + "市町村が見つかりました。" : "";
  }

  groups.forEach(function (group) {
    var button = group.querySelector("[data-select-all]");
    button.hidden = false;
    button.addEventListener("click", function () {
      group.querySelectorAll("li[data-search]").forEach(function (item) {
        if (!item.hidden) { item.querySelector("input[type=checkbox]").checked = true; }
      });
    });
  });
  filter.addEventListener("input", apply);
})();
