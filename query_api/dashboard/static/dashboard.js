// The /dashboard/ page: sign in over the API, then follow /ws/dashboard/ (CONTRACT §5.5, §6).
(function () {
  "use strict";
  const TOKEN_KEY = "tessera.dashboard.token";
  const $ = (selector) => document.querySelector(selector);
  let socket = null;
  let chart = null;
  let shownTotal = -1;

  function setStatus(text, state) {
    const status = $("#status");
    status.textContent = text;
    status.dataset.state = state;
  }

  function showBoard(visible) {
    $("#board").hidden = !visible;
    $("#sign-in").hidden = visible;
    $("#sign-out").hidden = !visible;
  }

  async function signIn(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    $("#sign-in-error").textContent = "";
    const answer = await fetch("/api/v1/auth/login/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    });
    const body = await answer.json();
    if (!answer.ok) {
      $("#sign-in-error").textContent = body.error ? body.error.message : "Sign-in failed";
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, body.token);
    connect(body.token);
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (socket) socket.close(1000);
    socket = null;
    showBoard(false);
    setStatus("signed out", "signed-out");
  }

  function connect(token) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/dashboard/?token=${encodeURIComponent(token)}`);
    setStatus("connecting…", "connecting");
    socket.onopen = () => { showBoard(true); setStatus("live", "live"); };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "dashboard_data") render(frame.data);
    };
    socket.onclose = (closed) => {
      if (closed.code === 4401 || closed.code === 4403) {
        sessionStorage.removeItem(TOKEN_KEY);
        showBoard(false);
        $("#sign-in-error").textContent = closed.code === 4403
          ? "The dashboard is for admin and support staff only." : "Please sign in again.";
        setStatus("signed out", "error");
      } else if (socket !== null && closed.code !== 1000) {
        setStatus("reconnecting…", "error");
        // 4429: this user holds too many sockets already; try again later, not at once.
        setTimeout(() => connect(token), closed.code === 4429 ? 15000 : 1000);
      }
    };
  }

  // Snapshots can arrive out of order across projector batches; events_total only grows.
  function render(data) {
    if (data.events_total < shownTotal) return;
    shownTotal = data.events_total;
    document.querySelectorAll("[data-count]").forEach((element) => {
      element.textContent = String(data[element.dataset.count]);
    });
    drawChart(data.events_per_minute);
  }

  // The last hour, one bar per minute; minutes without events are drawn as 0.
  function lastHour(minutes) {
    const counted = new Map(minutes.map((m) => [Date.parse(m.minute) / 1000, m.events]));
    const now = Math.floor(Date.now() / 60000) * 60;
    const end = Math.max(now, ...counted.keys());
    const xs = [];
    for (let x = end - 59 * 60; x <= end; x += 60) xs.push(x);
    return [xs, xs.map((x) => counted.get(x) || 0)];
  }

  function drawChart(minutes) {
    const [xs, ys] = lastHour(minutes);
    if (chart === null) {
      chart = new uPlot({
        width: Math.min(900, document.body.clientWidth - 48), height: 280,
        series: [{}, { label: "events", stroke: "#3060d0", fill: "rgba(48, 96, 208, 0.35)",
                       paths: uPlot.paths.bars({ size: [0.8, 40] }), points: { show: false } }],
        axes: [{}, { label: "events / minute" }],
      }, [xs, ys], $("#chart"));
    } else {
      chart.setData([xs, ys]);
    }
  }

  $("#sign-in").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) connect(saved);
})();
