// Live chat over ws/chat/<id>/: new messages, typing, read receipts. Without it the form still posts.
(function () {
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  if (!log || !form || !window.WebSocket) return;
  var strings = JSON.parse(document.getElementById("chat-strings").textContent);
  var me = Number(log.dataset.me);
  var body = form.querySelector("textarea");
  var typing = document.getElementById("chat-typing");
  var canned = document.getElementById("chat-canned");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + log.dataset.socket);
  var typingTimer = null, lastTyping = 0;
  log.scrollTop = log.scrollHeight;
  if (canned) canned.addEventListener("change", function () { if (canned.value) body.value = canned.value; });

  function markRead(upTo) {
    log.querySelectorAll(".chat-msg.is-mine").forEach(function (li) {
      var mark = li.querySelector("[data-read-mark]");
      if (mark && Number(li.dataset.id) <= upTo) mark.textContent = "✓✓ " + strings.read;
    });
  }
  function add(msg) {
    if (log.querySelector('[data-id="' + msg.id + '"]')) return;
    var empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "chat-msg" + (msg.author_id === me ? " is-mine" : "");
    li.dataset.id = msg.id;
    li.id = "m" + msg.id;
    if (msg.image) {
      var link = document.createElement("a"); link.className = "chat-photo"; link.href = msg.image; link.target = "_blank"; link.rel = "noopener";
      var img = document.createElement("img"); img.src = msg.thumbnail || msg.image; img.alt = strings.photo; link.appendChild(img); li.appendChild(link);
    }
    if (msg.body) { var t = document.createElement("span"); t.className = "chat-text"; t.textContent = msg.body; li.appendChild(t); }
    var meta = document.createElement("span"); meta.className = "chat-meta"; meta.textContent = msg.author + " · " + msg.at;
    if (msg.author_id === me) { var mark = document.createElement("span"); mark.className = "chat-status"; mark.dataset.readMark = ""; meta.appendChild(document.createTextNode(" ")); meta.appendChild(mark); }
    li.appendChild(meta);
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }
  socket.onopen = function () { form.dataset.live = "1"; };
  socket.onmessage = function (event) {
    var data = JSON.parse(event.data);
    if (data.type === "message") {
      add(data);
      typing.textContent = "";
      if (data.author_id !== me && !document.hidden) socket.send(JSON.stringify({ type: "read", message_id: data.id }));
    } else if (data.type === "typing") {
      typing.textContent = data.name + " " + strings.typing;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.textContent = ""; }, 3000);
    } else if (data.type === "read" && data.user_id !== me) {
      markRead(data.message_id);
    } else if (data.type === "error") {
      typing.textContent = data.error;
    }
  };
  socket.onclose = function () { delete form.dataset.live; };
  body.addEventListener("input", function () {
    if (socket.readyState === 1 && Date.now() - lastTyping > 2000) { lastTyping = Date.now(); socket.send(JSON.stringify({ type: "typing" })); }
  });
  var file = form.querySelector("input[type=file]");
  var note = document.getElementById("chat-photo-note");
  var noteText = note ? note.textContent : "";
  function say(text, isError) { if (!note) return; note.textContent = text; note.classList.toggle("is-error", !!isError); }
  if (file) file.addEventListener("change", function () {
    if (file.files.length && file.files[0].size > Number(form.dataset.maxBytes)) { say(strings.too_big, true); file.value = ""; }
    else say(noteText, false);
  });
  function csrf() { var input = form.querySelector("input[name=csrfmiddlewaretoken]"); return input ? input.value : ""; }
  // A photo is uploaded over HTTP; the message (with its thumbnail) then arrives for both sides over the socket.
  function sendPhoto() {
    var data = new FormData();
    data.append("image", file.files[0]);
    data.append("body", body.value);
    say(strings.sending, false);
    form.querySelector("button[type=submit]").disabled = true;
    fetch(form.dataset.upload, { method: "POST", body: data, headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (json) { return { ok: response.ok, json: json }; }); })
      .then(function (result) {
        if (!result.ok) { say(result.json.error || strings.failed, true); return; }
        file.value = ""; body.value = ""; say(noteText, false);
        if (result.json.message) add(result.json.message);
      })
      .catch(function () { say(strings.failed, true); })
      .then(function () { form.querySelector("button[type=submit]").disabled = false; });
  }
  form.addEventListener("submit", function (event) {
    if (socket.readyState !== 1) return; // without the socket the form posts as usual
    if (file && file.files.length) { event.preventDefault(); sendPhoto(); return; }
    if (!body.value.trim()) return;
    event.preventDefault();
    socket.send(JSON.stringify({ type: "message", body: body.value }));
    body.value = "";
  });
  markRead(Number(log.dataset.readUpTo));
})();
