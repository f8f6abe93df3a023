// Clean Village Bot playground: one message as a Telegram bubble — its text with its entities,
// media (documents as downloads), the bot's time, and inline buttons.
"use strict";

const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

// The message's text with its entities (UTF-16 offsets, as JavaScript strings count) as markup,
// the way a Telegram client shows the bot's formatting.
function richText(text, entities) {
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const fragment = document.createDocumentFragment();
  appendEntities(fragment, text, 0, text.length, sorted);
  return fragment;
}

function appendEntities(parent, text, start, end, entities) {
  let position = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const stop = Math.min(entity.offset + entity.length, end);
    const inner = [];
    for (index += 1; index < entities.length && entities[index].offset < stop; index += 1) {
      inner.push(entities[index]);
    }
    if (entity.offset > position) parent.append(text.slice(position, entity.offset));
    const wrapper = entityElement(entity);
    appendEntities(wrapper, text, entity.offset, stop, inner);
    parent.append(wrapper);
    position = Math.max(position, stop);
  }
  if (position < end) parent.append(text.slice(position, end));
}

function entityElement(entity) {
  if (entity.type in ENTITY_TAGS) return document.createElement(ENTITY_TAGS[entity.type]);
  if (entity.type === "text_link" && SAFE_LINK.test(entity.url || "")) {
    return element("a", { href: entity.url, target: "_blank", rel: "noopener" });
  }
  if (entity.type === "spoiler") return element("span", { class: "spoiler" });
  return document.createElement("span");
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
    bubble.append(element("div", { class: "text" }, richText(words, message.text != null ? message.entities : message.caption_entities)));
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
