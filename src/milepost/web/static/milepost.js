/* Milepost: the little interactivity the pages need. No framework, no build step.
   Calls to /api/jsonrpc carry the session cookie and the page's CSRF token. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function rpc(method, params) {
    return fetch("/api/jsonrpc", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ jsonrpc: "2.0", id: Date.now(), method: "leantime.rpc." + method, params: params })
    }).then(function (response) {
      if (response.status === 401) {
        throw new Error("your session has ended; sign in again");
      }
      return response.json();
    }).then(function (answer) {
      if (answer.error) {
        var data = answer.error.data || {};
        throw new Error(data.detail || answer.error.message);
      }
      return answer.result;
    });
  }

  /* Forms that ask before they act (revoke, delete). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  /* Copy buttons next to a secret that is shown once. */
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          document.execCommand("copy");
          done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  /* The board: move a ticket by dragging it to a column or with its menu. */
  var board = document.getElementById("board");
  if (board) { setUpBoard(board); }

  function setUpBoard(board) {
    var status = document.getElementById("board-status");

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
    }

    function columnOf(code) {
      return board.querySelector('.column[data-status="' + code + '"]');
    }

    function recount() {
      Array.prototype.forEach.call(board.querySelectorAll(".column"), function (column) {
        column.querySelector(".count").textContent = column.querySelectorAll(".ticket-card").length;
      });
    }

    function move(card, code) {
      var from = card.getAttribute("data-status");
      var target = columnOf(code);
      if (!target || String(code) === from) { return; }
      var origin = card.parentElement;
      var next = card.nextElementSibling;
      var select = card.querySelector("select[data-move]");
      var id = card.getAttribute("data-ticket");
      var name = target.getAttribute("aria-label");
      target.querySelector(".column-body").appendChild(card);
      card.classList.add("saving");
      recount();
      say("Moving #" + id + "…");
      rpc("Tickets.Tickets.patchTicket", { id: Number(id), values: { status: Number(code) } })
        .then(function () {
          card.setAttribute("data-status", String(code));
          select.value = String(code);
          say("Moved #" + id + " to " + name + ".");
        })
        .catch(function (error) {
          origin.insertBefore(card, next);
          select.value = from;
          recount();
          say("Could not move #" + id + ": " + error.message, true);
        })
        .then(function () { card.classList.remove("saving"); });
    }

    board.addEventListener("change", function (event) {
      var select = event.target;
      if (select.matches("select[data-move]")) {
        move(select.closest(".ticket-card"), select.value);
      }
    });

    board.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.classList.contains("move")) {
        event.preventDefault();
        move(form.closest(".ticket-card"), form.querySelector("select").value);
      }
    });

    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".ticket-card");
      if (!card) { return; }
      event.dataTransfer.setData("text/plain", card.getAttribute("data-ticket"));
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });

    board.addEventListener("dragend", function (event) {
      var card = event.target.closest && event.target.closest(".ticket-card");
      if (card) { card.classList.remove("dragging"); }
      Array.prototype.forEach.call(board.querySelectorAll(".drop-target"), function (column) {
        column.classList.remove("drop-target");
      });
    });

    Array.prototype.forEach.call(board.querySelectorAll(".column"), function (column) {
      column.addEventListener("dragover", function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("drop-target");
      });
      column.addEventListener("dragleave", function (event) {
        if (!column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        var id = event.dataTransfer.getData("text/plain");
        var card = board.querySelector('.ticket-card[data-ticket="' + id + '"]');
        if (card) { move(card, column.getAttribute("data-status")); }
      });
    });
  }
}());
