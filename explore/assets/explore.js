// check explore: keyboard shortcuts, copy link, load a trace on choice.
// The page works without this script: every move is a link or a form.
(function () {
  "use strict";
  function go(id) {
    var a = document.getElementById(id);
    if (a && a.tagName === "A") { window.location.href = a.getAttribute("href"); return true; }
    return false;
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    var t = e.target && e.target.tagName;
    if (t === "INPUT" || t === "SELECT" || t === "TEXTAREA") return;
    if (e.key === "ArrowRight") { if (go("trail-next")) e.preventDefault(); }
    else if (e.key === "ArrowLeft") { if (go("trail-prev") || go("back")) e.preventDefault(); }
    else if (e.key === "Home") { if (go("initial")) e.preventDefault(); }
  });
  var file = document.getElementById("trace-file");
  if (file) {
    file.addEventListener("change", function () {
      if (file.files && file.files.length > 0) document.getElementById("load").submit();
    });
  }
  var copy = document.getElementById("copy");
  if (copy) {
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = "copied"; setTimeout(function () { copy.textContent = "copy link"; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(window.location.href).then(done, function () { window.prompt("the address of this state:", window.location.href); });
      } else {
        window.prompt("the address of this state:", window.location.href);
      }
    });
  }
  var cur = document.querySelector("#trail-steps li.current") || document.querySelector("#path li.current");
  if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
})();
