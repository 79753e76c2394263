// The live queue: waits on GET /api/events for the next change (long
// polling; the server answers when the database's version moves, or after
// ~25 s with changed=false), keeps the tab title's counts, says when the
// server cannot be reached and reconnects by itself. The event carries no
// items: whoever is told of a change refetches them from the API.
// Alerts for new crisis and urgent items (browser notification, sound) are
// opt-in per moderator, remembered in localStorage.
import { apiUrl } from './api.js';

const $ = (id) => document.getElementById(id);
const BASE_TITLE = 'AASR moderation';
// Backoff after a failure; the last step repeats until the server is back.
const RETRY_MS = [500, 1000, 2000, 4000, 5000];
// After this long without the server the message says it cannot reach it.
const LOST_AFTER_MS = 8000;

let generation = 0;
let controller = null;
let version = -1;
let user = '';

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function setTitle(summary) {
  if (!summary || typeof summary.open !== 'number') { document.title = BASE_TITLE; return; }
  const crisis = summary.crisis ? `, ${summary.crisis}${summary.crisis_more ? '+' : ''} crisis` : '';
  document.title = `(${summary.open} open${crisis}) ${BASE_TITLE}`;
}

// The connection line: visible text in a polite live region; never focused.
function connection(text, kind) {
  const el = $('live-status');
  el.textContent = text;
  el.className = `live-status ${kind || ''}`;
  el.hidden = !text;
}

function when(ms) { return new Date(ms).toLocaleTimeString(); }

// Calls onChange(summary) after every change (and after a reconnection,
// when changes may have been missed); onLoggedOut() on 401.
export function startLive({ onChange, onLoggedOut }) {
  stopLive();
  const gen = ++generation;
  controller = new AbortController();
  const { signal } = controller;
  (async () => {
    let failures = 0;
    let lostSince = 0;
    let first = true;
    while (gen === generation) {
      try {
        // Without `since` the server answers at once: the first time, and
        // after a failure, so a reconnection shows without waiting ~25 s.
        const url = `/api/events${version >= 0 && !first && !failures ? `?since=${version}` : ''}`;
        const resp = await fetch(apiUrl(url), { credentials: 'same-origin', signal });
        if (resp.status === 401) { stopLive(); onLoggedOut(); return; }
        if (resp.status === 429) {
          const wait = Number(resp.headers.get('Retry-After')) || 5;
          connection(`Live updates paused: ${(await resp.json().catch(() => ({}))).error || 'too many open pages'}. Retrying in ${wait} s.`, 'warn');
          await sleep(wait * 1000);
          continue;
        }
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        const data = await resp.json();
        if (gen !== generation) return;
        const recovered = failures > 0;
        failures = 0;
        if (recovered) {
          connection('Reconnected to the server; the queue is up to date.', 'ok');
          setTimeout(() => { if (gen === generation && $('live-status').classList.contains('ok')) connection(''); }, 6000);
        }
        const moved = data.version !== version;
        version = data.version;
        setTitle(data);
        if (recovered || (!first && (data.changed || moved))) {
          try { await onChange(data); } catch (_) { /* the next change retries */ }
        }
        first = false;
      } catch (e) {
        if (signal.aborted || gen !== generation) return;
        failures += 1;
        if (failures === 1) lostSince = Date.now();
        if (Date.now() - lostSince >= LOST_AFTER_MS) {
          connection(`Cannot reach the server since ${when(lostSince)}. New comments will not appear until it is back; still trying every ${RETRY_MS[RETRY_MS.length - 1] / 1000} s.`, 'error');
        } else {
          connection('Lost contact with the server; reconnecting…', 'warn');
        }
        await sleep(RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)]);
      }
    }
  })();
}

export function stopLive() {
  generation += 1;
  if (controller) controller.abort();
  controller = null;
  connection('');
}

// --- alerts: per moderator, remembered ---
function prefsKey() { return `aasr.alerts.${user}`; }
function prefs() {
  try { return JSON.parse(localStorage.getItem(prefsKey())) || {}; } catch (_) { return {}; }
}
function savePrefs(p) { try { localStorage.setItem(prefsKey(), JSON.stringify(p)); } catch (_) { /* private mode */ } }

export function setAlertUser(name) {
  user = name;
  const p = prefs();
  $('alert-notify').checked = !!p.notify && 'Notification' in window && Notification.permission === 'granted';
  $('alert-sound').checked = !!p.sound;
}

export function initAlerts(say) {
  $('alert-notify').addEventListener('change', async (ev) => {
    const p = prefs();
    if (ev.target.checked) {
      if (!('Notification' in window)) {
        ev.target.checked = false;
        say('This browser cannot show notifications.');
        return;
      }
      const answer = await Notification.requestPermission();
      if (answer !== 'granted') {
        ev.target.checked = false;
        say('Notifications are blocked for this page in the browser settings.');
        return;
      }
    }
    p.notify = ev.target.checked;
    savePrefs(p);
    say(p.notify ? 'You will be notified of new crisis and urgent items.' : 'Notifications off.');
  });
  $('alert-sound').addEventListener('change', (ev) => {
    const p = prefs();
    p.sound = ev.target.checked;
    savePrefs(p);
    say(p.sound ? 'A sound will play for new crisis and urgent items.' : 'Sound off.');
  });
}

function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.6);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.6);
    osc.onended = () => ctx.close();
  } catch (_) { /* no audio: the title and the announcement remain */ }
}

// New items just seen: crisis and urgent ones raise the alerts the
// moderator opted into.
export function alertNew(items) {
  const loud = items.filter((it) => it.crisis || it.priority === 'urgent');
  if (!loud.length) return;
  const p = prefs();
  if (p.sound) beep();
  if (p.notify && 'Notification' in window && Notification.permission === 'granted') {
    const crisis = loud.filter((it) => it.crisis).length;
    const title = crisis ? `${crisis} new crisis item${crisis > 1 ? 's' : ''}` : `${loud.length} new urgent item${loud.length > 1 ? 's' : ''}`;
    // Only the platform and category: the comment itself stays in the page.
    const n = new Notification(title, { body: `${loud[0].platform} · ${loud[0].categories.join(', ')}`, tag: 'aasr-queue' });
    n.onclick = () => { window.focus(); location.hash = '#queue'; n.close(); };
  }
}
