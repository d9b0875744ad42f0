// The video library's upload: the file goes in chunks, each sent from the offset the server
// has; a dropped connection is retried from where the server says the upload stands, and a
// reloaded page resumes an upload of the same file (remembered in localStorage). No framework.

const API = "/api/v1/admin";
const RETRY_MS = 3000;
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

function rememberKey(file) {
  return `learning.upload.${file.name}.${file.size}.${file.lastModified}`;
}

async function api(method, path, body, contentType = "application/json") {
  const response = await fetch(API + path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": contentType, "X-CSRFToken": csrfToken },
    body: contentType === "application/json" && body !== undefined ? JSON.stringify(body) : body,
  });
  const answer = await response.json().catch(() => ({}));
  return { status: response.status, answer };
}

// One chunk by XMLHttpRequest: fetch cannot report the progress of what it sends.
function sendChunk(uploadId, offset, blob, onProgress) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("PUT", `${API}/uploads/${uploadId}?offset=${offset}`);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("X-CSRFToken", csrfToken);
    request.upload.onprogress = (event) => onProgress(offset + event.loaded);
    request.onload = () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch { /* not JSON */ }
      resolve({ status: request.status, answer });
    };
    request.onerror = () => resolve({ status: 0, answer: {} });
    request.send(blob);
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

class Uploader {
  constructor(form) {
    this.form = form;
    this.progress = form.querySelector("[data-upload-progress]");
    this.bar = this.progress.querySelector("progress");
    this.figures = form.querySelector("[data-upload-figures]");
    this.error = form.querySelector("[data-upload-error]");
    this.done = form.querySelector("[data-upload-done]");
    this.button = form.querySelector("[data-upload-start]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
  }

  show(sent, size) {
    this.bar.value = Math.floor((sent / size) * 1000);
    const mb = (bytes) => (bytes / 1048576).toFixed(1);
    this.figures.textContent = `${mb(sent)} / ${mb(size)} MB · ${Math.floor((sent / size) * 100)}%`;
  }

  // The server's reason, in the page's language; never a bare status number.
  message({ status, answer }) {
    if (answer && answer.message) return answer.message;
    return status === 413 ? this.form.dataset.msgTooLarge : this.form.dataset.msgFailed;
  }

  fail(message) {
    this.error.textContent = message;
    this.error.hidden = false;
    this.button.disabled = false;
  }

  async run() {
    const file = this.form.querySelector("input[type=file]").files[0];
    const title = this.form.querySelector("input[name=title]").value.trim();
    const programmes = [...this.form.querySelectorAll("input[name=programmes]:checked")]
      .map((box) => box.value);
    this.error.hidden = true;
    this.done.hidden = true;
    if (!file || !title || !programmes.length) return this.fail(this.form.dataset.msgChoose);
    this.button.disabled = true;
    this.progress.hidden = false;
    const upload = await this.uploadOf(file);
    if (!upload) return;
    if (!(await this.sendFrom(upload, file))) return;
    this.figures.textContent = this.form.dataset.msgChecking;
    const made = await api("POST", `/uploads/${upload.id}/video`, { title, programmes });
    localStorage.removeItem(rememberKey(file));
    if (made.status !== 201) return this.fail(this.message(made));
    this.show(file.size, file.size);
    this.done.textContent = `${this.form.dataset.msgDone} ${made.answer.title}`;
    this.done.hidden = false;
    this.button.disabled = false;
    setTimeout(() => window.location.reload(), 1500);
  }

  // The upload of this file left by an earlier page, or a new one.
  async uploadOf(file) {
    const key = rememberKey(file);
    const earlier = localStorage.getItem(key);
    if (earlier) {
      const { status, answer } = await api("GET", `/uploads/${earlier}`);
      if (status === 200) return answer;
      localStorage.removeItem(key);
    }
    const { status, answer } = await api("POST", "/uploads", { name: file.name, size: file.size });
    if (status !== 201) {
      this.fail(this.message({ status, answer }));
      return null;
    }
    localStorage.setItem(key, answer.id);
    return answer;
  }

  async sendFrom(upload, file) {
    let received = upload.received;
    this.show(received, file.size);
    while (received < file.size) {
      const end = Math.min(received + upload.chunk_bytes, file.size);
      const sent = await sendChunk(upload.id, received, file.slice(received, end), (at) =>
        this.show(at, file.size));
      if (sent.status === 200) {
        received = sent.answer.received;
        continue;
      }
      if (sent.status !== 0 && sent.status !== 409 && sent.status < 500) {
        this.fail(this.message(sent));
        return false;
      }
      this.figures.textContent = this.form.dataset.msgResumed;
      await sleep(RETRY_MS); // then ask the server where the upload stands
      const state = await api("GET", `/uploads/${upload.id}`).catch(() => ({ status: 0 }));
      if (state.status === 200) received = state.answer.received;
    }
    return true;
  }
}

document.querySelectorAll("[data-upload]").forEach((form) => new Uploader(form));
