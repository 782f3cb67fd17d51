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
  function bindPreviews() {
    if (!player || !window.FormData) { return; }
    var buttons = document.querySelectorAll("button.preview");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-bound")) { continue; }
      buttons[i].setAttribute("data-bound", "1");
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
  bindPreviews();

  /* Ruby pinyin on the review (web/readings.py): a character with a reading to change is a button.
     Without script it posts the review to a page that offers the readings; here the readings open
     beside it, and the one chosen is written into the station dictionary and the lines read again. */
  var review = document.getElementById("review");
  var menu = null;
  function closeMenu() { if (menu) { menu.parentNode.removeChild(menu); menu = null; } }
  function postChoice(button, pinyin, choice) {
    var data = new FormData(review);
    data.set("pick", button.value); data.set("pinyin", pinyin); data.set("confirm", "1");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/readings/choose");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    choice.disabled = true; choice.textContent = "正在改…";
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {error: "改读音失败，请刷新页面后再试。"}; }
      if (answer.error) { closeMenu(); alert(answer.error); return; }
      closeMenu();
      var old = document.getElementById("segments");
      var holder = document.createElement("div");
      holder.innerHTML = answer.segments;
      old.parentNode.replaceChild(holder.querySelector("#segments"), old);
      var said = document.getElementById("reading-said");
      said.textContent = answer.said; said.hidden = false;
      bindPreviews();
      onlineNotes();
    };
    xhr.onerror = function () { closeMenu(); alert("连接不上制作服务器，请稍后再试。"); };
    xhr.send(data);
  }
  function openMenu(button) {
    closeMenu();
    var parts = button.value.split("|");
    var say = parts[1], at = parseInt(parts[2], 10), now = parts[3].split(" ")[at];
    var ch = say.charAt(at);
    menu = document.createElement("span");
    menu.className = "reading-menu"; menu.id = "reading-menu"; menu.setAttribute("role", "dialog");
    menu.textContent = "“" + ch + "”改读（加入读音词典“" + parts[0] + "”）：";
    button.parentNode.insertBefore(menu, button.nextSibling);
    getJSON("/readings/choices?char=" + encodeURIComponent(ch), function (answer) {
      var first = null;
      for (var r = 0; r < answer.readings.length; r++) {
        var choice = document.createElement("button");
        choice.type = "button";
        choice.textContent = answer.readings[r].marked + (answer.readings[r].pinyin === now ? "（现在）" : "");
        choice.setAttribute("data-pinyin", answer.readings[r].pinyin);
        choice.disabled = answer.readings[r].pinyin === now;
        choice.addEventListener("click", function (event) {
          postChoice(button, event.currentTarget.getAttribute("data-pinyin"), event.currentTarget);
        });
        menu.appendChild(choice);
        if (!first && !choice.disabled) { first = choice; }
      }
      var cancel = document.createElement("button");
      cancel.type = "button"; cancel.textContent = "不改";
      cancel.addEventListener("click", function () { closeMenu(); button.focus(); });
      menu.appendChild(cancel);
      (first || cancel).focus();
    }, function () { closeMenu(); alert("连接不上制作服务器，请稍后再试。"); });
  }
  function onlineNotes() {  /* an online voice gets dictionary pinyin respelled: say how, only when one is chosen */
    var voice = review && review.querySelector('select[name="voice"]');
    var lines = document.getElementById("segments");
    var online = voice && voice.value.indexOf("edge:") === 0;
    if (lines) { lines.className = online ? "segments online" : "segments"; }
    var hint = document.getElementById("online-hint");
    if (hint) { hint.hidden = !online; }
  }
  if (review && window.FormData) {
    review.addEventListener("click", function (event) {
      var at = event.target;
      while (at && at !== review && !(at.nodeName === "BUTTON" && /\bruby\b/.test(at.className))) { at = at.parentNode; }
      if (!at || at === review) { return; }
      event.preventDefault();
      openMenu(at);
    });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape" || event.keyCode === 27) { closeMenu(); } });
    var voiceSelect = review.querySelector('select[name="voice"]');
    if (voiceSelect) { voiceSelect.addEventListener("change", onlineNotes); }
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
