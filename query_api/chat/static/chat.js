// Tessera chat page: a client of the public API only (CONTRACT §2, §5.4, §5.5, §6).
// REST for sign-in, lists and history; /ws/chat/{id}/ for live messages, typing and ticks;
// /ws/presence/ (plus GET online-users/) for who is online. No framework, no build step.
"use strict";

const API = "/api/v1";
const TICKS = { sent: "✓", delivered: "✓✓", read: "✓✓" };
const CONVERSATIONS_REFRESH_MS = 4000;
const $ = (id) => document.getElementById(id);

const state = {
  token: null, refresh: null, me: null,
  conversations: new Map(), current: null, participants: new Map(),
  chatSocket: null, lastPosition: null, nextBefore: null, rendered: new Map(),
  presenceSocket: null, online: new Map(), timers: [], typingTimer: null, lastTypingSent: 0,
};

// ---------------------------------------------------------------- REST
class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, { method = "GET", body, form, retry = true } = {}) {
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(API + path, {
    method, headers, body: form || (body === undefined ? undefined : JSON.stringify(body)),
  });
  if (answer.status === 401 && retry && state.refresh && await refreshSession()) {
    return api(path, { method, body, form, retry: false });
  }
  const text = await answer.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, parsed);
  return parsed;
}

async function refreshSession() {
  try {
    const answer = await fetch(`${API}/auth/refresh/`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh: state.refresh }),
    });
    if (!answer.ok) return false;
    const session = await answer.json();
    saveSession({ ...session, user: state.me });
    return true;
  } catch (error) {
    return false;
  }
}

const listOf = (answer) => (Array.isArray(answer) ? answer : (answer && answer.results) || []);

// ---------------------------------------------------------------- session
function saveSession(session) {
  state.token = session.token;
  state.refresh = session.refresh || state.refresh;
  state.me = session.user;
  sessionStorage.setItem("tessera-chat", JSON.stringify(
    { token: state.token, refresh: state.refresh, user: state.me }));
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    const session = await api("/auth/login/", {
      method: "POST", retry: false,
      body: { email: $("signin-email").value.trim(), password: $("signin-password").value },
    });
    saveSession(session);
    start();
  } catch (error) {
    $("signin-error").textContent = error.status === 401 ? "Wrong email or password" : error.message;
  }
}

function signOut() {
  sessionStorage.removeItem("tessera-chat");
  for (const timer of state.timers) clearInterval(timer);
  closeSocket("chatSocket");
  closeSocket("presenceSocket");
  location.reload();
}

function closeSocket(name) {
  const socket = state[name];
  state[name] = null;
  if (socket) { socket.onclose = null; socket.close(); }
}

function socketUrl(path, params) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ token: state.token, ...params });
  return `${scheme}//${location.host}${path}?${query}`;
}

// ---------------------------------------------------------------- people and presence
const fullName = (p) => [p.first_name, p.last_name].filter(Boolean).join(" ") || p.email || p.id;
const isOnline = (userId) => state.online.has(userId);

function personItem(person, action) {
  const li = document.createElement("li");
  li.dataset.userId = person.id;
  li.className = isOnline(person.id) ? "online" : "";
  const name = document.createElement("span");
  name.className = "name";
  name.innerHTML = '<span class="dot"></span>';
  name.append(fullName(person) + (person.id === state.me.id ? " (you)" : ""));
  li.append(name);
  if (action && person.id !== state.me.id) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Chat";
    button.addEventListener("click", () => startConversation([person.id]));
    li.append(button);
  }
  return li;
}

async function loadOnline() {
  const users = listOf(await api("/online-users/"));
  state.online = new Map(users.map((user) => [user.id, user]));
  renderOnline();
}

function renderOnline() {
  $("online-count").textContent = String(state.online.size);
  $("online-list").replaceChildren(...[...state.online.values()].map((user) => personItem(user, true)));
  for (const item of document.querySelectorAll("[data-user-id]")) {
    item.classList.toggle("online", isOnline(item.dataset.userId));
  }
  renderConversations();
}

function connectPresence() {
  const socket = new WebSocket(socketUrl("/ws/presence/"));
  state.presenceSocket = socket;
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type !== "presence") return;
    const { user_id: userId, is_online: online } = frame.data;
    if (online && !state.online.has(userId)) loadOnline().catch(() => {});
    if (!online && state.online.delete(userId)) renderOnline();
  };
  socket.onopen = () => loadOnline().catch(() => {});
  socket.onclose = (event) => setTimeout(() => { if (state.presenceSocket === socket) connectPresence(); },
    event.code === 4429 ? 15000 : 2000);
}

// ---------------------------------------------------------------- conversations
function conversationTitle(conversation) {
  if (conversation.name) return conversation.name;
  const others = (conversation.participants || []).filter((p) => p.id !== state.me.id);
  return others.map(fullName).join(", ") || "Just you";
}

function preview(message) {
  if (!message) return "No messages yet";
  const content = message.content || {};
  return content.text || content.name || content.url || message.type_message;
}

async function loadConversations() {
  const conversations = listOf(await api("/chat/conversations/?page_size=100"));
  state.conversations = new Map(conversations.map((c) => [c.id, c]));
  renderConversations();
}

function renderConversations() {
  const items = [...state.conversations.values()].map((conversation) => {
    const li = document.createElement("li");
    li.dataset.conversationId = conversation.id;
    li.classList.toggle("active", conversation.id === state.current);
    const others = (conversation.participants || []).filter((p) => p.id !== state.me.id);
    const title = document.createElement("div");
    title.className = "title";
    const name = document.createElement("span");
    name.innerHTML = `<span class="dot${others.some((p) => isOnline(p.id)) ? " online" : ""}"></span>`;
    name.append(conversationTitle(conversation));
    title.append(name);
    if (conversation.unread_count && conversation.id !== state.current) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(conversation.unread_count);
      title.append(badge);
    }
    const line = document.createElement("div");
    line.className = "preview";
    line.textContent = preview(conversation.last_message);
    li.append(title, line);
    li.addEventListener("click", () => openConversation(conversation.id));
    return li;
  });
  $("conversation-list").replaceChildren(...items);
}

async function startConversation(userIds, name) {
  $("start-error").textContent = "";
  try {
    const body = { user_ids: userIds };
    if (name) body.name = name;
    const conversation = await api("/chat/conversations/", { method: "POST", body });
    state.conversations.set(conversation.id, conversation);
    await loadConversations().catch(() => {});
    await openConversation(conversation.id);
  } catch (error) {
    $("start-error").textContent = error.message;
  }
}

function submitStart(event) {
  event.preventDefault();
  const ids = $("start-ids").value.split(/[\s,;]+/).filter(Boolean);
  if (!ids.length) { $("start-error").textContent = "Enter at least one user ID"; return; }
  startConversation(ids, $("start-name").value.trim()).then(() => { $("start-ids").value = ""; });
}

async function searchDirectory() {
  const query = new URLSearchParams({ search: $("directory-search").value.trim(), page_size: "20" });
  const users = listOf(await api(`/users/?${query}`));
  $("directory-list").replaceChildren(...users.map((user) => personItem(user, true)));
}

// ---------------------------------------------------------------- one conversation
async function openConversation(conversationId) {
  closeSocket("chatSocket");
  state.current = conversationId;
  state.rendered = new Map();
  state.lastPosition = null;
  $("messages").replaceChildren();
  $("typing").textContent = "";
  $("conversation-error").textContent = "";
  const conversation = state.conversations.get(conversationId) || { id: conversationId, participants: [] };
  state.participants = new Map((conversation.participants || []).map((p) => [p.id, p]));
  $("conversation-title").textContent = conversationTitle(conversation);
  $("conversation-people").replaceChildren(...(conversation.participants || []).map((p) => personItem(p, false)));
  $("composer").hidden = false;
  renderConversations();
  connectChat(conversationId);
  await loadHistory();
  markRead();
}

async function loadHistory(before) {
  const conversationId = state.current;
  const query = new URLSearchParams({ limit: "50" });
  if (before) query.set("before", before);
  const page = await api(`/chat/conversations/${conversationId}/messages/?${query}`);
  if (conversationId !== state.current) return;
  const messages = page.results || [];
  const list = $("messages");
  const first = list.firstChild;
  for (const message of messages) {
    if (!state.rendered.has(message.id)) list.insertBefore(messageItem(message), first);
  }
  state.nextBefore = page.next_before || null;
  $("load-older").hidden = !state.nextBefore;
  if (!before) list.scrollTop = list.scrollHeight;
}

function connectChat(conversationId) {
  const params = state.lastPosition === null ? {} : { since: String(state.lastPosition) };
  const socket = new WebSocket(socketUrl(`/ws/chat/${conversationId}/`, params));
  state.chatSocket = socket;
  socket.onopen = () => { $("socket-state").textContent = "live"; };
  socket.onmessage = (event) => onChatFrame(JSON.parse(event.data));
  socket.onclose = (event) => {
    $("socket-state").textContent = "reconnecting…";
    if (event.code === 4403 || event.code === 4401) {
      $("conversation-error").textContent = event.code === 4401 ? "Signed out: sign in again" : "Not a participant";
      return;
    }
    // 4429: this user holds too many sockets already; try again later, not at once.
    const delay = event.code === 4429 ? 15000 : 1500;
    setTimeout(() => { if (state.chatSocket === socket) connectChat(conversationId); }, delay);
  };
}

function onChatFrame(frame) {
  if (frame.position !== undefined) state.lastPosition = Math.max(state.lastPosition || 0, frame.position);
  if (frame.type === "message") onMessage(frame.data);
  else if (frame.type === "status") onStatus(frame.data);
  else if (frame.type === "typing") onTyping(frame.data);
  else if (frame.type === "error") $("conversation-error").textContent = frame.error.message;
}

function onMessage(message) {
  if (message.conversation_id !== state.current) return;
  if (state.rendered.has(message.id)) return;
  $("messages").append(messageItem(message));
  $("messages").scrollTop = $("messages").scrollHeight;
  if (message.sender.id !== state.me.id) {
    $("typing").textContent = "";
    markRead();
  }
  const conversation = state.conversations.get(message.conversation_id);
  if (conversation) { conversation.last_message = message; renderConversations(); }
}

function messageItem(message) {
  const mine = message.sender.id === state.me.id;
  const li = document.createElement("li");
  li.className = mine ? "message mine" : "message";
  li.dataset.messageId = message.id;
  li.dataset.senderId = message.sender.id;
  const sender = document.createElement("div");
  sender.className = "sender";
  sender.textContent = mine ? "You" : fullName(message.sender);
  const body = document.createElement("div");
  body.className = "body";
  body.append(messageBody(message));
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.append(new Date(message.created_at).toLocaleTimeString());
  if (mine) {
    const ticks = document.createElement("span");
    ticks.className = "ticks";
    meta.append(ticks);
  }
  li.append(sender, body, meta);
  state.rendered.set(message.id, li);
  if (mine) setStatus(message.id, message.status || "sent");
  return li;
}

function messageBody(message) {
  const content = message.content || {};
  if (message.type_message === "text") return document.createTextNode(content.text || "");
  if (message.type_message === "image") {
    const image = document.createElement("img");
    image.src = content.url;
    image.alt = content.name || "image";
    return image;
  }
  const link = document.createElement("a");
  link.href = content.url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.textContent = content.name || content.title || content.url;
  if (message.type_message === "file") link.download = content.name || "";
  return link;
}

const STATUS_ORDER = ["sent", "delivered", "read"];

// Receipts are cursors: a status holds for every earlier message of mine too. Frames name
// at most the 100 newest messages a receipt moves, so older ones are raised from here.
function onStatus(data) {
  let item = state.rendered.get(data.message_id);
  for (; item; item = item.previousElementSibling) {
    const ticks = item.querySelector(".ticks");
    if (ticks && !raiseTicks(ticks, data.status) && item.dataset.messageId !== data.message_id) return;
  }
}

function setStatus(messageId, status) {
  const ticks = state.rendered.get(messageId)?.querySelector(".ticks");
  if (ticks) raiseTicks(ticks, status);
}

function raiseTicks(ticks, status) {
  if (STATUS_ORDER.indexOf(status) <= STATUS_ORDER.indexOf(ticks.dataset.status || "sent")) return false;
  ticks.dataset.status = status;
  ticks.textContent = TICKS[status] || "";
  ticks.title = status;
  ticks.closest(".message").dataset.status = status;
  return true;
}

function markRead() {
  if (document.visibilityState === "hidden" || !state.chatSocket) return;
  const others = [...state.rendered.values()].filter((li) => li.dataset.senderId !== state.me.id);
  const newest = others[others.length - 1];
  if (!newest || newest.dataset.readSent) return;
  if (state.chatSocket.readyState !== WebSocket.OPEN) {
    state.chatSocket.addEventListener("open", markRead, { once: true });
    return;
  }
  newest.dataset.readSent = "1";
  state.chatSocket.send(JSON.stringify({ type: "read", message_id: newest.dataset.messageId }));
  const conversation = state.conversations.get(state.current);
  if (conversation) conversation.unread_count = 0;
}

function onTyping(data) {
  if (data.user_id === state.me.id) return;
  $("typing").textContent = `${fullName(data)} is typing…`;
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(() => { $("typing").textContent = ""; }, 3000);
}

function sendTyping() {
  const socket = state.chatSocket;
  if (!socket || socket.readyState !== WebSocket.OPEN || Date.now() - state.lastTypingSent < 2000) return;
  state.lastTypingSent = Date.now();
  socket.send(JSON.stringify({ type: "typing" }));
}

async function post(typeMessage, content) {
  const socket = state.chatSocket;
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type_message: typeMessage, content }));
    return;
  }
  const message = await api(`/chat/conversations/${state.current}/messages/`,
    { method: "POST", body: { type_message: typeMessage, content } });
  onMessage(message);
}

async function submitMessage(event) {
  event.preventDefault();
  const text = $("message-text").value.trim();
  if (!text || !state.current) return;
  $("message-text").value = "";
  try {
    await post("text", { text });
  } catch (error) {
    $("conversation-error").textContent = error.message;
  }
}

async function attachFile() {
  const file = $("message-file").files[0];
  $("message-file").value = "";
  if (!file || !state.current) return;
  const form = new FormData();
  form.append("file", file);
  try {
    const uploaded = await api(`/chat/conversations/${state.current}/attachments/`, { method: "POST", form });
    const kind = (uploaded.content_type || "").startsWith("image/") ? "image" : "file";
    await post(kind, { url: uploaded.url, name: file.name });
  } catch (error) {
    $("conversation-error").textContent = error.message;
  }
}

// ---------------------------------------------------------------- start-up
function every(ms, task) {
  state.timers.push(setInterval(() => task().catch(() => {}), ms));
}

function start() {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("me-name").textContent = fullName(state.me);
  $("app").dataset.me = state.me.id;
  $("directory").hidden = !["admin", "support"].includes(state.me.access_level);
  connectPresence();
  loadConversations().catch((error) => { $("start-error").textContent = error.message; });
  every(CONVERSATIONS_REFRESH_MS, loadConversations);
}

function boot() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("start-form").addEventListener("submit", submitStart);
  $("composer").addEventListener("submit", submitMessage);
  $("message-text").addEventListener("input", sendTyping);
  $("message-file").addEventListener("change", attachFile);
  $("directory-search").addEventListener("input", () => searchDirectory().catch(() => {}));
  $("load-older").addEventListener("click", () => loadHistory(state.nextBefore).catch(() => {}));
  document.addEventListener("visibilitychange", markRead);
  const saved = JSON.parse(sessionStorage.getItem("tessera-chat") || "null");
  if (saved && saved.token) {
    saveSession(saved);
    start();
  } else {
    $("signin").hidden = false;
  }
}

boot();
