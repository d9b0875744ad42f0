// The reference face taken with the camera (profile page): a live preview, "Take the photo"
// draws the picture on a canvas and sends it as a JPEG with the CSRF token. The server answers
// with a redirect to the profile page, whose message says whether the face was taken; the
// redirect is not followed here, so that the message is shown on the page the trainee sees.
// No framework.

const JPEG_QUALITY = 0.9;

function setUp(box) {
  const video = box.querySelector("video");
  const canvas = box.querySelector("canvas");
  const status = box.querySelector("[data-face-status]");
  const start = box.querySelector("[data-face-start]");
  const shoot = box.querySelector("[data-face-shoot]");
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  let stream = null;

  const say = (text) => { status.textContent = text; };

  function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
  }

  async function turnOn() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(box.dataset.missing);
      return;
    }
    start.disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } },
        audio: false,
      });
    } catch (error) {
      start.disabled = false;
      say(error.name === "NotAllowedError" || error.name === "SecurityError"
        ? box.dataset.denied : box.dataset.missing);
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    canvas.hidden = true;
    start.hidden = true;
    shoot.hidden = false;
    shoot.disabled = false;
    say("");
  }

  function picture() {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  }

  async function send(blob) {
    const body = new FormData();
    body.append("csrf_token", csrfToken);
    body.append("source", "camera");
    body.append("picture", blob, "camera.jpg");
    try {
      const response = await fetch(box.dataset.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.type === "opaqueredirect" || response.ok) {
        window.location.hash = "face";
        window.location.reload();
        return;
      }
    } catch { /* offline: said below */ }
    say(box.dataset.failed);
    shoot.disabled = false;
  }

  async function takePhoto() {
    if (!video.videoWidth) return; // the camera has not delivered a picture yet
    shoot.disabled = true;
    const blob = await picture();
    stop();
    video.hidden = true;
    canvas.hidden = false;
    say(box.dataset.sending);
    await send(blob);
    if (!stream) { // sending failed: offer the camera again
      shoot.hidden = true;
      start.hidden = false;
      start.disabled = false;
    }
  }

  start.addEventListener("click", turnOn);
  shoot.addEventListener("click", takePhoto);
  window.addEventListener("pagehide", stop);
}

document.querySelectorAll("[data-face-camera]").forEach(setUp);
