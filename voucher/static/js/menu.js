/*
 * Vales — the header's menu on a phone. No framework, ES2017. Load with defer.
 * Below 768 px the header is one line (the shop or parish name and a "Menú" button) and
 * the links open under it; without this script the links simply wrap under the name.
 */
(function () {
  'use strict';

  var header = document.querySelector('.site-header');
  var toggle = header && header.querySelector('.menu-toggle');
  var nav = header && document.getElementById(toggle ? toggle.getAttribute('aria-controls') : '');
  if (!toggle || !nav) return;

  function setOpen(open) {
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    header.classList.toggle('menu-open', open);
  }

  toggle.hidden = false;
  header.classList.add('has-menu');
  setOpen(false);
  toggle.addEventListener('click', function () {
    setOpen(toggle.getAttribute('aria-expanded') !== 'true');
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && header.classList.contains('menu-open')) {
      setOpen(false);
      toggle.focus();
    }
  });
})();
