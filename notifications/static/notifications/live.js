// Keeps the header's unread count live over the websocket (ws/notifications/); the page works without it.
(function () {
  var badge = document.querySelector("[data-unread-count]");
  if (!badge || !window.WebSocket) return;
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  function connect(delay) {
    var socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type !== "unread") return;
      badge.textContent = data.unread;
      badge.hidden = !data.unread;
    };
    socket.onclose = function (event) {
      if (event.code === 4401 || event.code === 4403) return;
      setTimeout(function () { connect(Math.min(delay * 2, 60000)); }, delay);
    };
  }
  connect(2000);
})();
