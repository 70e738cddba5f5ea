/*
 * Vales — small form helpers for every page. No framework, ES2017. Load with defer.
 *  form[data-once]        after the first submit its submit buttons are disabled and say
 *                         "Procesando…" (a double tap never sends twice). They come back if the
 *                         page is shown again from the back/forward cache, or after 30 s
 *                         (e.g. a form that downloads a file and leaves the page in place).
 *  input[data-money]      accepts 12000, 12.000 or $12.000; never touched while typing (the caret
 *                         stays put); on blur, a plain number becomes "12.000".
 *  button[data-confirm]   asks confirm(text) first; Cancel stops the submit.
 *  button[data-print]     prints the page (the print stylesheet keeps only what goes on paper).
 *  [data-amount-for=ID]   optional: a button whose text follows the money input #ID, using its
 *                         data-amount-template, e.g. "COBRAR {amount}" -> "COBRAR $12.000".
 */
(function () {
  'use strict';

  var BUSY = 'Procesando…';
  var RESET_MS = 30000;

  /* ---------- (a) one submit only ---------- */

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === 'BUTTON' && (el.type || 'submit') === 'submit') ||
        (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'image'));
    });
  }

  function unlock(form) {
    if (!form.hasAttribute('data-once-sent')) return;
    form.removeAttribute('data-once-sent');
    form.removeAttribute('aria-busy');
    submitButtons(form).forEach(function (b) {
      if (b.hasAttribute('data-once-label')) {
        if (b.tagName === 'INPUT') b.value = b.getAttribute('data-once-label');
        else b.textContent = b.getAttribute('data-once-label');
        b.removeAttribute('data-once-label');
      }
      b.disabled = false;
    });
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.matches || !form.matches('form[data-once]')) return;
    if (form.hasAttribute('data-once-sent')) { e.preventDefault(); return; }
    if (e.defaultPrevented) return;
    form.setAttribute('data-once-sent', '');
    form.setAttribute('aria-busy', 'true');
    var buttons = submitButtons(form);
    var shown = e.submitter && buttons.indexOf(e.submitter) >= 0 ? e.submitter : buttons[0];
    // Disable on the next tick: disabling now would drop the clicked button's name=value
    // from the data being sent.
    setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
      if (shown) {
        var isInput = shown.tagName === 'INPUT';
        shown.setAttribute('data-once-label', isInput ? shown.value : shown.textContent);
        if (isInput) shown.value = BUSY; else shown.textContent = BUSY;
      }
    }, 0);
    setTimeout(function () { unlock(form); }, RESET_MS);
  });

  window.addEventListener('pageshow', function (e) {
    if (e.persisted) Array.prototype.forEach.call(document.querySelectorAll('form[data-once]'), unlock);
  });

  /* ---------- (b) money fields ---------- */

  // "12000", "12.000", "$ 12.000" -> "12000"; anything else (commas, letters, "12.5") -> null,
  // and the field is left as typed for the server to explain.
  function digitsOf(v) {
    var s = String(v).replace(/\s+/g, '').replace(/^\$/, '');
    if (/^\d+$/.test(s) || /^\d{1,3}(\.\d{3})+$/.test(s)) return s.replace(/\./g, '').replace(/^0+(?=\d)/, '');
    return null;
  }

  function withDots(d) { return d.replace(/\B(?=(\d{3})+(?!\d))/g, '.'); }

  function updateAmountLabels(input) {
    if (!input.id) return;
    Array.prototype.forEach.call(document.querySelectorAll('[data-amount-for]'), function (b) {
      if (b.getAttribute('data-amount-for') !== input.id || b.disabled) return;
      var t = b.getAttribute('data-amount-template');
      if (!t) return;
      var d = digitsOf(input.value);
      var text = d && +d > 0 ? t.replace('{amount}', '$' + withDots(d)) : t.replace('{amount}', '').trim();
      if (b.tagName === 'INPUT') b.value = text; else b.textContent = text;
    });
  }

  document.addEventListener('input', function (e) {
    if (e.target.matches && e.target.matches('input[data-money]')) updateAmountLabels(e.target);
  });

  document.addEventListener('focusout', function (e) {
    var el = e.target;
    if (!el.matches || !el.matches('input[data-money]')) return;
    var d = digitsOf(el.value);
    if (d !== null && d !== '') el.value = withDots(d);
  });

  /* ---------- (c) confirm before submitting ---------- */

  document.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-confirm], input[data-confirm]') : null;
    if (b && !b.disabled && !window.confirm(b.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  });

  /* ---------- (d) print the page ---------- */

  document.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-print]') : null;
    if (b) window.print();
  });
})();
