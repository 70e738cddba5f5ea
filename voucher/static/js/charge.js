/*
 * Vales — a charge that survives a dropped connection. No framework, ES2017. Load with defer.
 * On the voucher page, COBRAR sends the form with fetch. The form carries its operation key
 * (made once, when the page was drawn), so sending it again never charges twice: the server
 * answers a repeat with the first charge.
 *  - An answer (a receipt, a refusal): shown as the server drew it.
 *  - No answer (network error, timeout, a proxy's 502/503/504): "Confirmando…", and the same
 *    form again after 1, 2, 4, 8, 8… seconds, until an answer comes or the shopkeeper taps
 *    "Dejar de intentar". Never "cobrado" before the server said so.
 *  - After giving up: the server is asked whether the charge with that key exists
 *    ("Este cobro sí quedó registrado a las 12:04" or "No se cobró").
 * Markup: form[action$="/shops/redeem"] with input[name=key]; #charge-status
 * (templates/devices/_charge_status.html) holds the words.
 */
(function () {
  'use strict';

  var form = document.querySelector('form[action$="/shops/redeem"]');
  var box = document.getElementById('charge-status');
  if (!form || !box || !window.fetch || !window.FormData || !window.AbortController) return;

  var TIMEOUT_MS = 15000;
  var DELAYS = [1000, 2000, 4000, 8000];
  var NO_ANSWER = {502: true, 503: true, 504: true};
  var title = document.getElementById('charge-status-title');
  var detail = document.getElementById('charge-status-detail');
  var giveUpBtn = document.getElementById('charge-give-up');
  var checkBtn = document.getElementById('charge-check-again');
  var receiptLink = document.getElementById('charge-receipt');
  var retryLink = document.getElementById('charge-retry');
  var words = box.dataset;

  var sending = false;
  var gaveUp = false;
  var timer = null;
  var inFlight = null;
  var attempts = 0;

  function say(head, text, kind) {
    box.hidden = false;
    box.classList.remove('flash-success', 'flash-info', 'flash-error');
    box.classList.add(kind || 'flash-info');
    title.textContent = head;
    detail.textContent = text || '';
  }

  function buttons(charge) {
    charge.forEach(function (b) { b.disabled = true; });
  }

  function withTimeout(url, options) {
    var control = new AbortController();
    inFlight = control;
    var t = setTimeout(function () { control.abort(); }, TIMEOUT_MS);
    options.signal = control.signal;
    options.credentials = 'same-origin';
    return fetch(url, options).then(function (response) {
      clearTimeout(t);
      return response;
    }, function (error) {
      clearTimeout(t);
      throw error;
    });
  }

  function show(response) {
    // A definite answer: follow it as the browser would have.
    if (response.redirected && response.ok) {
      window.location.assign(response.url);
      return;
    }
    return response.text().then(function (html) {
      document.open();
      document.write(html);
      document.close();
    });
  }

  function send(body) {
    attempts += 1;
    withTimeout(form.action, {
      method: 'POST',
      body: body,
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      redirect: 'follow'
    }).then(function (response) {
      if (gaveUp) return;
      if (NO_ANSWER[response.status]) throw new Error('no answer');
      return show(response);
    }).catch(function () {
      if (gaveUp) return;
      say(words.confirming, words.retrying);
      var wait = DELAYS[Math.min(attempts - 1, DELAYS.length - 1)];
      timer = setTimeout(function () { send(body); }, wait);
    });
  }

  function check() {
    var key = form.querySelector('input[name=key]').value;
    var url = words.checkUrl.replace('KEY', encodeURIComponent(key));
    checkBtn.hidden = true;
    say(words.checking, '');
    withTimeout(url, {headers: {'Accept': 'application/json'}}).then(function (response) {
      if (!response.ok) throw new Error('no answer');
      return response.json();
    }).then(function (found) {
      if (found.found) {
        say(words.charged.replace('{time}', found.at), '', 'flash-success');
        receiptLink.href = found.receipt_url;
        receiptLink.hidden = false;
      } else {
        say(words.notCharged, words.notChargedDetail, 'flash-error');
        retryLink.href = window.location.href;
        retryLink.hidden = false;
      }
    }).catch(function () {
      say(words.unknown, '', 'flash-error');
      checkBtn.hidden = false;
    });
  }

  giveUpBtn.addEventListener('click', function () {
    gaveUp = true;
    clearTimeout(timer);
    if (inFlight) inFlight.abort();
    giveUpBtn.hidden = true;
    check();
  });
  checkBtn.addEventListener('click', check);

  // Back from the receipt, the page may come from the browser's memory as it was left:
  // ready to send again (with the same key, so the server answers with the first charge).
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    sending = false;
    gaveUp = false;
    attempts = 0;
    clearTimeout(timer);
    box.hidden = true;
    giveUpBtn.hidden = false;
    receiptLink.hidden = true;
    retryLink.hidden = true;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === 'submit') el.disabled = false;
    });
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (sending) return; // a double tap sends once
    if (form.checkValidity && !form.checkValidity()) return;
    sending = true;
    var charge = Array.prototype.filter.call(form.elements, function (el) {
      return el.type === 'submit';
    });
    buttons(charge);
    var body = new URLSearchParams(new FormData(form)).toString();
    say(words.confirming, '');
    send(body);
  });
  form.dataset.resilient = '1'; // COBRAR now retries on its own (tests wait for this)
})();
