// vigor annotate: the page. Plain JavaScript, no build step. Every text from the server is put in
// with textContent, never as HTML.
"use strict";

const KINDS = ["object_hallucination", "attribute", "relationship", "location", "conjecture"];
const KIND_LABELS = { object_hallucination: "object hallucination", attribute: "attribute", relationship: "relationship", location: "location", conjecture: "conjecture" };
const $ = id => document.getElementById(id);

const state = { session: null, item: null, index: 0, sentences: [], focus: 0, detail: null, zoom: 1, split: null, saving: false };

async function api(path, options) {
  const response = await fetch(path, options);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    throw new Error(body?.detail || body?.title || `${response.status} ${response.statusText}`);
  }
  return body;
}

function setStatus(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.className = kind || "";
}

function showProgress() {
  const s = state.session;
  $("annotator").textContent = s.annotator;
  $("progress").textContent = `${s.done} / ${s.total} labelled`;
  $("position").textContent = `description ${state.index + 1} of ${s.total}`;
}

async function load(index) {
  state.index = Math.max(0, Math.min(index, state.session.total - 1));
  const item = await api(`api/items/${state.index}`);
  state.item = item;
  state.sentences = item.sentences.map(s => ({ start: s.start, end: s.end, errors: [...s.errors], creative: s.creative, labelled: item.labelled }));
  state.focus = 0;
  state.split = null;
  state.detail = item.detail ?? null;
  $("missing").value = (item.missing || []).join(", ");
  $("image").src = item.image_url;
  $("prompt").textContent = item.prompt;
  document.body.dataset.itemId = item.id;
  showProgress();
  render();
}

function assistFor(s) {
  return (state.item.assist || []).filter(a => a.start < s.end && a.end > s.start);
}

function render() {
  const list = $("sentences");
  list.replaceChildren();
  state.sentences.forEach((s, i) => {
    const li = document.createElement("li");
    const text = state.item.description.slice(s.start, s.end);
    if (state.split && state.split.sentence === i) {
      const at = state.split.points[state.split.at] - s.start;
      const caret = document.createElement("span");
      caret.className = "caret";
      caret.textContent = " ‖ ";
      li.append(text.slice(0, at), caret, text.slice(at));
    } else {
      li.append(text);
    }
    const tags = document.createElement("span");
    tags.className = "tags";
    const tag = (label, cls) => { const t = document.createElement("span"); t.className = `tag ${cls}`; t.textContent = label; tags.append(t); };
    if (!s.labelled) tag("unlabelled", "unlabelled");
    else if (s.errors.length === 0) tag("correct", "ok");
    s.errors.forEach(e => tag(KIND_LABELS[e], "err"));
    if (s.creative) tag("creative", "creative");
    li.append(tags);
    if (state.session.assist) {
      assistFor(s).forEach(a => {
        const line = document.createElement("span");
        line.className = "assist";
        const parts = [];
        if (a.found.length) parts.push(`detector found: ${a.found.join(", ")}`);
        if (a.missing.length) parts.push(`detector missed: ${a.missing.join(", ")}`);
        if (a.reward_score !== null && a.reward_score !== undefined) parts.push(`reward model: ${a.reward_score}${a.reward_error ? " " + a.reward_error : ""}`);
        line.textContent = parts.join(" · ") || "no signals";
        li.append(line);
      });
    }
    li.className = [i === state.focus ? "focused" : "", s.labelled ? (s.errors.length ? "erroneous" : "correct") : ""].join(" ").trim();
    li.dataset.index = i;
    list.append(li);
  });
  const scale = $("detail");
  scale.replaceChildren();
  for (let d = 1; d <= 5; d++) {
    const b = document.createElement("span");
    b.textContent = d;
    if (state.detail === d) b.className = "on";
    scale.append(b);
  }
  list.children[state.focus]?.scrollIntoView({ block: "nearest" });
}

function focused() { return state.sentences[state.focus]; }

function markCorrect() { const s = focused(); s.errors = []; s.labelled = true; }

function toggleKind(kind) {
  const s = focused();
  s.errors = s.errors.includes(kind) ? s.errors.filter(e => e !== kind) : KINDS.filter(k => k === kind || s.errors.includes(k));
  // Taking away the last error leaves the sentence unlabelled: "correct" is said with c, never by default.
  s.labelled = s.errors.length > 0;
}

function merge() {
  const i = state.focus;
  if (i + 1 >= state.sentences.length) { setStatus("nothing after this sentence to merge with", "error"); return; }
  const a = state.sentences[i], b = state.sentences[i + 1];
  state.sentences.splice(i, 2, { start: a.start, end: b.end, errors: KINDS.filter(k => a.errors.includes(k) || b.errors.includes(k)), creative: a.creative || b.creative, labelled: false });
}

function startSplit() {
  const s = focused();
  const text = state.item.description;
  const points = [];
  for (let p = s.start + 1; p < s.end; p++) {
    if (/\s/.test(text[p - 1]) && !/\s/.test(text[p])) points.push(p);
  }
  if (points.length === 0) { setStatus("a single word cannot be split", "error"); return; }
  state.split = { sentence: state.focus, points, at: Math.floor(points.length / 2) };
}

function finishSplit() {
  const s = state.sentences[state.split.sentence];
  const text = state.item.description;
  const p = state.split.points[state.split.at];
  let firstEnd = p;
  while (firstEnd > s.start && /\s/.test(text[firstEnd - 1])) firstEnd--;
  state.sentences.splice(state.split.sentence, 1,
    { start: s.start, end: firstEnd, errors: [], creative: false, labelled: false },
    { start: p, end: s.end, errors: [], creative: false, labelled: false });
  state.split = null;
}

function zoom(factor) {
  state.zoom = factor === 0 ? 1 : Math.max(1, Math.min(8, state.zoom * factor));
  $("image").style.width = `${state.zoom * 100}%`;
}

async function save() {
  if (state.saving) return;
  const unlabelled = state.sentences.findIndex(s => !s.labelled);
  if (unlabelled >= 0) {
    state.focus = unlabelled;
    render();
    setStatus(`sentence ${unlabelled + 1} has no label yet: c for correct, 1-5 for errors`, "error");
    return;
  }
  const missing = $("missing").value.split(",").map(m => m.trim()).filter(m => m.length > 0);
  const body = {
    id: state.item.id,
    sentences: state.sentences.map(s => ({ start: s.start, end: s.end, errors: s.errors, creative: s.creative })),
    detail: state.detail,
    missing: missing.length ? missing : null,
  };
  state.saving = true;
  setStatus("saving…", "");
  try {
    const saved = await api("api/labels", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    state.session.done = saved.done;
    setStatus(`saved ${saved.id} (revision ${saved.revision})`, "saved");
    document.body.dataset.lastSaved = `${saved.id}#${saved.revision}`;
    if (state.index + 1 < state.session.total) await load(state.index + 1);
    else { showProgress(); setStatus(`saved ${saved.id}; that was the last description`, "saved"); }
  } catch (e) {
    setStatus(`not saved: ${e.message}`, "error");
  } finally {
    state.saving = false;
  }
}

function onMissingKey(e) {
  if (e.key === "Enter" || e.key === "Escape") { e.preventDefault(); $("missing").blur(); }
}

function onKey(e) {
  if (e.target === $("missing") || e.ctrlKey || e.metaKey || e.altKey) return;
  if (state.split) {
    const split = state.split;
    if (e.key === "ArrowLeft") split.at = Math.max(0, split.at - 1);
    else if (e.key === "ArrowRight") split.at = Math.min(split.points.length - 1, split.at + 1);
    else if (e.key === "Enter") finishSplit();
    else if (e.key === "Escape") state.split = null;
    else return;
    e.preventDefault();
    render();
    return;
  }
  const digit = /^Digit([1-5])$/.exec(e.code);
  if (digit && e.shiftKey) { state.detail = Number(digit[1]); }
  else if (digit) { toggleKind(KINDS[Number(digit[1]) - 1]); }
  else switch (e.key) {
    case "ArrowDown": case "j": state.focus = Math.min(state.sentences.length - 1, state.focus + 1); break;
    case "ArrowUp": case "k": state.focus = Math.max(0, state.focus - 1); break;
    case "c": markCorrect(); break;
    case "i": focused().creative = !focused().creative; break;
    case "m": merge(); break;
    case "s": startSplit(); break;
    case "o": e.preventDefault(); $("missing").focus(); return;
    case "Enter": e.preventDefault(); save(); return;
    case "n": load(state.index + 1); return;
    case "p": load(state.index - 1); return;
    case "+": case "=": zoom(1.25); return;
    case "-": zoom(0.8); return;
    case "0": zoom(0); return;
    default: return;
  }
  e.preventDefault();
  render();
}

async function start() {
  document.addEventListener("keydown", onKey);
  $("missing").addEventListener("keydown", onMissingKey);
  $("viewer").addEventListener("wheel", e => { if (e.ctrlKey) { e.preventDefault(); zoom(e.deltaY < 0 ? 1.25 : 0.8); } }, { passive: false });
  $("sentences").addEventListener("click", e => { const li = e.target.closest("li"); if (li) { state.focus = Number(li.dataset.index); render(); } });
  try {
    state.session = await api("api/session");
    await load(state.session.first_unlabelled);
    if (state.session.first_unlabelled >= state.session.total) setStatus("every description is labelled; n / p to review", "saved");
    document.body.dataset.ready = "true";
  } catch (e) {
    setStatus(`cannot load: ${e.message}`, "error");
  }
}

start();
