/*
 * Vales — the scan page's service worker (scope /shops/). No framework.
 * Keeps only the page shell: the offline scan page, scripts, styles, icons and the
 * vendored scanner. Never a voucher, a balance, a list or anything personal: every
 * other request goes to the network untouched, and a page that cannot be reached
 * shows the offline shell ("Sin conexión: no se puede cobrar ahora").
 * The cache is named after the version: a new deployment fills a new cache and
 * deletes the old one.
 */
'use strict';

var VERSION = '{{ version }}';
var CACHE = 'vales-shell-' + VERSION;
var SHELL = {{ shell|safe }};
var OFFLINE = {{ offline|safe }};

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // Straight from the server, not from the browser's HTTP cache.
      return cache.addAll(SHELL.map(function (url) { return new Request(url, {cache: 'reload'}); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf('vales-shell-') === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // Pages always come from the server; without a connection, the offline shell.
    event.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(OFFLINE); });
    }));
    return;
  }
  if (SHELL.indexOf(url.pathname) === -1) return;
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return cache.match(request, {ignoreSearch: true}).then(function (hit) {
        return hit || fetch(request);
      });
    })
  );
});
