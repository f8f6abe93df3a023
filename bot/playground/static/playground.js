// Clean Village Bot playground: chat panes for people of the sample town, talking to the real
// bot through the built-in Telegram emulator. The server sends every change as a server-sent
// event; what a person does in a pane is a POST to /api/personas/<key>/...
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

// Telegram's HTML subset, rebuilt from a parsed copy so that nothing else gets through.
const SIMPLE_TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote",
};

function richText(text, parseMode) {
  if (String(parseMode || "").toLowerCase() !== "html") return document.createTextNode(text);
  const parsed = new DOMParser().parseFromString(`<body>${text}</body>`, "text/html");
  const fragment = document.createDocumentFragment();
  copyAllowed(parsed.body, fragment);
  return fragment;
}

function copyAllowed(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(node.textContent);
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = node.tagName.toLowerCase();
    let copy = null;
    if (tag in SIMPLE_TAGS) {
      copy = document.createElement(SIMPLE_TAGS[tag]);
    } else if (tag === "a" && SAFE_LINK.test(node.getAttribute("href") || "")) {
      copy = element("a", { href: node.getAttribute("href"), target: "_blank", rel: "noopener" });
    } else if (tag === "tg-spoiler" || (tag === "span" && node.classList.contains("tg-spoiler"))) {
      copy = element("span", { class: "spoiler" });
    }
    if (copy) {
      copyAllowed(node, copy);
      to.append(copy);
    } else {
      copyAllowed(node, to);
    }
  }
}

// Every time on the page is the bot's: its clock (fast-forward included) in its time zone,
// written one way, "12-04 19:45".
function botTime(ms) {
  const zone = state.clock ? state.clock.timezone : undefined;
  const parts = {};
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  for (const part of format.formatToParts(new Date(ms))) parts[part.type] = part.value;
  return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function sentAt(message) {
  return message.bot_time_ms ?? message.date * 1000;
}

function duration(seconds) {
  const whole = Math.max(0, Math.round(seconds || 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

// -- the town map ----------------------------------------------------------------------------

function toSvg(latitude, longitude) {
  const { west, north, x_per_degree: xPerDegree, y_per_degree: yPerDegree } = state.map.projection;
  return [(longitude - west) * xPerDegree, (north - latitude) * yPerDegree];
}

function toLatLon(x, y) {
  const { west, north, x_per_degree: xPerDegree, y_per_degree: yPerDegree } = state.map.projection;
  return [north - y / yPerDegree, west + x / xPerDegree];
}

function drawTown(svg, { labels }) {
  const map = state.map;
  svg.setAttribute("viewBox", `0 0 ${map.width} ${map.height}`);
  for (const hamlet of map.hamlets) {
    const path = svgElement("path", { d: hamlet.path, class: "hamlet", "data-hamlet": hamlet.id });
    const title = svgElement("title");
    title.textContent = `${hamlet.name} ${hamlet.name_en}`;
    path.append(title);
    svg.append(path);
  }
  for (const river of map.rivers) svg.append(svgElement("path", { d: river.path, class: "river" }));
  for (const village of map.villages) {
    svg.append(svgElement("path", { d: village.path, class: "village" }));
  }
  if (!labels) return;
  for (const hamlet of map.hamlets) {
    const [x, y] = hamlet.label;
    const label = svgElement("text", { x, y, class: "hamlet-label", "data-hamlet": hamlet.id });
    label.textContent = hamlet.name;
    svg.append(label);
  }
  for (const village of map.villages) {
    const [x, y] = village.label;
    const label = svgElement("text", { x, y: y - 28, class: "village-label" });
    label.textContent = village.name;
    svg.append(label);
  }
}

function pinMap(latitude, longitude) {
  const [x, y] = toSvg(latitude, longitude);
  const width = 400;
  const height = 250;
  const svg = svgElement("svg", { class: "pin", role: "img" });
  drawTown(svg, { labels: true });
  svg.setAttribute("viewBox", `${x - width / 2} ${y - height / 2} ${width} ${height}`);
  svg.append(svgElement("circle", { cx: x, cy: y, r: 12, class: "pin-dot" }));
  return svg;
}

// The map dialog's view: zoom (buttons, wheel) and pan (drag) by moving the viewBox; labels keep
// one size on screen; a click that did not drag shares the point clicked.
const LABEL_PX = { "hamlet-label": 13, "village-label": 16 };
const DRAG_PX = 6;

class MapView {
  constructor(svg, onPick) {
    this.svg = svg;
    this.onPick = onPick;
    this.full = { x: 0, y: 0, width: state.map.width, height: state.map.height };
    this.box = { ...this.full };
    this.drag = null;
    svg.addEventListener("pointerdown", (event) => {
      this.drag = { x: event.clientX, y: event.clientY, box: { ...this.box }, moved: false };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", (event) => {
      if (!this.drag) return;
      const dx = event.clientX - this.drag.x;
      const dy = event.clientY - this.drag.y;
      if (!this.drag.moved && Math.hypot(dx, dy) < DRAG_PX) return;
      this.drag.moved = true;
      const scale = this.unitsPerPixel();
      this.set({ ...this.drag.box, x: this.drag.box.x - dx * scale, y: this.drag.box.y - dy * scale });
    });
    svg.addEventListener("pointerup", (event) => {
      const drag = this.drag;
      this.drag = null;
      if (!drag || drag.moved) return;
      const point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      const { x, y } = point.matrixTransform(svg.getScreenCTM().inverse());
      this.onPick(x, y);
    });
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      this.zoom(event.deltaY < 0 ? 1.25 : 1 / 1.25);
    }, { passive: false });
  }

  unitsPerPixel() {
    return this.box.width / Math.max(1, this.svg.clientWidth);
  }

  // On a small screen start zoomed in on the town's middle, so hamlets are big enough to hit.
  fit() {
    const zoom = Math.min(3, Math.max(1, 700 / Math.max(1, this.svg.clientWidth)));
    this.reset();
    if (zoom > 1) this.zoom(zoom);
  }

  reset() {
    this.set({ ...this.full });
  }

  zoom(factor) {
    const width = Math.min(this.full.width, Math.max(this.full.width / 8, this.box.width / factor));
    const height = width * (this.full.height / this.full.width);
    const middleX = this.box.x + this.box.width / 2;
    const middleY = this.box.y + this.box.height / 2;
    this.set({ x: middleX - width / 2, y: middleY - height / 2, width, height });
  }

  set(box) {
    const x = Math.min(Math.max(box.x, this.full.x), this.full.width - box.width);
    const y = Math.min(Math.max(box.y, this.full.y), this.full.height - box.height);
    this.box = { x, y, width: box.width, height: box.height };
    this.svg.setAttribute("viewBox", `${x} ${y} ${box.width} ${box.height}`);
    const scale = this.unitsPerPixel();
    for (const label of this.svg.querySelectorAll("text")) {
      label.style.fontSize = `${LABEL_PX[label.getAttribute("class")] * scale}px`;
    }
  }
}

// -- one chat pane ---------------------------------------------------------------------------

class Pane {
  constructor(persona) {
    const template = document.getElementById("pane-template");
    this.root = template.content.firstElementChild.cloneNode(true);
    this.messages = this.root.querySelector(".messages");
    this.keyboard = this.root.querySelector(".keyboard");
    this.input = this.root.querySelector(".text");
    this.toastBox = this.root.querySelector(".toast");
    this.commandList = this.root.querySelector(".command-list");
    this.elements = new Map(); // message id -> element
    this.hiddenKeyboardOf = null; // a one-time keyboard already used
    fillPersonaOptions(this.root.querySelector(".persona-select"));
    this.wire();
    this.setPersona(persona);
  }

  wire() {
    const root = this.root;
    root.querySelector(".persona-select").addEventListener("change", (event) => {
      swapPersona(this, state.personas.get(event.target.value));
    });
    root.querySelector(".close").addEventListener("click", () => removePane(this));
    root.querySelector(".start").addEventListener("click", () => this.sendText("/start"));
    root.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.sendText(text);
    });
    root.querySelector(".attach").addEventListener("click", () => openPhotoDialog(this));
    root.querySelector(".voice").addEventListener("click", () => {
      this.act(api(personaPath(this.persona, "voice"), {}));
    });
    root.querySelector(".place").addEventListener("click", () => openMapDialog(this));
    root.querySelector(".menu").addEventListener("click", () => this.toggleCommands());
  }

  setPersona(persona) {
    this.persona = persona;
    this.root.dataset.persona = persona.key;
    this.root.classList.toggle("group", persona.group);
    this.root.querySelector(".persona-select").value = persona.key;
    const detail = this.root.querySelector(".detail");
    detail.textContent = `${ROLES[persona.kind]} · ${persona.detail.zh}`;
    detail.title = persona.detail.en;
    const avatar = this.root.querySelector(".avatar");
    avatar.className = `avatar ${persona.kind}`;
    avatar.textContent = Array.from(persona.name)[0] || "?";
    this.hiddenKeyboardOf = null;
    this.renderAll();
    this.showHeld();
    loadChat(persona.chat_id).then(() => this.renderAll(), (error) => this.toast(`⚠ ${error.message}`));
  }

  get chat() {
    return chatOf(this.persona.chat_id);
  }

  // What quiet hours are holding back for this chat, and until when (bot time).
  showHeld() {
    const box = this.root.querySelector(".held");
    const held = state.held.get(this.persona.chat_id);
    box.hidden = !held;
    if (!held) return;
    const until = botTime(held.until_ms);
    box.textContent =
      `🌙 免打扰时段：${held.count} 条消息暂缓，${until} 发出 · ` +
      `Quiet hours: ${held.count} ${held.count === 1 ? "message" : "messages"} held until ${until}`;
  }

  renderAll() {
    this.messages.replaceChildren();
    this.elements.clear();
    const ordered = [...this.chat.values()].sort((a, b) => a.message_id - b.message_id);
    for (const message of ordered) this.show(message);
    this.afterChange();
  }

  show(message) {
    const node = messageElement(message, this);
    const old = this.elements.get(message.message_id);
    if (old) {
      old.replaceWith(node);
    } else {
      const later = [...this.elements.keys()].filter((id) => id > message.message_id);
      const before = later.length ? this.elements.get(Math.min(...later)) : null;
      this.messages.insertBefore(node, before);
    }
    this.elements.set(message.message_id, node);
  }

  upsert(message) {
    this.show(message);
    this.afterChange();
    if (message.from && message.from.is_bot && !message.edit_date) this.light();
  }

  remove(messageId) {
    const old = this.elements.get(messageId);
    if (old) old.remove();
    this.elements.delete(messageId);
    this.afterChange();
  }

  afterChange() {
    const empty = this.chat.size === 0;
    this.root.querySelector(".start").hidden = !empty || this.persona.group;
    this.renderKeyboard();
    this.scrollToEnd();
  }

  scrollToEnd() {
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  light() {
    this.root.classList.remove("lit");
    void this.root.offsetWidth; // restart the animation
    this.root.classList.add("lit");
  }

  // The reply keyboard is the one the bot's latest message with keyboard news set.
  currentKeyboard() {
    let keyboard = null;
    const ordered = [...this.chat.values()].sort((a, b) => a.message_id - b.message_id);
    for (const message of ordered) {
      const markup = message.from && message.from.is_bot ? message.reply_markup : null;
      if (!markup) continue;
      if (markup.keyboard) keyboard = { markup, messageId: message.message_id };
      else if (markup.remove_keyboard) keyboard = null;
    }
    if (keyboard && keyboard.messageId === this.hiddenKeyboardOf) return null;
    return keyboard;
  }

  renderKeyboard() {
    const keyboard = this.currentKeyboard();
    this.keyboard.replaceChildren();
    if (!keyboard) return;
    for (const row of keyboard.markup.keyboard) {
      const line = element("div", { class: "row" });
      for (const button of row) {
        const spec = typeof button === "string" ? { text: button } : button;
        line.append(
          element("button", { type: "button", onclick: () => this.pressKey(spec, keyboard) }, spec.text)
        );
      }
      this.keyboard.append(line);
    }
  }

  pressKey(spec, keyboard) {
    if (keyboard.markup.one_time_keyboard) {
      this.hiddenKeyboardOf = keyboard.messageId;
      this.renderKeyboard();
    }
    if (spec.request_location) openMapDialog(this);
    else this.sendText(spec.text);
  }

  async toggleCommands() {
    if (!this.commandList.hidden) {
      this.commandList.hidden = true;
      return;
    }
    try {
      const { commands } = await api(personaPath(this.persona, "commands"));
      this.commandList.replaceChildren(
        ...commands.map((command) =>
          element(
            "button",
            {
              type: "button",
              onclick: () => {
                this.commandList.hidden = true;
                this.sendText(`/${command.command}`);
              },
            },
            element("b", {}, `/${command.command}`),
            ` ${command.description}`
          )
        )
      );
      if (!commands.length) this.commandList.append(element("p", {}, "—"));
      this.commandList.hidden = false;
    } catch (error) {
      this.toast(`⚠ ${error.message}`);
    }
  }

  sendText(text) {
    this.act(api(personaPath(this.persona, "text"), { text }));
  }

  press(message, data) {
    this.act(api(personaPath(this.persona, "press"), { message_id: message.message_id, data }));
  }

  act(request) {
    request.catch((error) => this.toast(`⚠ ${error.message}`));
  }

  toast(text, seconds = 2.5) {
    this.toastBox.textContent = text;
    this.toastBox.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      this.toastBox.hidden = true;
    }, seconds * 1000);
  }
}

function messageElement(message, pane) {
  const mine = !(message.from && message.from.is_bot);
  const bubble = element("div", { class: "bubble" });
  if (pane.persona.group && mine) {
    bubble.append(element("div", { class: "sender" }, message.from.first_name));
  }
  if (message.forward_origin) bubble.append(element("div", { class: "sender" }, "转发 Forwarded"));
  const scroll = () => pane.scrollToEnd();
  if (message.photo) {
    const largest = message.photo[message.photo.length - 1];
    bubble.append(
      element("img", { class: "photo", src: `/api/files/${largest.file_id}`, alt: "photo 照片", onload: scroll })
    );
  }
  if (message.document) {
    const document_ = message.document;
    if ((document_.mime_type || "").startsWith("image/")) {
      bubble.append(
        element("img", { class: "photo", src: `/api/files/${document_.file_id}`, alt: document_.file_name || "", onload: scroll })
      );
    }
    const name = document_.file_name || "file";
    bubble.append(
      element(
        "a",
        { class: "download", href: `/api/files/${encodeURIComponent(document_.file_id)}?download`, download: name, title: "下载 Download" },
        `📎 ${name} ⬇`
      )
    );
  }
  for (const kind of ["voice", "audio"]) {
    if (!message[kind]) continue;
    bubble.append(
      element("div", { class: "voice-length" }, `🎤 ${duration(message[kind].duration)}`),
      element("audio", { controls: "", preload: "metadata", src: `/api/files/${encodeURIComponent(message[kind].file_id)}` })
    );
  }
  for (const kind of ["video", "animation", "video_note"]) {
    if (message[kind] && !message.document) bubble.append(element("div", {}, `🎬 ${kind}`));
  }
  if (message.sticker) bubble.append(element("div", { class: "text" }, message.sticker.emoji || "sticker"));
  if (message.location) {
    const { latitude, longitude } = message.location;
    bubble.append(pinMap(latitude, longitude));
    const where = message.venue ? `${message.venue.title}\n${message.venue.address}` : "";
    bubble.append(
      element("div", { class: "text" }, `📍 ${latitude.toFixed(5)}, ${longitude.toFixed(5)}${where ? `\n${where}` : ""}`)
    );
  }
  if (message.contact) {
    bubble.append(element("div", { class: "text" }, `👤 ${message.contact.first_name} ${message.contact.phone_number}`));
  }
  if (message.dice) bubble.append(element("div", { class: "text" }, `${message.dice.emoji} ${message.dice.value}`));
  if (message.poll) bubble.append(element("div", { class: "text" }, `📊 ${message.poll.question}`));
  const words = message.text ?? message.caption;
  if (words) {
    bubble.append(element("div", { class: "text" }, richText(words, message.parse_mode)));
  }
  const meta = botTime(sentAt(message)) + (message.edit_date ? " · 已编辑 edited" : "");
  bubble.append(element("time", { class: "meta", "data-ms": String(sentAt(message)) }, meta));

  const wrapper = element("div", { class: `message ${mine ? "mine" : "theirs"}`, "data-id": message.message_id }, bubble);
  const inline = (message.reply_markup || {}).inline_keyboard;
  if (inline && inline.length) {
    const keyboard = element("div", { class: "inline-keyboard" });
    for (const row of inline) {
      const line = element("div", { class: "row" });
      for (const button of row) {
        if (button.url && SAFE_LINK.test(button.url)) {
          line.append(element("a", { href: button.url, target: "_blank", rel: "noopener" }, button.text));
        } else if (button.url) {
          line.append(element("span", { class: "refused-link", title: "不安全的链接 Unsafe link" }, button.text));
        } else {
          line.append(
            element(
              "button",
              { type: "button", "data-data": button.callback_data || "", onclick: () => pane.press(message, button.callback_data) },
              button.text
            )
          );
        }
      }
      keyboard.append(line);
    }
    wrapper.append(keyboard);
  }
  return wrapper;
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
