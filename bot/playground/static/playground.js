// Clean Village Bot playground: chat panes for people of the sample town, talking to the real
// bot through the built-in Telegram emulator. The server sends every change as a server-sent
// event; what a person does in a pane is a POST to /api/personas/<key>/...
// This file holds the shared state, the page's controls and the start; it loads last, after
// town-map.js, messages.js and pane.js.
"use strict";

const ROLES = {
  villager: "村民 Villager",
  grid_member: "网格员 Grid member",
  village_lead: "村干部 Village lead",
  office: "美丽办管理员 Office admin",
  office_group: "美丽办群 Office group",
  department: "部门群 Department group",
};
const PHOTO_LABELS = {
  garbage_by_road: "路边垃圾 Garbage by a road",
  river_bank: "河岸垃圾 Littered river bank",
  cleaned_up: "清理后 Cleaned up",
  with_gps: "带定位的照片 Photo with GPS",
};
const LAYOUT_KEY = "clean-village-playground-panes";
const SVG = "http://www.w3.org/2000/svg";
const SAFE_LINK = /^(https?:\/\/|tg:)/i; // what Telegram allows as a link or URL button

const state = {
  personas: new Map(), // key -> persona
  chats: new Map(), // chat id -> Map(message id -> message)
  panes: [],
  map: null,
  clock: null,
  clockReceivedAt: 0,
  held: new Map(), // chat id -> { count, until_ms } held back by quiet hours
};

// -- talking to the server -------------------------------------------------------------------

async function api(path, body) {
  let options = {};
  if (body instanceof FormData) {
    options = { method: "POST", body };
  } else if (body !== undefined) {
    options = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || `${response.status} ${response.statusText}`);
  }
  return data;
}

function personaPath(persona, action) {
  return `/api/personas/${encodeURIComponent(persona.key)}/${action}`;
}

function chatOf(chatId) {
  if (!state.chats.has(chatId)) state.chats.set(chatId, new Map());
  return state.chats.get(chatId);
}

async function loadChat(chatId) {
  const { messages } = await api(`/api/chats/${chatId}`);
  const chat = chatOf(chatId);
  for (const message of messages) chat.set(message.message_id, message);
}

// -- small DOM helpers -----------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// -- panes: adding, swapping, removing, remembering ------------------------------------------

function fillPersonaOptions(select, placeholder) {
  select.replaceChildren();
  if (placeholder) select.append(element("option", { value: "" }, placeholder));
  const groups = new Map();
  for (const persona of state.personas.values()) {
    if (!groups.has(persona.kind)) {
      groups.set(persona.kind, element("optgroup", { label: ROLES[persona.kind] }));
      select.append(groups.get(persona.kind));
    }
    const label = persona.name === persona.detail.zh ? persona.name : `${persona.name} · ${persona.detail.zh}`;
    groups.get(persona.kind).append(element("option", { value: persona.key }, label));
  }
}

function addPane(persona) {
  const existing = state.panes.find((pane) => pane.persona.key === persona.key);
  if (existing) {
    showPane(existing);
    existing.light();
    return;
  }
  const pane = new Pane(persona);
  state.panes.push(pane);
  document.getElementById("panes").append(pane.root);
  saveLayout();
}

function swapPersona(pane, persona) {
  const other = state.panes.find((candidate) => candidate !== pane && candidate.persona.key === persona.key);
  if (other) other.setPersona(pane.persona);
  pane.setPersona(persona);
  saveLayout();
}

function removePane(pane) {
  state.panes = state.panes.filter((candidate) => candidate !== pane);
  pane.root.remove();
  saveLayout();
}

// -- tabs: which chat is on screen (a phone shows one pane at a time) ------------------------

function showPane(pane) {
  pane.root.scrollIntoView({ behavior: "smooth", block: "nearest", inline: "center" });
  markCurrentTab(pane);
}

function renderTabs() {
  const tabs = document.getElementById("tabs");
  tabs.replaceChildren(
    ...state.panes.map((pane) =>
      element(
        "button",
        { type: "button", role: "tab", class: "tab", "data-persona": pane.persona.key, onclick: () => showPane(pane) },
        element("span", { class: `dot ${pane.persona.kind}`, "aria-hidden": "true" }, Array.from(pane.persona.name)[0] || "?"),
        element("span", { class: "tab-name" }, pane.persona.name)
      )
    )
  );
  markCurrentTab(currentPane());
}

// The pane whose middle is nearest the middle of the strip of panes.
function currentPane() {
  const strip = document.getElementById("panes").getBoundingClientRect();
  const middle = strip.left + strip.width / 2;
  let best = null;
  let bestDistance = Infinity;
  for (const pane of state.panes) {
    const box = pane.root.getBoundingClientRect();
    const distance = Math.abs(box.left + box.width / 2 - middle);
    if (distance < bestDistance) [best, bestDistance] = [pane, distance];
  }
  return best;
}

function markCurrentTab(current) {
  for (const tab of document.querySelectorAll("#tabs .tab")) {
    const selected = Boolean(current) && tab.dataset.persona === current.persona.key;
    tab.setAttribute("aria-selected", selected ? "true" : "false");
  }
}

// -- quiet hours: what the outbox holds back, per chat and in the header --------------------

async function refreshHeld() {
  const { held } = await api("/api/held");
  state.held = new Map(held.map((entry) => [entry.chat_id, entry]));
  for (const pane of state.panes) pane.showHeld();
  showQuiet();
}

// The header says when the bot's clock is in quiet hours, and how much they hold back.
function showQuiet() {
  const summary = document.getElementById("held-summary");
  const held = [...state.held.values()];
  const botNow = state.clock ? state.clock.now_ms + (Date.now() - state.clockReceivedAt) : 0;
  const quietUntil = state.clock && state.clock.quiet_until_ms > botNow ? state.clock.quiet_until_ms : null;
  summary.hidden = !held.length && !quietUntil;
  if (held.length) {
    const count = held.reduce((sum, entry) => sum + entry.count, 0);
    const until = botTime(Math.min(...held.map((entry) => entry.until_ms)));
    summary.textContent = `🌙 免打扰时段：${count} 条消息暂缓到 ${until} · ${count} held for quiet hours until ${until}`;
  } else if (quietUntil) {
    const until = botTime(quietUntil);
    summary.textContent = `🌙 免打扰时段，提醒等到 ${until} · Quiet hours: reminders wait until ${until}`;
  }
}

let heldTimer = null;
function refreshHeldSoon() {
  clearTimeout(heldTimer);
  heldTimer = setTimeout(() => refreshHeld().catch(() => {}), 300);
}

function saveLayout() {
  renderTabs();
  try {
    localStorage.setItem(LAYOUT_KEY, JSON.stringify(state.panes.map((pane) => pane.persona.key)));
  } catch {
    // private browsing: the layout is simply not remembered
  }
}

function savedLayout(defaults) {
  try {
    const keys = JSON.parse(localStorage.getItem(LAYOUT_KEY) || "null");
    if (Array.isArray(keys) && keys.length && keys.every((key) => state.personas.has(key))) return keys;
  } catch {
    // an unreadable saved layout falls back to the default one
  }
  return defaults;
}

// -- dialogs: the map and the photo picker ---------------------------------------------------

let dialogPane = null;

function openMapDialog(pane) {
  dialogPane = pane;
  document.getElementById("map-dialog").showModal();
  state.mapView.fit();
}

function openPhotoDialog(pane) {
  dialogPane = pane;
  document.getElementById("upload").value = "";
  document.getElementById("photo-dialog").showModal();
}

function wireDialogs() {
  const mapDialog = document.getElementById("map-dialog");
  const svg = document.getElementById("town-map");
  drawTown(svg, { labels: true });
  const view = new MapView(svg, (x, y) => {
    const [latitude, longitude] = toLatLon(x, y);
    mapDialog.close();
    dialogPane.act(api(personaPath(dialogPane.persona, "location"), { latitude, longitude }));
  });
  state.mapView = view;
  document.getElementById("zoom-in").addEventListener("click", () => view.zoom(1.6));
  document.getElementById("zoom-out").addEventListener("click", () => view.zoom(1 / 1.6));
  document.getElementById("zoom-all").addEventListener("click", () => view.reset());
  document.getElementById("gps-fails").addEventListener("click", () => {
    mapDialog.close();
    dialogPane.act(api(personaPath(dialogPane.persona, "location"), { gps_fails: true }));
  });

  const photoDialog = document.getElementById("photo-dialog");
  const asFile = document.getElementById("as-file");
  const samples = document.getElementById("samples");
  for (const name of state.photos) {
    samples.append(
      element(
        "button",
        {
          type: "button",
          "data-sample": name,
          onclick: () => {
            photoDialog.close();
            dialogPane.act(api(personaPath(dialogPane.persona, "photo"), { sample: name, as_file: asFile.checked }));
          },
        },
        element("img", { src: `/samples/${name}.jpg`, alt: "" }),
        PHOTO_LABELS[name] || name
      )
    );
  }
  document.getElementById("upload").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    photoDialog.close();
    const form = new FormData();
    form.append("file", file);
    form.append("as_file", asFile.checked ? "true" : "false");
    dialogPane.act(api(personaPath(dialogPane.persona, "photo"), form));
  });
}

// -- the bot's clock and the page's controls -------------------------------------------------

function setClock(clock) {
  state.clock = clock;
  state.clockReceivedAt = Date.now();
  showClock();
  showQuiet();
}

function showClock() {
  if (!state.clock) return;
  const now = state.clock.now_ms + (Date.now() - state.clockReceivedAt);
  const clock = document.getElementById("clock-now");
  clock.textContent = botTime(now);
  clock.dataset.ms = String(now);
  const hours = Math.round(state.clock.offset_hours);
  const days = Math.floor(hours / 24);
  const offset = hours ? `(快进 +${days ? `${days} 天 ` : ""}${hours % 24} 小时 · +${days ? `${days} d ` : ""}${hours % 24} h)` : "";
  document.getElementById("clock-offset").textContent = offset;
}

function wireControls() {
  const forward = (hours) => api("/api/clock", { hours }).then(setClock, (error) => alert(error.message));
  document.getElementById("forward-hour").addEventListener("click", () => forward(1));
  document.getElementById("forward-day").addEventListener("click", () => forward(24));
  document.getElementById("reset").addEventListener("click", () => {
    if (!confirm("清空所有聊天和报告，从头开始？\nThrow away every chat and report and start clean?")) return;
    api("/api/reset", {}).then(setClock, (error) => alert(error.message));
  });
  const add = document.getElementById("add-persona");
  fillPersonaOptions(add, "— 选择人物 choose —");
  add.addEventListener("change", () => {
    if (add.value) {
      addPane(state.personas.get(add.value));
      showPane(state.panes.find((pane) => pane.persona.key === add.value));
    }
    add.value = "";
  });
  document.addEventListener("click", (event) => {
    for (const pane of state.panes) {
      if (!pane.root.querySelector(".menu").contains(event.target)) pane.commandList.hidden = true;
    }
  });
  setInterval(showClock, 10_000);
  setInterval(refreshHeldSoon, 30_000);
  const strip = document.getElementById("panes");
  strip.addEventListener("scroll", () => markCurrentTab(currentPane()), { passive: true });
  window.addEventListener("resize", () => markCurrentTab(currentPane()));
}

// -- live updates ----------------------------------------------------------------------------

function paneOf(chatId) {
  return state.panes.find((pane) => pane.persona.chat_id === chatId);
}

function handle(event) {
  if (event.kind === "message") {
    chatOf(event.chat_id).set(event.message.message_id, event.message);
    const pane = paneOf(event.chat_id);
    if (pane) pane.upsert(event.message);
    refreshHeldSoon();
  } else if (event.kind === "deleted") {
    chatOf(event.chat_id).delete(event.message_id);
    const pane = paneOf(event.chat_id);
    if (pane) pane.remove(event.message_id);
  } else if (event.kind === "answer") {
    const pane = paneOf(event.chat_id);
    if (pane) pane.toast(event.text, event.alert ? 6 : 2.5);
  } else if (event.kind === "clock") {
    setClock(event);
    refreshHeld().catch(() => {});
  } else if (event.kind === "reset") {
    resync();
  }
}

async function resync() {
  state.chats.clear();
  const fresh = await api("/api/state");
  setClock(fresh.clock);
  await refreshHeld();
  await Promise.all(state.panes.map((pane) => loadChat(pane.persona.chat_id)));
  for (const pane of state.panes) {
    pane.hiddenKeyboardOf = null;
    pane.renderAll();
  }
}

function listen() {
  const source = new EventSource("/api/events");
  let reconnecting = false;
  source.onopen = () => {
    if (reconnecting) resync(); // events may have been missed while the line was down
    document.body.dataset.live = "yes";
  };
  source.onerror = () => {
    reconnecting = true;
    document.body.dataset.live = "no";
  };
  source.onmessage = (message) => handle(JSON.parse(message.data));
}

async function main() {
  const initial = await api("/api/state");
  for (const persona of initial.personas) state.personas.set(persona.key, persona);
  state.map = initial.map;
  state.photos = initial.photos;
  setClock(initial.clock);
  listen();
  wireDialogs();
  wireControls();
  for (const key of savedLayout(initial.panes)) addPane(state.personas.get(key));
  await refreshHeld();
  document.body.dataset.ready = "yes";
}

main().catch((error) => {
  document.getElementById("panes").textContent = `⚠ ${error.message}`;
});
