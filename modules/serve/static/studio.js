// Genecator studio: a small vanilla front end over the studio's JSON API (no build step).

const $ = (id) => document.getElementById(id);
const PER_PAGE = 48;
const LIVE = new Set(["queued", "running"]);

const state = {
  collection: null,
  job: null,
  stream: null,
  rulesLoaded: false,
  gallery: { page: 1, filters: {}, traitsKey: "" },
  bust: {}, // token id -> stamp, so a re-rolled token's image is fetched afresh
  tokenId: null,
};

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** A problem the user can fix (e.g. rules that are not JSON): shown, never logged. */
class UserError extends Error {}

/** One API call: JSON in and out; a 4xx/5xx answer becomes an ApiError. */
async function api(path, { method = "GET", json, body, type } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
    init.headers["Content-Type"] = type;
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (error) {
    // a proxy's or server's plain-text error page: keep its first line as the detail
    data = { detail: text.split("\n")[0] || `HTTP ${response.status}` };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, data };
}

/** An element with attributes/properties and text or element children. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "for") {
      node.setAttribute(key, value);
    } else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function say(text) {
  $("status").textContent = text;
}

function clearErrors(box) {
  $(box).replaceChildren();
  $(box).hidden = true;
}

/** An error as its detail line plus one item per error path, in the section's alert box. */
function showErrors(box, error) {
  const node = $(box);
  const detail = error instanceof ApiError ? error.body.detail || error.message : error.message;
  const errors = (error instanceof ApiError && error.body.errors) || [];
  // a lone error usually repeats the detail word for word: then its path line says it all
  const repeated = errors.some((item) => item.message === detail);
  node.replaceChildren(repeated ? "" : el("p", {}, detail || "Something went wrong"));
  if (errors.length) {
    const list = el("ul");
    for (const item of errors) list.append(errorItem(item));
    node.append(list);
  }
  node.hidden = false;
  node.scrollIntoView({ block: "nearest" });
  // the API's and the user's own errors are expected; anything else is a bug worth logging
  if (![ApiError, UserError, TypeError].some((kind) => error instanceof kind)) console.error(error);
}

/** An error's message without the "file: path: " prefix that repeats the path shown before it. */
function afterPath(item) {
  const at = item.path ? item.message.indexOf(`${item.path}: `) : -1;
  return at < 0 ? item.message : item.message.slice(at + item.path.length + 2);
}

/** One error: its path (none for the whole document, "$") and its message. */
function errorItem(item) {
  if (!item.path || item.path === "$") return el("li", {}, item.message);
  return el("li", {}, el("code", {}, item.path), `: ${afterPath(item)}`);
}

/** Run an action, its errors shown in `box` instead of thrown. */
async function guard(box, action) {
  clearErrors(box);
  try {
    return await action();
  } catch (error) {
    showErrors(box, error);
    return undefined;
  }
}

const percent = (value) => (value === null || value === undefined ? "—" : `${Number(value).toFixed(1)} %`);
const withStamp = (url, stamp) => (stamp ? `${url}${url.includes("?") ? "&" : "?"}v=${stamp}` : url);
const collectionUrl = (suffix = "") => `/api/collections/${state.collection.id}${suffix}`;

function capacityText(capacity) {
  const count = Number(capacity.count).toLocaleString("en-US");
  return `${capacity.exact ? "" : "at most "}${count} distinct tokens possible`;
}

function table(headers, rows) {
  const head = el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)));
  const body = el("tbody", {}, ...rows);
  return el("table", {}, el("thead", {}, head), body);
}

// ---- start: folders, collections, upload ----

let folders = [];

async function loadFolders() {
  const { data } = await api("/api/folders");
  folders = data.folders;
  const select = $("folder-select");
  select.replaceChildren(
    ...folders.map((f) =>
      el("option", { value: f.path }, `${f.path} (${f.layers} layers, ${f.images} images)`),
    ),
  );
  $("folder-info").textContent = folders.length ? "" : "No trait folders in this workspace.";
  showDocuments();
}

// The configs and rule files found beside the chosen folder, the first of each chosen; the
// last choice scans the folder afresh (a guessed layer order) or uses no rules.
function showDocuments() {
  const folder = folders.find((f) => f.path === $("folder-select").value);
  const options = (paths, none) => [
    ...(paths || []).map((path) => el("option", { value: path }, path)),
    el("option", { value: "" }, none),
  ];
  $("config-select").replaceChildren(...options(folder?.configs, "Scan the folder"));
  $("ruler-select").replaceChildren(...options(folder?.rulers, "No rules"));
}

async function loadCollections() {
  const { data } = await api("/api/collections");
  const items = data.collections.map((c) => {
    const button = el("button", { type: "button" }, c.name);
    button.addEventListener("click", () => guard("start-errors", () => openCollection(c.id)));
    return el("li", {}, button, el("span", { class: "hint" }, ` ${c.traits}`));
  });
  $("collection-list").replaceChildren(...items);
}

async function openCollection(id) {
  const { data } = await api(`/api/collections/${id}`);
  showCollection(data);
}

async function openFolder(event) {
  event.preventDefault();
  await guard("start-errors", async () => {
    const json = { traits: $("folder-select").value };
    if ($("config-select").value) json.config_file = $("config-select").value;
    if ($("ruler-select").value) json.ruler_file = $("ruler-select").value;
    const { data } = await api("/api/collections", { method: "POST", json });
    showCollection(data);
    say(`Opened ${data.name}`);
    await loadCollections();
  });
}

async function uploadArchive(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const name = $("upload-name").value.trim() || file.name.replace(/\.zip$/i, "");
  await guard("start-errors", async () => {
    const path = `/api/collections/upload?name=${encodeURIComponent(name)}`;
    const { data } = await api(path, { method: "POST", body: file, type: "application/zip" });
    showCollection(data);
    say(`Uploaded ${data.name}`);
    await loadCollections();
  });
}

// ---- the open collection ----

function showCollection(collection, tab = "layers") {
  const changed = !state.collection || state.collection.id !== collection.id;
  state.collection = collection;
  $("workspace").hidden = false;
  $("collection-title").textContent = `${collection.name} (${collection.traits})`;
  $("collection-capacity").textContent = capacityText(collection.capacity);
  $("collection-warnings").replaceChildren(...collection.warnings.map((w) => el("li", {}, w)));
  renderLayers(collection.layers);
  if (changed) resetPanels(collection);
  selectTab(tab);
}

function resetPanels(collection) {
  state.rulesLoaded = false;
  state.gallery = { page: 1, filters: {}, traitsKey: "" };
  state.bust = {};
  const emptied = ["dryrun-result", "gallery-grid", "gallery-filters", "ledger-table", "generate-warnings"];
  for (const id of emptied) $(id).replaceChildren();
  $("gallery-info").textContent = "";
  $("ledger-summary").textContent = "";
  $("generate-report").hidden = true;
  closeStream();
  renderJob(null);
  const job = collection.current_job;
  if (job) {
    renderJob(job);
    if (LIVE.has(job.status)) followJob(job.id, job.urls.events);
  }
}

const TABS = ["layers", "rules", "dryrun", "generate", "gallery", "ledger"];
const ON_SHOW = {
  rules: () => state.rulesLoaded || loadRules(),
  gallery: () => loadGallery(),
  ledger: () => loadLedger(),
};

function selectTab(name, focus = false) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  const load = ON_SHOW[name];
  if (load) load();
}

function onTabKey(event) {
  const index = TABS.indexOf(event.target.id.replace("tab-", ""));
  const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
  if (!(event.key in moves) || index < 0) return;
  event.preventDefault();
  selectTab(TABS[(moves[event.key] + TABS.length) % TABS.length], true);
}

// ---- layers and weights ----

function presenceText(presence) {
  if (presence === null || presence === undefined || presence >= 1) return "always present";
  return `present in ${Math.round(presence * 1000) / 10} % of tokens`;
}

function optionCard(layer, option) {
  const id = `weight-${layer.index}-${option.index}`;
  const weight = String(option.weight);
  const input = el("input", { type: "number", id, min: "0", step: "any", defaultValue: weight });
  input.dataset.layer = layer.name;
  input.dataset.index = String(option.index);
  const hidden = el("span", { class: "sr-only" }, ` of ${layer.name}: ${option.display_name}`);
  const label = el("label", { for: id }, "Weight", hidden);
  const image = el("img", { src: option.image_url, alt: option.display_name, width: 72, height: 72 });
  const name = el("span", { class: "name" }, option.display_name);
  return el("li", { class: "option" }, image, name, label, input);
}

function renderLayers(layers) {
  const sorted = [...layers].sort((a, b) => a.index - b.index);
  const sets = sorted.map((layer) =>
    el(
      "fieldset",
      { class: "layer" },
      el("legend", {}, `${layer.name} `, el("span", { class: "hint" }, presenceText(layer.presence))),
      el("ul", { class: "options" }, ...layer.options.map((option) => optionCard(layer, option))),
    ),
  );
  $("layers").replaceChildren(...sets);
}

async function saveWeights(event) {
  event.preventDefault();
  const inputs = [...$("layers").querySelectorAll("input[type=number]")];
  const edited = inputs.filter((input) => input.value !== input.defaultValue);
  if (!edited.length) {
    say("No weight changed.");
    return;
  }
  await guard("layers-errors", async () => {
    const { data: config } = await api(collectionUrl("/config"));
    for (const input of edited) {
      const option = config.traits[input.dataset.layer].options[Number(input.dataset.index)];
      option.weight = input.value === "" ? null : Number(input.value);
      delete option.rarity; // a weight replaces the 1-5 rarity
    }
    const { data } = await api(collectionUrl("/config"), { method: "PUT", json: config });
    showCollection(data);
    say(`Saved ${edited.length} weight${edited.length === 1 ? "" : "s"}.`);
  });
}

// ---- rules ----

async function loadRules() {
  await guard("rules-errors", async () => {
    const { data } = await api(collectionUrl("/ruler"));
    $("rules-text").value = JSON.stringify(data, null, 2);
    state.rulesLoaded = true;
  });
}

async function saveRules(event) {
  event.preventDefault();
  await guard("rules-errors", async () => {
    let ruler;
    try {
      ruler = JSON.parse($("rules-text").value);
    } catch (error) {
      throw new UserError(`The rules are not valid JSON: ${error.message}`);
    }
    const { data } = await api(collectionUrl("/ruler"), { method: "PUT", json: ruler });
    showCollection(data, "rules");
    say("Rules saved.");
  });
}

// ---- dry run ----

function shareRow(share) {
  const value = share.absent || share.value === null ? "(absent)" : share.value;
  const planned = share.planned_percent ?? share.achieved_percent;
  return el(
    "tr",
    {},
    el("td", {}, share.trait_type),
    el("td", {}, value),
    el("td", { class: "num" }, percent(share.configured_percent)),
    el("td", { class: "num" }, percent(planned)),
    el("td", { class: "num" }, String(share.count)),
  );
}

async function dryRun(event) {
  event.preventDefault();
  $("dryrun-result").replaceChildren();
  await guard("dryrun-errors", async () => {
    const params = new URLSearchParams({ n: $("dryrun-n").value });
    if ($("dryrun-seed").value !== "") params.set("seed", $("dryrun-seed").value);
    const { data } = await api(collectionUrl(`/dry-run?${params}`));
    const line = `${capacityText(data.capacity)} · ${data.n} tokens planned with seed ${data.seed}`;
    const headers = ["Trait", "Value", "Configured %", "Planned %", "Count"];
    $("dryrun-result").replaceChildren(
      el("p", { class: "capacity", id: "dryrun-capacity" }, line),
      table(headers, data.distribution.map(shareRow)),
      data.lines.length ? el("pre", { class: "lines" }, data.lines.join("\n")) : null,
    );
  });
}

// ---- generate and follow a job ----

function closeStream() {
  if (state.stream) state.stream.close();
  state.stream = null;
}

function setProgress(done, total, rate, eta) {
  const bar = $("generate-progress");
  bar.max = Math.max(total || 0, 1);
  bar.value = done || 0;
  const speed = rate === null || rate === undefined ? "—" : Number(rate).toFixed(1);
  const left = eta === null || eta === undefined ? "—" : `${Math.round(eta)} s`;
  $("generate-progress-text").textContent = `${done} / ${total} · ${speed} tokens/s · ETA ${left}`;
}

function renderJob(job) {
  state.job = job;
  $("cancel-button").hidden = !job || !LIVE.has(job.status);
  $("resume-button").hidden = !job || !job.resumable || LIVE.has(job.status);
  if (!job) {
    $("generate-job").textContent = "";
    setProgress(0, 0, null, null);
    return;
  }
  const parts = [`Job ${job.id}: ${job.status}`];
  if (job.exit_code !== null && job.exit_code !== undefined) parts.push(`exit code ${job.exit_code}`);
  if (job.message) parts.push(job.message);
  $("generate-job").textContent = parts.join(" · ");
  if (job.total) setProgress(job.done, job.total, job.rate, job.eta_seconds);
}

function onJobEvent(kind, data) {
  if (kind === "status" && state.job) renderJob({ ...state.job, ...data });
  else if (kind === "progress") setProgress(data.done, data.total, data.rate, data.eta_seconds);
  else if (kind === "warning") $("generate-warnings").append(el("li", {}, data.message));
  else if (kind === "report") {
    $("report-lines").textContent = (data.lines || []).join("\n");
    $("generate-report").hidden = false;
  }
}

function followJob(jobId, eventsUrl) {
  closeStream();
  $("generate-warnings").replaceChildren();
  $("generate-report").hidden = true;
  state.job = { ...(state.job && state.job.id === jobId ? state.job : {}), id: jobId };
  const stream = new EventSource(eventsUrl);
  state.stream = stream;
  for (const kind of ["status", "progress", "warning", "report"]) {
    stream.addEventListener(kind, (event) => onJobEvent(kind, JSON.parse(event.data)));
  }
  stream.addEventListener("end", () => {
    closeStream();
    finishJob(jobId);
  });
  stream.onerror = () => {
    // EventSource retries by itself; only a refused stream (CLOSED) needs the job's own state
    if (stream.readyState === EventSource.CLOSED && state.stream === stream) {
      state.stream = null;
      finishJob(jobId);
    }
  };
}

async function finishJob(jobId) {
  await guard("generate-errors", async () => {
    const { data: job } = await api(`/api/jobs/${jobId}`);
    renderJob(job);
    if (job.status === "succeeded") {
      say(`Generated ${job.total} tokens.`);
      state.gallery = { page: 1, filters: {}, traitsKey: "" };
      state.bust = {};
      await loadGallery();
    } else say(`Job ${job.status}.`);
    if (job.status === "failed") throw new UserError(job.message || "The job failed.");
  });
}

async function generate(event) {
  event.preventDefault();
  await guard("generate-errors", async () => {
    const body = { n: Number($("generate-n").value), format: $("generate-format").value };
    if ($("generate-seed").value !== "") body.seed = Number($("generate-seed").value);
    const { data } = await api(collectionUrl("/generate"), { method: "POST", json: body });
    if (data.cached) {
      say("These tokens were already generated with the same settings (cached); showing the gallery.");
      selectTab("gallery", true);
      return;
    }
    renderJob({ id: data.job_id, status: data.status, total: body.n, done: 0 });
    say(`Generating ${body.n} tokens…`);
    followJob(data.job_id, data.urls.events);
  });
}

async function jobAction(action) {
  await guard("generate-errors", async () => {
    const { data: job } = await api(`/api/jobs/${state.job.id}/${action}`, { method: "POST" });
    renderJob(job);
    if (action === "resume") followJob(job.id, job.urls.events);
  });
}

// ---- gallery ----

function tokenCard(token) {
  const src = withStamp(token.image_url, state.bust[token.id]);
  const image = el("img", { src, alt: "", width: 120, height: 120 });
  const name = el("span", { class: "name" }, token.name);
  const rank = el("span", { class: "rank" }, `rank ${token.rank}`);
  const button = el("button", { type: "button", class: "card" }, image, name, rank);
  button.dataset.id = String(token.id);
  button.addEventListener("click", () => openToken(token.id));
  return el("li", {}, button);
}

function renderFilters(traits) {
  const key = JSON.stringify(traits);
  if (key === state.gallery.traitsKey) return;
  state.gallery.traitsKey = key;
  const focused = document.activeElement && document.activeElement.dataset.trait;
  const fields = Object.entries(traits).map(([type, values], i) => {
    const chosen = state.gallery.filters[type] || "";
    const options = [el("option", { value: "" }, "any"), ...values.map((v) => el("option", { value: v }, v))];
    const select = el("select", { id: `filter-${i}` }, ...options);
    select.dataset.trait = type;
    select.value = chosen;
    select.addEventListener("change", () => {
      state.gallery.filters[type] = select.value;
      state.gallery.page = 1;
      loadGallery();
    });
    return el("span", { class: "field" }, el("label", { for: select.id }, type), select);
  });
  $("gallery-filters").replaceChildren(...fields);
  const again = focused && $("gallery-filters").querySelector(`[data-trait="${CSS.escape(focused)}"]`);
  if (again) again.focus();
}

/** GET `path`; a 404 (nothing generated yet) is said in `info`, `content` emptied, and gives null. */
async function unlessUngenerated(path, info, content) {
  try {
    const { data } = await api(path);
    return data;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    $(info).textContent = "No finished generation yet: generate the collection first.";
    $(content).replaceChildren();
    return null;
  }
}

async function loadGallery() {
  if (!state.collection) return;
  const { page, filters } = state.gallery;
  const params = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
  for (const [type, value] of Object.entries(filters)) if (value) params.append("trait", `${type}:${value}`);
  await guard("gallery-errors", async () => {
    const data = await unlessUngenerated(collectionUrl(`/tokens?${params}`), "gallery-info", "gallery-grid");
    if (!data) return;
    renderFilters(data.traits);
    $("gallery-grid").replaceChildren(...data.tokens.map(tokenCard));
    const filtered = Object.values(filters).some(Boolean);
    $("gallery-info").textContent = `${data.total} tokens${filtered ? " match the filters" : ""}`;
    const pages = Math.max(data.pages, 1);
    $("gallery-page").textContent = `Page ${data.page} of ${pages}`;
    $("gallery-prev").disabled = data.page <= 1;
    $("gallery-next").disabled = data.page >= pages;
  });
}

function turnPage(step) {
  state.gallery.page = Math.max(1, state.gallery.page + step);
  loadGallery();
}

// ---- token dialog ----

function renderToken(token) {
  const kept = new Set([...$("token-attributes").querySelectorAll("input:checked")].map((i) => i.value));
  state.tokenId = token.id;
  $("token-title").textContent = token.name;
  $("token-image").src = withStamp(token.image_url, state.bust[token.id]);
  $("token-image").alt = token.name;
  const score = token.score === null || token.score === undefined ? "—" : Number(token.score).toFixed(3);
  $("token-rank").textContent = `Rank ${token.rank} · score ${score}`;
  const rows = token.attributes.map((attribute, i) => {
    const id = `keep-${i}`;
    const type = attribute.trait_type;
    const box = el("input", { type: "checkbox", id, value: type, checked: kept.has(type) });
    const label = el("label", { for: id }, "Keep", el("span", { class: "sr-only" }, ` ${type}`));
    const keep = el("td", {}, box, " ", label);
    return el("tr", {}, el("th", { scope: "row" }, type), el("td", {}, String(attribute.value)), keep);
  });
  $("token-attributes").replaceChildren(...rows);
}

async function openToken(id) {
  await guard("gallery-errors", async () => {
    const { data } = await api(collectionUrl(`/tokens/${id}`));
    $("token-attributes").replaceChildren();
    clearErrors("token-errors");
    renderToken(data);
    $("token-dialog").showModal();
  });
}

async function reroll() {
  const keep = [...$("token-attributes").querySelectorAll("input:checked")].map((i) => i.value);
  await guard("token-errors", async () => {
    const path = collectionUrl(`/tokens/${state.tokenId}/reroll`);
    const { data } = await api(path, { method: "POST", json: { keep } });
    state.bust[data.id] = Date.now();
    renderToken(data);
    say(`Re-rolled ${data.name}.`);
    await loadGallery();
  });
}

function onDialogClose() {
  const card = $("gallery-grid").querySelector(`button[data-id="${state.tokenId}"]`);
  if (card) card.focus();
}

// ---- ledger ----

function ledgerRow(row) {
  const status = row.flagged ? "off target" : "ok";
  return el(
    "tr",
    { class: row.flagged ? "flagged" : "" },
    el("td", {}, row.trait_type),
    el("td", {}, row.value === null ? "(absent)" : String(row.value)),
    el("td", { class: "num" }, percent(row.configured_percent)),
    el("td", { class: "num" }, percent(row.achieved_percent)),
    el("td", { class: "num" }, String(row.count)),
    el("td", {}, status),
  );
}

async function loadLedger() {
  await guard("ledger-errors", async () => {
    const data = await unlessUngenerated(collectionUrl("/ledger"), "ledger-summary", "ledger-table");
    if (!data) return;
    const n = data.flagged;
    const off = `${n} value${n === 1 ? "" : "s"} off target`;
    $("ledger-summary").textContent = n ? off : "Every value is on target";
    const headers = ["Trait", "Value", "Configured %", "Achieved %", "Count", "Status"];
    $("ledger-table").replaceChildren(table(headers, data.rows.map(ledgerRow)));
  });
}

// ---- wiring ----

function wire() {
  $("folder-form").addEventListener("submit", openFolder);
  $("folder-select").addEventListener("change", showDocuments);
  $("upload-form").addEventListener("submit", uploadArchive);
  $("layers-form").addEventListener("submit", saveWeights);
  $("rules-form").addEventListener("submit", saveRules);
  $("dryrun-form").addEventListener("submit", dryRun);
  $("generate-form").addEventListener("submit", generate);
  $("gallery-filters").addEventListener("submit", (event) => event.preventDefault());
  $("cancel-button").addEventListener("click", () => jobAction("cancel"));
  $("resume-button").addEventListener("click", () => jobAction("resume"));
  $("gallery-prev").addEventListener("click", () => turnPage(-1));
  $("gallery-next").addEventListener("click", () => turnPage(1));
  $("reroll-button").addEventListener("click", reroll);
  $("token-dialog").addEventListener("close", onDialogClose);
  $("upload-file").addEventListener("change", () => {
    const file = $("upload-file").files[0];
    if (file && !$("upload-name").value) $("upload-name").value = file.name.replace(/\.zip$/i, "");
  });
  for (const tab of TABS) {
    $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
    $(`tab-${tab}`).addEventListener("keydown", onTabKey);
  }
}

wire();
guard("start-errors", () => Promise.all([loadFolders(), loadCollections()]));
