// Clean Village Bot playground: one chat pane — a person's transcript, reply keyboard,
// composer and command menu, talking to the server through playground.js's `api`.
"use strict";

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
