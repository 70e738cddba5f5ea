/*
 * Vales — scan page (shopkeeper). No framework, ES2017.
 * Load after the library:
 *   <script src=".../vendor/qr-scanner/qr-scanner.umd.min.js" defer></script>
 *   <script src=".../js/scan.js" defer></script>
 * Markup it expects:
 *   <div class="scanner"><video id="scan-video" data-worker="(optional, old builds only)"
 *        [data-autostart]></video></div>
 *   <p class="scan-status" id="scan-status" aria-live="polite"></p>
 *   <button type="button" id="scan-start" class="btn btn-primary btn-block">Activar cámara</button>
 *   <form id="lookup-form" method="post" action="..."><input id="code-input" name="code" class="code-input"></form>
 * The code field works (auto-format) even without a camera or the library.
 * data-autostart on the video: open the camera by itself when permission was already granted.
 */
(function () {
  'use strict';

  var MSG = {
    noCamera: 'No se pudo abrir la cámara. Escriba el código.',
    opening: 'Abriendo la cámara…',
    aim: 'Apunte la cámara al código QR del vale.',
    found: 'Código leído. Buscando el vale…',
    stopLabel: 'Apagar cámara'
  };
  var GROUPS = [4, 4, 4, 1]; // XXXX-XXXX-XXXX-X

  var form = document.getElementById('lookup-form');
  var input = document.getElementById('code-input');
  var video = document.getElementById('scan-video');
  var startBtn = document.getElementById('scan-start');
  var statusEl = document.getElementById('scan-status');
  var box = video && video.closest ? video.closest('.scanner') : null;
  var startLabel = startBtn ? startBtn.textContent : '';

  /* ---------- code formatting ---------- */

  // A pasted or scanned link (".../r/CODE") is left alone: the server accepts it as is.
  function looksLikeUrl(v) { return /[\/:]/.test(v); }

  function formatCode(raw) {
    var chars = String(raw).toUpperCase().replace(/[^0-9A-Z]/g, '');
    var out = '';
    var i = 0;
    for (var g = 0; g < GROUPS.length && i < chars.length; g++) {
      var end = g === GROUPS.length - 1 ? chars.length : i + GROUPS[g];
      out += (g ? '-' : '') + chars.slice(i, end);
      i = end;
    }
    return out;
  }

  // index in s just after its n-th letter/digit
  function caretAfter(s, n) {
    if (n <= 0) return 0;
    for (var i = 0, seen = 0; i < s.length; i++) {
      if (/[0-9A-Z]/i.test(s[i]) && ++seen === n) return i + 1;
    }
    return s.length;
  }

  function reformat() {
    var v = input.value;
    if (looksLikeUrl(v)) return;
    var f = formatCode(v);
    if (f === v) return;
    var focused = document.activeElement === input;
    var caret = input.selectionStart == null ? v.length : input.selectionStart;
    var n = v.slice(0, caret).replace(/[^0-9A-Z]/gi, '').length;
    input.value = f;
    if (focused && input.setSelectionRange) {
      var p = caretAfter(f, n);
      try { input.setSelectionRange(p, p); } catch (e) { /* some input types refuse */ }
    }
  }

  if (input) {
    input.setAttribute('autocapitalize', 'characters');
    input.setAttribute('autocomplete', 'off');
    input.setAttribute('autocorrect', 'off');
    input.setAttribute('spellcheck', 'false');
    // While an Android keyboard is composing a word, changing the value duplicates letters:
    // wait for the composition to end.
    input.addEventListener('input', function (e) { if (!e.isComposing) reformat(); });
    input.addEventListener('compositionend', reformat);
    input.addEventListener('blur', reformat);
  }
  if (form && input) {
    form.addEventListener('submit', function () {
      input.value = input.value.trim();
      if (!looksLikeUrl(input.value)) input.value = formatCode(input.value);
    });
  }

  /* ---------- camera ---------- */

  if (!video || !startBtn || !form || !input) return;

  var Scanner = window.QrScanner;
  var scanner = null;
  var state = 'idle'; // idle | starting | running | done

  // qr-scanner >= 1.4 finds its worker by itself (WORKER_PATH is setter-only there and
  // setting it just warns); older builds expose a string property and need the path.
  if (Scanner && video.dataset.worker && typeof Scanner.WORKER_PATH === 'string') {
    Scanner.WORKER_PATH = video.dataset.worker;
  }

  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.classList.toggle('is-error', !!isError);
  }

  function setRunning(on) {
    if (box) box.classList.toggle('is-active', on);
    startBtn.textContent = on ? MSG.stopLabel : startLabel;
    startBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  function release() {
    if (!scanner) return;
    var s = scanner;
    scanner = null;
    try { s.pause(true); s.destroy(); } catch (e) { /* already gone */ }
  }

  function fail() {
    release();
    state = 'idle';
    setRunning(false);
    startBtn.disabled = false;
    setStatus(MSG.noCamera, true);
    input.focus();
  }

  function submitForm() {
    if (form.requestSubmit && form.checkValidity()) form.requestSubmit();
    else HTMLFormElement.prototype.submit.call(form);
  }

  function onDecode(result) {
    if (state === 'done') return;
    var text = String(result && typeof result === 'object' ? result.data : result || '').trim();
    if (!text) return;
    state = 'done';
    release();
    setRunning(false);
    startBtn.disabled = true;
    input.value = looksLikeUrl(text) ? text : formatCode(text);
    setStatus(MSG.found, false);
    if (navigator.vibrate) { try { navigator.vibrate(80); } catch (e) { /* ignore */ } }
    submitForm();
  }

  function canUseCamera() {
    return !!(Scanner && window.isSecureContext !== false &&
      navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function start() {
    if (state !== 'idle') return;
    if (!canUseCamera()) { fail(); return; }
    state = 'starting';
    startBtn.disabled = true;
    setStatus(MSG.opening, false);
    try {
      scanner = new Scanner(video, onDecode, {
        preferredCamera: 'environment',
        returnDetailedScanResult: true,
        maxScansPerSecond: 12 // enough to feel instant, easy on cheap phones
      });
    } catch (e) { fail(); return; }
    scanner.start().then(function () {
      if (state !== 'starting') return;
      state = 'running';
      startBtn.disabled = false;
      setRunning(true);
      setStatus(MSG.aim, false);
    }, fail);
  }

  function stop() {
    release();
    state = 'idle';
    setRunning(false);
    setStatus('', false);
  }

  startBtn.addEventListener('click', function () {
    if (state === 'running') stop(); else start();
  });

  // Free the camera when leaving; reset when the page comes back from the back/forward cache.
  window.addEventListener('pagehide', release);
  window.addEventListener('pageshow', function (e) {
    if (!e.persisted) return;
    state = 'idle';
    startBtn.disabled = false;
    setRunning(false);
    setStatus('', false);
  });

  if ('autostart' in video.dataset && canUseCamera() && navigator.permissions) {
    navigator.permissions.query({ name: 'camera' }).then(function (p) {
      if (p.state === 'granted') start();
    }, function () { /* this browser cannot tell: wait for the tap */ });
  }
})();
