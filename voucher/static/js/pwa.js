/*
 * Vales — the scan page as an installable app. No framework, ES2017. Load with defer.
 *  <meta name="vales-sw" content="/shops/sw.js" data-scope="/shops/">  registers the worker.
 *  #offline-message (hidden)   shown while the phone has no connection.
 *  #insecure-message (hidden)  shown when the page is not on HTTPS (nor on this
 *                              computer): the browser then keeps the camera closed.
 */
(function () {
  'use strict';

  var meta = document.querySelector('meta[name="vales-sw"]');
  var sw = meta && meta.getAttribute('content');
  if (sw && 'serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(sw, {scope: meta.getAttribute('data-scope') || '/'})
      .catch(function () { /* the page works without it */ });
  }

  var offline = document.getElementById('offline-message');
  function showConnection() {
    if (offline) offline.hidden = navigator.onLine !== false;
  }
  window.addEventListener('online', showConnection);
  window.addEventListener('offline', showConnection);
  showConnection();

  var insecure = document.getElementById('insecure-message');
  if (insecure && window.isSecureContext === false) insecure.hidden = false;
})();
