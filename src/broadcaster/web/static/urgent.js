/* The urgent notice's page: poll its state three times a second and show the
   player the moment the MP3 is there (without this file the page refreshes). ES5. */
(function () {
  "use strict";
  var box = document.getElementById("urgent-job");
  if (!box) { return; }
  var meta = document.querySelector('meta[http-equiv="refresh"]');
  if (!meta) { return; }
  meta.parentNode.removeChild(meta);
  var poll = function () {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", box.getAttribute("data-status"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status !== 200) { setTimeout(poll, 1000); return; }
      var s = JSON.parse(xhr.responseText);
      document.getElementById("urgent-state").textContent = s.state_zh;
      var err = document.getElementById("urgent-error");
      err.textContent = s.error; err.hidden = !s.error;
      if (!s.finished) { setTimeout(poll, 300); return; }
      if (s.audio) {
        var player = document.getElementById("urgent-player");
        player.src = s.audio;
        document.getElementById("urgent-done").hidden = false;
      }
    };
    xhr.send();
  };
  poll();
}());
