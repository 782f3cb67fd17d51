/* Enhancements only: every page works without this file (forms post, pages refresh).
   Written for older Chromium-based office browsers (360, QQ): ES5, XMLHttpRequest. */
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf");

  function getJSON(url, done, failed) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.timeout = 10000;
    xhr.onload = function () {
      if (xhr.status === 200) { done(JSON.parse(xhr.responseText)); } else if (failed) { failed(); }
    };
    xhr.onerror = xhr.ontimeout = function () { if (failed) { failed(); } };
    xhr.send();
  }

  /* Live progress on a job page: poll its JSON once a second, updating the page in place
     (no reload, no flicker); while the server does not answer, say so and keep trying. */
  var job = document.getElementById("job");
  if (job) {
    var reconnecting = document.getElementById("job-reconnecting");
    var misses = 0;
    var poll = function () {
      getJSON(job.getAttribute("data-status"), function (s) {
        misses = 0;
        reconnecting.hidden = true;
        var notes = document.getElementById("job-notes");
        notes.innerHTML = "";
        for (var n = 0; n < s.notes.length; n++) {
          var li = document.createElement("li");
          li.textContent = s.notes[n];
          notes.appendChild(li);
        }
        notes.hidden = !s.notes.length;
        document.getElementById("job-state").textContent = s.state_zh;
        document.getElementById("job-stage").textContent = s.state === "running" ? s.stage : (s.ahead ? "前面还有 " + s.ahead + " 个任务" : "");
        var bar = document.getElementById("job-progress");
        bar.max = s.total || 1;
        bar.value = s.total ? s.done : (s.state === "done" ? 1 : 0);
        document.getElementById("job-count").textContent = s.total ? (s.done + "/" + s.total + " 段") : "";
        var err = document.getElementById("job-error");
        err.textContent = s.error; err.hidden = !s.error || s.state === "cancelled";
        if (s.finished) {
          document.getElementById("job-done").hidden = s.state !== "done";
          var cancel = document.getElementById("cancel-form");
          if (cancel) { cancel.parentNode.removeChild(cancel); }
        } else {
          setTimeout(poll, 1000);
        }
      }, function () {
        misses += 1;
        reconnecting.hidden = false;
        setTimeout(poll, Math.min(1000 * misses, 5000));  /* a server restarting takes some seconds */
      });
    };
    poll();
  }

  /* Preview buttons: synthesise and play in the page instead of leaving it. The button says at once
     that the sentence is being made (it takes some seconds), and the player opens beside that line. */
  var player = document.getElementById("preview-player");
  function lineOf(button) {
    var at = button;
    while (at.parentNode && at.nodeName !== "LI" && at.nodeName !== "TD") { at = at.parentNode; }
    return at.parentNode ? at : button.parentNode;
  }
  function busy(button, on) {
    if (on) { button.setAttribute("data-label", button.textContent); button.textContent = "正在制作…"; }
    else if (button.getAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
    button.disabled = on;
  }
  function playWhenReady(answer, button) {
    if (!answer.status) {
      busy(button, false);
      lineOf(button).appendChild(player);
      player.hidden = false; player.src = answer.audio; player.play();
      return;
    }
    getJSON(answer.status, function (s) {
      if (s.state === "done") { answer.status = null; playWhenReady(answer, button); }
      else if (s.finished) { busy(button, false); alert(s.error || "试听失败"); }
      else { setTimeout(function () { playWhenReady(answer, button); }, 500); }
    }, function () { setTimeout(function () { playWhenReady(answer, button); }, 1000); });
  }
  if (player && window.FormData) {
    var buttons = document.querySelectorAll("button.preview");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        event.preventDefault();
        var button = event.currentTarget;
        var data = new FormData(button.form);
        if (button.value) { data.set("segment", button.value); }  /* the button pressed is not in FormData */
        var xhr = new XMLHttpRequest();
        xhr.open("POST", button.getAttribute("formaction") || button.form.getAttribute("action"));
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("X-CSRF-Token", csrf);
        busy(button, true);
        xhr.onload = function () {
          var answer = JSON.parse(xhr.responseText);
          if (answer.error) { busy(button, false); alert(answer.error); } else { playWhenReady(answer, button); }
        };
        xhr.onerror = function () { busy(button, false); alert("连接不上制作服务器，请稍后再试。"); };
        xhr.send(data);
      });
    }
  }

  /* A form that makes a broadcast is sent once: a second click while the first is on its way does
     nothing (the server also refuses the same form twice, by its one-time token: web/once.py). */
  var onceForms = document.querySelectorAll("form[data-once]");
  for (var f = 0; f < onceForms.length; f++) {
    onceForms[f].addEventListener("submit", function (event) {
      var form = event.currentTarget;
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  }
  window.addEventListener("pageshow", function () {  /* back to a page kept in memory: its forms may be sent again */
    for (var k = 0; k < onceForms.length; k++) { onceForms[k].removeAttribute("data-sent"); }
  });

  /* 删除, 清空缓存: asked here in a dialog; without script the server asks on a page of its own. */
  var asking = document.querySelectorAll("form[data-confirm]");
  for (var c = 0; c < asking.length; c++) {
    asking[c].addEventListener("submit", function (event) {
      var form = event.currentTarget;
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); return; }
      if (!form.querySelector('input[name="confirm"]')) {
        var yes = document.createElement("input");
        yes.type = "hidden"; yes.name = "confirm"; yes.value = "1";
        form.appendChild(yes);
      }
    });
  }

  /* The caption being spoken, under the programme's player (the <track> already works in the player itself). */
  var programme = document.getElementById("player");
  var line = document.getElementById("caption-line");
  if (programme && line && programme.textTracks && programme.textTracks.length) {
    var track = programme.textTracks[0];
    track.mode = "hidden";
    track.addEventListener("cuechange", function () {
      var cue = track.activeCues && track.activeCues[0];
      line.textContent = cue ? cue.text : "";
    });
  }
})();
