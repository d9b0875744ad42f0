// The course player: reports what the video does to the server as heartbeats (shared/api.md).
//
// Beats go through a queue kept in localStorage, sent one at a time and in order, so a network
// cut loses nothing and a retry never sends a beat twice (the server ignores a seq it has
// seen). The last beat leaves with navigator.sendBeacon when the page goes away; beats still
// queued are sent before the next playback opens. No framework, no build step.

const API = "/api/v1";
const QUEUE_PREFIX = "learning.beats.";
const RETRY_MS = 2000;
// A face check's answer: FACE_FRAMES pictures FACE_FRAME_MS apart (the action has time to
// happen and a blink is caught between frames), at most FACE_SIDE px wide, as JPEG.
const FACE_FRAMES = 30;
const FACE_FRAME_MS = 110;
const FACE_SIDE = 480;

const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

function storageKey(playbackId) {
  return QUEUE_PREFIX + playbackId;
}

function loadQueue(playbackId) {
  try {
    return JSON.parse(localStorage.getItem(storageKey(playbackId))) || [];
  } catch {
    return [];
  }
}

function saveQueue(playbackId, beats) {
  const key = storageKey(playbackId);
  if (beats.length) localStorage.setItem(key, JSON.stringify(beats));
  else localStorage.removeItem(key);
}

async function postJson(url, body) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body),
  });
}

// The session ended (401), or the password must be changed first: the trainee must act.
function signedOut(status, body) {
  return status === 401 || (status === 403 && body.error === "password_change_required");
}

// Send one beat; "sent" (answered, even with a refusal), "retry" (no answer: network), or
// "signed_out" (not taken until the trainee logs in again: the beat stays queued).
async function deliver(playbackId, beat) {
  try {
    const response = await postJson(`${API}/playbacks/${playbackId}/heartbeats`, beat);
    if (response.status >= 500) return { outcome: "retry" };
    const body = await response.json().catch(() => ({}));
    if (signedOut(response.status, body)) return { outcome: "signed_out", body };
    // Too many wrong check answers: this answer is refused for good; any other 429 is "later".
    if (response.status === 429 && body.error !== "too_many_attempts") return { outcome: "retry" };
    return { outcome: "sent", status: response.status, body };
  } catch {
    return { outcome: "retry" };
  }
}

// Beats of earlier playbacks left in this browser (a closed tab, a dropped network).
async function flushEarlierQueues(exceptId) {
  const keys = Object.keys(localStorage).filter((key) => key.startsWith(QUEUE_PREFIX));
  for (const key of keys) {
    const playbackId = key.slice(QUEUE_PREFIX.length);
    if (playbackId === exceptId) continue;
    const beats = loadQueue(playbackId);
    while (beats.length) {
      const { outcome } = await deliver(playbackId, beats[0]);
      if (outcome !== "sent") return; // offline or logged out: keep them for later
      beats.shift();
      saveQueue(playbackId, beats);
    }
  }
}

class Player {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.enrolmentId = Number(root.dataset.enrolmentId);
    this.videoId = Number(root.dataset.videoId);
    this.playbackId = null;
    this.seq = 0;
    this.queue = [];
    this.sending = false;
    this.stopped = false;
    this.timer = null;
    this.lastPosition = 0;
    this.seekFrom = null;
    this.quietSeek = false; // a seek the player makes itself (resume, answered check)
    this.check = null;
    this.answer = null; // the code (or question) answer on its way: {seq, check}
    this.question = null; // the question a check asks, as the server sent it
    this.fullscreenWas = null; // what was full screen when a check took it away
    this.maxRate = 1;
    this.interval = 15;
  }

  async start() {
    await flushEarlierQueues(null);
    const response = await postJson(`${API}/playbacks`, {
      enrolment_id: this.enrolmentId,
      video_id: this.videoId,
    }).catch(() => null);
    if (!response || response.status !== 201) {
      const body = response ? await response.json().catch(() => ({})) : {};
      if (response && signedOut(response.status, body)) this.signOut(body);
      else this.say(this.root.dataset.msgError);
      return;
    }
    const opened = await response.json();
    this.playbackId = opened.playback_id;
    this.interval = opened.heartbeat_interval_s;
    this.maxRate = opened.max_rate;
    this.listen();
    // The 继续学习 button's ?t= (data-start-s) wins over where the last playback stopped.
    const start = this.root.dataset.startS;
    this.resumeAt(start === undefined ? opened.resume_position_s : Number(start));
    if (opened.attention_check) this.showCheck(opened.attention_check);
  }

  resumeAt(seconds) {
    const apply = () => {
      if (seconds > 0 && seconds < this.video.duration) {
        this.quietSeek = true;
        this.video.currentTime = seconds;
      }
      this.lastPosition = seconds;
    };
    if (this.video.readyState >= 1) apply();
    else this.video.addEventListener("loadedmetadata", apply, { once: true });
  }

  listen() {
    const video = this.video;
    video.addEventListener("play", () => {
      if (this.check) {
        video.pause();
        return;
      }
      this.beat("play");
      this.startTimer();
    });
    video.addEventListener("pause", () => {
      this.stopTimer();
      this.beat("pause");
    });
    video.addEventListener("timeupdate", () => {
      if (!video.seeking) this.lastPosition = video.currentTime;
    });
    video.addEventListener("seeking", () => {
      if (this.seekFrom === null) this.seekFrom = this.lastPosition;
    });
    video.addEventListener("seeked", () => {
      const from = this.seekFrom ?? this.lastPosition;
      this.seekFrom = null;
      this.lastPosition = video.currentTime;
      if (this.quietSeek) {
        this.quietSeek = false;
        return;
      }
      this.beat("seeked", { from_s: from });
    });
    video.addEventListener("ratechange", () => {
      if (video.playbackRate > this.maxRate) video.playbackRate = this.maxRate;
      this.beat("ratechange");
    });
    video.addEventListener("ended", () => {
      this.stopTimer();
      this.beat("ended");
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        this.beat("hidden");
        video.pause();
      } else {
        this.beat("visible");
      }
    });
    window.addEventListener("online", () => this.pump());
    // Nothing can be typed into a dialog hidden behind a full-screen video: leave it again.
    document.addEventListener("fullscreenchange", () => {
      if (!document.fullscreenElement) return;
      if (this.check) this.leaveFullscreen();
      else this.root.querySelector("[data-fullscreen]").hidden = true; // full screen is back
    });
    video.addEventListener("webkitbeginfullscreen", () => {
      if (this.check) this.leaveFullscreen();
    });
    if (window.visualViewport) {
      window.visualViewport.addEventListener("resize", () => this.fitDialogs());
      window.visualViewport.addEventListener("scroll", () => this.fitDialogs());
    }
    this.root.querySelector("[data-fullscreen]").addEventListener("click", () => {
      this.restoreFullscreen();
    });
    window.addEventListener("pagehide", () => this.leave());
    this.root.querySelector("[data-check-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.check || !this.check.question_url) this.answerCheck();
      else if (this.question) this.answerQuestion();
      else this.loadQuestion(this.check); // the question did not come: ask for it again
    });
    this.root.querySelector("[data-next-question]").addEventListener("click", () => {
      if (this.check) this.loadQuestion(this.check);
    });
    this.root.querySelector("[data-face-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      this.answerFaceCheck();
    });
  }

  startTimer() {
    this.stopTimer();
    this.timer = setInterval(() => this.beat("tick"), this.interval * 1000);
  }

  stopTimer() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  snapshot(event, extra = {}) {
    this.seq += 1;
    return {
      seq: this.seq,
      position_s: Math.max(0, Math.round(this.video.currentTime * 1000) / 1000),
      rate: this.video.playbackRate > 0 ? this.video.playbackRate : 1,
      paused: this.video.paused,
      visible: document.visibilityState === "visible",
      event,
      client_ts: new Date().toISOString(),
      ...extra,
    };
  }

  beat(event, extra = {}) {
    if (this.stopped || !this.playbackId) return;
    this.queue.push(this.snapshot(event, extra));
    saveQueue(this.playbackId, this.queue);
    this.pump();
  }

  // One request at a time, oldest first; a beat leaves the queue only once it was answered.
  async pump() {
    if (this.sending || this.stopped) return;
    this.sending = true;
    while (this.queue.length && !this.stopped) {
      const beat = this.queue[0];
      const { outcome, status, body } = await deliver(this.playbackId, beat);
      if (outcome === "retry") {
        this.showSync(this.queue.length);
        setTimeout(() => this.pump(), RETRY_MS);
        break;
      }
      if (outcome === "signed_out") {
        this.signOut(body);
        break;
      }
      this.queue.shift();
      saveQueue(this.playbackId, this.queue);
      this.showSync(this.queue.length);
      if (status === 409) this.stop(body.error);
      else if (this.answer && beat.seq === this.answer.seq) this.judged(status, body);
      else if (status === 200) this.answered(body);
    }
    this.sending = false;
  }

  answered(body) {
    this.showTotals(body);
    if (body.attention_check) this.showCheck(body.attention_check);
    else if (this.check) this.hideCheck();
  }

  showTotals(body) {
    this.root.querySelector("[data-covered]").textContent = clock(body.covered_s);
    this.root.querySelector("[data-hours]").textContent = body.enrolment_online_hours.toFixed(1);
  }

  showCheck(check) {
    if (check.kind === "face") {
      this.showFaceCheck(check);
      return;
    }
    const dialog = this.root.querySelector("[data-check]");
    const shown = this.check && this.check.id === check.id && !dialog.hidden;
    this.check = check;
    this.video.pause();
    this.leaveFullscreen();
    // Beats answered while the dialog is up report the same check: keep what was typed and
    // any message on screen.
    if (shown) return;
    const asksCode = check.kind !== "question";
    for (const intro of dialog.querySelectorAll("[data-check-intro]")) {
      intro.hidden = intro.dataset.checkIntro !== check.kind;
    }
    dialog.querySelector("[data-check-code-part]").hidden = !asksCode;
    dialog.querySelector("[data-check-code]").required = asksCode;
    if (asksCode) {
      this.root.querySelector("[data-check-image]").src = `${check.image_url}?t=${Date.now()}`;
    }
    this.checkMessage("");
    this.setChecking(false);
    dialog.hidden = false;
    this.fitDialogs();
    if (asksCode) this.clearCode();
    if (check.question_url) this.loadQuestion(check);
    else dialog.querySelector("[data-check-question]").hidden = true;
  }

  // --- questions of the bank (弹题): fetched once the check is pending, answered with the
  // answer beat on its own request, judged by the server ----------------------------------

  async loadQuestion(check) {
    const dialog = this.root.querySelector("[data-check]");
    const fieldset = dialog.querySelector("[data-check-question]");
    const submit = dialog.querySelector("[data-check-submit]");
    this.question = null;
    this.showJudgement(null);
    this.checkMessage("");
    dialog.querySelector("[data-next-question]").hidden = true;
    // Until the question arrives there is nothing to answer: no earlier question on screen,
    // no button to press.
    fieldset.hidden = true;
    submit.hidden = false;
    submit.disabled = true;
    let question = null;
    try {
      const response = await fetch(check.question_url, { credentials: "same-origin" });
      if (response.ok) question = await response.json();
    } catch {
      // the network: the message below, and the next beat's answer shows the check again
    }
    if (!this.check || this.check.id !== check.id) return; // answered meanwhile
    submit.disabled = false;
    if (!question) {
      this.checkMessage(this.root.dataset.msgQuestionLost);
      submit.textContent = this.root.dataset.msgQuestionAgain;
      return;
    }
    submit.textContent = this.root.dataset.msgContinue;
    this.question = question;
    fieldset.querySelector("[data-question-stem]").textContent = question.stem;
    fieldset.querySelector("[data-question-several]").hidden = question.kind !== "multiple";
    const options = fieldset.querySelector("[data-question-options]");
    options.replaceChildren(
      ...question.options.map((option) => {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = question.kind === "multiple" ? "checkbox" : "radio";
        input.name = "question-choice";
        input.value = option.letter;
        label.append(input, ` ${option.letter}. ${option.text}`);
        return label;
      }),
    );
    fieldset.hidden = false;
    this.fitDialogs();
  }

  chosenLetters() {
    const boxes = this.root.querySelectorAll("[data-question-options] input:checked");
    return Array.from(boxes, (box) => box.value).join("");
  }

  showJudgement(judgement) {
    const box = this.root.querySelector("[data-question-judgement]");
    box.hidden = !judgement;
    if (!judgement) return;
    const line = this.root.dataset.msgRightAnswer.replace("{letters}", judgement.answer);
    box.querySelector("[data-judgement-answer]").textContent = line;
    box.querySelector("[data-judgement-explanation]").textContent = judgement.explanation;
  }

  // The answer beat (with the code too, where the check asks for both) on its own request,
  // in seq order with the queued beats, as a face check's answer goes.
  async answerQuestion() {
    const check = this.check;
    const question = this.question;
    if (!check || !question || this.answer) return;
    const chosen = this.chosenLetters();
    if (!chosen) {
      this.checkMessage(this.root.dataset.msgChoose);
      return;
    }
    this.answer = { check };
    this.checkMessage("");
    this.setChecking(true);
    while (this.sending || this.queue.length) {
      await this.pump();
      if (this.queue.length) await new Promise((done) => setTimeout(done, RETRY_MS));
    }
    this.sending = true;
    const extra = { attention_id: check.id, position_s: check.resume_at_s, paused: false };
    if (check.kind === "both") {
      extra.attention_code = this.root.querySelector("[data-check-code]").value.trim();
    }
    const beat = this.snapshot("attention_ok", extra);
    const result = await this.sendQuestionAnswer(check, { beat, question_id: question.id, chosen });
    this.sending = false;
    this.answer = null;
    this.setChecking(false);
    this.questionJudged(check, result);
    this.pump();
  }

  async sendQuestionAnswer(check, body) {
    for (;;) {
      try {
        const response = await postJson(check.question_url, body);
        if (response.status < 500) {
          return { status: response.status, body: await response.json().catch(() => ({})) };
        }
      } catch {
        // the network: the same beat again (a seq the server has seen is only answered)
      }
      await new Promise((done) => setTimeout(done, RETRY_MS));
    }
  }

  questionJudged(check, { status, body }) {
    if (status === 409) {
      this.stop(body.error);
      return;
    }
    if (status !== 200) {
      this.checkMessage(body.message || this.root.dataset.msgError);
      return;
    }
    this.showTotals(body);
    if (!body.attention_check || body.attention_check.id !== check.id) {
      this.hideCheck();
      this.quietSeek = true;
      this.video.currentTime = check.resume_at_s;
      this.lastPosition = check.resume_at_s;
      if (body.attention_check) this.showCheck(body.attention_check);
      else {
        this.video.play().catch(() => {});
        this.restoreFullscreen();
      }
      return;
    }
    if (body.question_outcome === "wrong") {
      // Read why, then another question: the button takes the place of Continue.
      this.showJudgement(body.question);
      this.checkMessage(this.root.dataset.msgQuestionWrong);
      this.root.querySelector("[data-check-submit]").hidden = true;
      const next = this.root.querySelector("[data-next-question]");
      next.hidden = false;
      next.focus();
      return;
    }
    // The question was right, the code was not (or the answer came to an old question).
    this.checkMessage(this.root.dataset.msgWrong);
    if (check.kind === "both") this.clearCode();
    this.loadQuestion(check);
  }

  hideCheck() {
    this.check = null;
    this.question = null;
    this.root.querySelector("[data-check]").hidden = true;
    this.root.querySelector("[data-check-question]").hidden = true;
    this.showJudgement(null);
    this.hideFaceCheck();
  }

  clearCode() {
    const input = this.root.querySelector("[data-check-code]");
    input.value = "";
    input.focus();
  }

  checkMessage(text) {
    const error = this.root.querySelector("[data-check-error]");
    error.textContent = text;
    error.hidden = !text;
    this.root.querySelector("[data-check-code]").setAttribute("aria-invalid", String(!!text));
  }

  // While the answer is on its way the button says so and cannot send it twice.
  setChecking(busy) {
    const button = this.root.querySelector("[data-check-submit]");
    button.disabled = busy;
    button.textContent = busy ? this.root.dataset.msgChecking : this.root.dataset.msgContinue;
  }

  // --- full screen: a check takes it away (its dialog cannot show there), the answer offers
  // it back ---------------------------------------------------------------------------------

  leaveFullscreen() {
    const video = this.video;
    if (document.fullscreenElement) {
      this.fullscreenWas = document.fullscreenElement;
      document.exitFullscreen().catch(() => {});
    } else if (video.webkitDisplayingFullscreen && video.webkitExitFullscreen) {
      this.fullscreenWas = video; // iOS: only the video itself goes full screen
      video.webkitExitFullscreen();
    }
  }

  // Browsers allow full screen only shortly after a tap: the answer's tap usually still
  // counts when the server's verdict arrives; if not, a button offers it for one more tap.
  async restoreFullscreen() {
    const element = this.fullscreenWas;
    const button = this.root.querySelector("[data-fullscreen]");
    if (!element) return;
    try {
      if (element.requestFullscreen) await element.requestFullscreen();
      else if (element.webkitEnterFullscreen) element.webkitEnterFullscreen();
      this.fullscreenWas = null;
      button.hidden = true;
    } catch {
      button.hidden = false;
    }
  }

  // With the keyboard up (or zoomed in) a phone shows less than the layout viewport that
  // position: fixed follows: the open dialog is then fitted to the visible part (the visual
  // viewport), and scrolls; otherwise the stylesheet's inset: 0 does, without lagging a frame.
  fitDialogs() {
    const view = window.visualViewport;
    if (!view) return;
    const whole =
      view.scale === 1 &&
      view.width >= window.innerWidth - 1 &&
      view.height >= window.innerHeight - 1;
    for (const dialog of this.root.querySelectorAll(".modal-fixed")) {
      const style = dialog.style;
      style.top = whole ? "" : `${view.offsetTop}px`;
      style.left = whole ? "" : `${view.offsetLeft}px`;
      style.width = whole ? "" : `${view.width}px`;
      style.height = whole ? "" : `${view.height}px`;
    }
  }

  // --- face checks: the camera, an action, frames sent with the answer beat ---------------

  async showFaceCheck(check) {
    const known = this.check && this.check.id === check.id;
    this.check = check;
    this.video.pause();
    this.leaveFullscreen();
    const dialog = this.root.querySelector("[data-face-check]");
    if (known && !dialog.hidden) return;
    const data = this.root.dataset;
    dialog.querySelector("[data-face-action]").textContent =
      check.action === "blink" ? data.msgFaceBlink : data.msgFaceTurn;
    this.faceMessage("");
    dialog.hidden = false;
    this.fitDialogs();
    await this.openCamera();
  }

  async openCamera() {
    const button = this.root.querySelector("[data-face-start]");
    if (this.camera) return;
    button.disabled = true;
    try {
      this.camera = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
    } catch {
      this.faceMessage(this.root.dataset.msgFaceCamera);
      return;
    }
    const preview = this.root.querySelector("[data-face-preview]");
    preview.srcObject = this.camera;
    await preview.play().catch(() => {});
    button.disabled = false;
  }

  hideFaceCheck() {
    this.root.querySelector("[data-face-check]").hidden = true;
    if (this.camera) this.camera.getTracks().forEach((track) => track.stop());
    this.camera = null;
  }

  faceMessage(text, busy = false) {
    const line = this.root.querySelector("[data-face-message]");
    line.textContent = text;
    line.hidden = !text;
    line.classList.toggle("error", Boolean(text) && !busy);
  }

  // Each frame is drawn at its time on the schedule (start + i x FACE_FRAME_MS; drawing is
  // cheap) and all are encoded afterwards: encoding between frames stretched the gaps on a
  // busy phone until a blink could fall between two of them.
  async captureFrames() {
    const preview = this.root.querySelector("[data-face-preview]");
    const scale = Math.min(1, FACE_SIDE / (preview.videoWidth || FACE_SIDE));
    const width = Math.round((preview.videoWidth || FACE_SIDE) * scale);
    const height = Math.round((preview.videoHeight || FACE_SIDE * 0.75) * scale);
    const canvases = [];
    const start = performance.now();
    for (let i = 0; i < FACE_FRAMES; i += 1) {
      const wait = start + i * FACE_FRAME_MS - performance.now();
      if (wait > 0) await new Promise((done) => setTimeout(done, wait));
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      canvas.getContext("2d").drawImage(preview, 0, 0, width, height);
      canvases.push(canvas);
    }
    return Promise.all(
      canvases.map((canvas) => new Promise((done) => canvas.toBlob(done, "image/jpeg", 0.85))),
    );
  }

  // Frames, then the answer beat on its own request, in seq order with the queued beats: the
  // queue is sent first and no beat leaves while the answer is on its way.
  async answerFaceCheck() {
    const check = this.check;
    if (!check || check.kind !== "face" || !this.camera || this.faceBusy) return;
    this.faceBusy = true;
    const button = this.root.querySelector("[data-face-start]");
    button.disabled = true;
    this.faceMessage(this.root.dataset.msgFaceHold, true);
    const frames = await this.captureFrames();
    this.faceMessage(this.root.dataset.msgFaceSending, true);
    while (this.sending || this.queue.length) {
      await this.pump();
      if (this.queue.length) await new Promise((done) => setTimeout(done, RETRY_MS));
    }
    this.sending = true;
    const resumeAt = check.resume_at_s ?? this.video.currentTime;
    const beat = this.snapshot("attention_ok", {
      attention_id: check.id,
      position_s: Math.max(0, Math.round(resumeAt * 1000) / 1000),
      paused: false,
    });
    const answer = await this.sendFaceAnswer(check, beat, frames);
    this.sending = false;
    this.faceBusy = false;
    button.disabled = false;
    this.faceAnswered(check, resumeAt, answer);
    this.pump();
  }

  async sendFaceAnswer(check, beat, frames) {
    const form = new FormData();
    form.append("beat", JSON.stringify(beat));
    frames.forEach((frame, i) => form.append("frame", frame, `frame${i}.jpg`));
    for (;;) {
      try {
        const response = await fetch(check.answer_url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken },
          body: form,
        });
        if (response.status < 500) {
          return { status: response.status, body: await response.json().catch(() => ({})) };
        }
      } catch {
        // the network: the same beat again (a seq the server has seen is only answered)
      }
      await new Promise((done) => setTimeout(done, RETRY_MS));
    }
  }

  faceAnswered(check, resumeAt, { status, body }) {
    if (signedOut(status, body)) {
      this.signOut(body);
      return;
    }
    if (status === 409) {
      this.hideFaceCheck();
      this.stop(body.error);
      return;
    }
    if (status !== 200) {
      this.faceMessage(body.message || this.root.dataset.msgError);
      return;
    }
    this.root.querySelector("[data-covered]").textContent = clock(body.covered_s);
    if (body.attention_check && body.attention_check.id === check.id) {
      this.faceMessage(body.face_message || this.root.dataset.msgError);
      return;
    }
    this.hideCheck();
    this.quietSeek = true;
    this.video.currentTime = resumeAt;
    this.lastPosition = resumeAt;
    if (body.attention_check) this.showCheck(body.attention_check);
    else {
      this.video.play().catch(() => {});
      this.restoreFullscreen();
    }
  }

  // The answer, the seek back to where credit stopped and the resume, in one beat (rule 7).
  // The dialog stays up until the server's verdict on that very beat (its seq): a wrong code
  // is said there, a right one closes it and plays on.
  answerCheck() {
    const check = this.check;
    if (!check || check.kind !== "code" || this.answer) return;
    const code = this.root.querySelector("[data-check-code]").value.trim();
    const beat = this.snapshot("attention_ok", {
      attention_id: check.id,
      attention_code: code,
      position_s: check.resume_at_s,
      paused: false,
    });
    this.answer = { seq: beat.seq, check };
    this.queue.push(beat);
    saveQueue(this.playbackId, this.queue);
    this.checkMessage("");
    this.setChecking(true);
    this.quietSeek = true;
    this.video.currentTime = check.resume_at_s;
    this.lastPosition = check.resume_at_s;
    this.pump();
  }

  // The server's answer to the answer beat: 200 judged it (the check still pending: the code
  // was wrong), 429 refused to (too many wrong answers), anything else rejected the beat.
  judged(status, body) {
    const { check } = this.answer;
    this.answer = null;
    this.setChecking(false);
    if (status !== 200) {
      this.checkMessage(body.message || this.root.dataset.msgWrong);
      this.clearCode();
      return;
    }
    this.showTotals(body);
    if (body.attention_check && body.attention_check.id === check.id) {
      this.checkMessage(this.root.dataset.msgWrong);
      this.clearCode();
      return;
    }
    this.hideCheck();
    if (body.attention_check) {
      this.showCheck(body.attention_check);
      return;
    }
    this.video.play().catch(() => {});
    this.restoreFullscreen();
  }

  stop(reason) {
    this.stopped = true;
    this.stopTimer();
    this.video.pause();
    // A code dialog waiting for its verdict would hide the notice and wait for ever.
    this.answer = null;
    this.root.querySelector("[data-check]").hidden = true;
    this.queue = [];
    saveQueue(this.playbackId, this.queue);
    this.say(reason === "superseded" ? this.root.dataset.msgSuperseded : this.root.dataset.msgEnded);
  }

  // The session ended or the password must be changed: the player stops and says so, with the
  // way to the login (and back here) or to the password form. The beats not yet taken stay
  // queued on this device and are sent when a player opens again after the login.
  signOut(body) {
    this.stopped = true;
    this.stopTimer();
    this.video.pause();
    this.leaveFullscreen();
    this.answer = null;
    this.root.querySelector("[data-check]").hidden = true;
    this.hideFaceCheck();
    const data = this.root.dataset;
    const link =
      body.error === "password_change_required"
        ? { href: data.passwordUrl, text: data.msgChangePassword }
        : { href: data.loginUrl, text: data.msgLogIn };
    this.say(body.message || data.msgError, link);
  }

  // The page goes away: the last beat by beacon if nothing is waiting, else queued for later.
  leave() {
    if (this.stopped || !this.playbackId) return;
    this.stopTimer();
    const last = this.snapshot("close", { paused: true });
    if (!this.queue.length && navigator.sendBeacon) {
      const body = JSON.stringify({ ...last, csrf_token: csrfToken });
      const sent = navigator.sendBeacon(
        `${API}/playbacks/${this.playbackId}/heartbeats`,
        new Blob([body], { type: "text/plain" }),
      );
      if (sent) return;
    }
    this.queue.push(last);
    saveQueue(this.playbackId, this.queue);
  }

  say(message, link = null) {
    const notice = this.root.querySelector("[data-notice]");
    notice.textContent = message;
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      notice.append(" ", anchor);
    }
    notice.hidden = false;
  }

  showSync(waiting) {
    const sync = this.root.querySelector("[data-sync]");
    sync.textContent = waiting > 1 ? this.root.dataset.msgOffline : "";
    sync.dataset.waiting = String(waiting);
  }
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

const root = document.querySelector("[data-player]");
if (root) {
  const player = new Player(root);
  window.learningPlayer = player; // for the browser tests and for support staff
  player.start();
}
