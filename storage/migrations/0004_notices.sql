-- Delivery at scale: a chat's older rows are looked up by chat, so index them.

CREATE INDEX outbox_by_chat ON outbox(chat_id, id);
