// kaoping: one event stream for all the tabs of this browser (see src/serve/live.rs).
// Each tab sends {watch: "<workspace>"} when it opens and {bye: true} when it closes;
// the worker keeps one EventSource for the set of workspaces its tabs show and passes
// each tab {w, v} for its own workspace.
"use strict";
var tabs = [];
var source = null;
var following = null;
var latest = {};

function wanted() {
  var names = [];
  tabs.forEach(function (tab) {
    if (tab.w !== null && names.indexOf(tab.w) < 0) { names.push(tab.w); }
  });
  return names.sort();
}

function follow() {
  var names = wanted();
  var key = names.join("\n");
  if (key === following && source !== null) { return; }
  if (source !== null) { source.close(); source = null; }
  following = key;
  if (names.length === 0) { return; }
  var query = names.map(function (n) { return "w=" + encodeURIComponent(n); }).join("&");
  source = new EventSource("/events?" + query);
  source.onmessage = function (e) {
    var news;
    try { news = JSON.parse(e.data); } catch (err) { return; }
    latest[news.w] = news.v;
    tabs.forEach(function (tab) {
      if (tab.w === news.w) { tab.port.postMessage(news); }
    });
  };
}

self.onconnect = function (e) {
  var tab = { port: e.ports[0], w: null };
  tabs.push(tab);
  tab.port.onmessage = function (m) {
    var message = m.data || {};
    if (typeof message.watch === "string") {
      tab.w = message.watch;
      follow();
      if (latest[tab.w] !== undefined) { tab.port.postMessage({ w: tab.w, v: latest[tab.w] }); }
    } else if (message.bye) {
      tabs = tabs.filter(function (t) { return t !== tab; });
      follow();
    }
  };
  tab.port.start();
};
