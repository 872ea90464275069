/* The till on a weak connection.
 *
 * Every tap gets its own client_key (a random UUID) and goes into a queue kept in
 * localStorage before it is sent. It leaves the queue only once the server has answered
 * (success or refusal); a tap that could not be sent stays and is sent again on its own:
 * when the network comes back, every few seconds, and when the page opens. The server treats
 * a repeated client_key as the same tap, so a tap that did arrive but whose answer was lost
 * is never counted twice.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-till]");
  if (!root) { return; }
  var queueKey = "essayons-till-" + root.dataset.business;
  var answerBox = root.querySelector("[data-answer]");
  var pendingBox = root.querySelector("[data-pending]");
  var todayBox = root.querySelector("[data-today]");
  var texts = root.querySelector("[data-messages]").dataset;
  var RETRY_MS = 5000;
  var flushing = false;
  var nextCurrent = null;  // a tap made while a flush was running: sent right after it

  // crypto.randomUUID exists only on https pages; getRandomValues works everywhere.
  function uuid4() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch (e) { return []; }
  }
  function save(queue) {
    localStorage.setItem(queueKey, JSON.stringify(queue));
    showPending(queue.length);
  }
  function forget(key) {
    save(load().filter(function (tap) { return tap.fields.client_key !== key; }));
  }
  function showPending(count) {
    pendingBox.hidden = count === 0;
    pendingBox.textContent = count === 1 ? texts.waitingOne : count + " " + texts.waitingMany;
  }
  function csrfToken() {
    return root.querySelector("input[name=csrfmiddlewaretoken]").value;
  }
  function show(ok, message, detail) {
    answerBox.className = "till-answer " + (ok ? "is-ok" : "is-refused");
    answerBox.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = message;
    answerBox.appendChild(strong);
    if (detail) {
      answerBox.appendChild(document.createElement("br"));
      answerBox.appendChild(document.createTextNode(detail));
    }
  }

  // Resolves with the server's JSON answer; rejects when there is none (no network, a
  // server error, a login page after the session ended): the tap then stays queued.
  function send(tap) {
    return fetch(tap.url, {
      method: "POST",
      body: new URLSearchParams(tap.fields),
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error(response.status === 200 ? "login" : "status " + response.status);
      }
      return response.json();
    });
  }

  function flush(current) {
    if (flushing) { return Promise.resolve(); }
    flushing = true;
    var queue = load();
    var chain = Promise.resolve(true);
    queue.forEach(function (tap) {
      chain = chain.then(function (goOn) {
        if (!goOn) { return false; }
        return send(tap).then(function (data) {
          forget(tap.fields.client_key);
          var late = tap.fields.client_key !== current;
          show(data.ok, (late ? texts.sentLater + " " : "") + data.message, data.detail);
          if (data.today) { todayBox.textContent = data.today; }
          if (!late && data.ok && tap.form === "redeem") { clearCode(); }
          return true;
        }, function (error) {
          if (tap.fields.client_key === current) {
            // The tap is safe in the queue: clear the form so that it is not typed twice.
            show(false, error.message === "login" ? texts.login : texts.offline);
            if (tap.form === "redeem") { clearCode(); }
          }
          return false;
        });
      });
    });
    return chain.then(function () {
      flushing = false;
      showPending(load().length);
      if (nextCurrent !== null) {
        var key = nextCurrent;
        nextCurrent = null;
        return flush(key);
      }
    });
  }

  function clearCode() {
    var form = root.querySelector("form[data-tap=redeem]");
    form.elements.namedItem("code").value = "";
    form.elements.namedItem("amount").value = "";
    form.elements.namedItem("code").focus();
  }

  function tap(form, extra) {
    var fields = { client_key: uuid4(), tapped_at: String(Date.now()) };
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "client_key" && name !== "tapped_at") {
        fields[name] = value;
      }
    });
    Object.keys(extra).forEach(function (name) { fields[name] = extra[name]; });
    var queue = load();
    queue.push({ url: form.action, form: form.dataset.tap, fields: fields });
    save(queue);
    return fields.client_key;
  }

  root.querySelectorAll("form[data-tap]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var extra = {};
      if (event.submitter && event.submitter.name) { extra[event.submitter.name] = event.submitter.value; }
      var key = tap(form, extra);
      if (flushing) {
        nextCurrent = key;
        return;
      }
      flush(key);
    });
  });

  window.addEventListener("online", function () { flush(null); });
  setInterval(function () { if (load().length) { flush(null); } }, RETRY_MS);
  showPending(load().length);
  if (load().length) { flush(null); }
}());
