// The till's two helpers; every screen also works without them.
// 1. The scan screen reads a voucher's QR code from the camera: with the browser's own
//    BarcodeDetector where it has one, otherwise by sending grey frames to /till/scan, where the
//    server decodes them. The code then goes through the same form as a typed one.
// 2. A typed code is shown in groups of four as it is typed (the server forgives any form).
// 3. The voucher screen's keypad types into the amount field.
"use strict";

(function scan() {
  const video = document.getElementById("camera");
  const form = document.getElementById("code-form");
  if (!video || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  const status = document.getElementById("scan-status");
  const input = document.getElementById("code");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const canvas = document.createElement("canvas");
  // Only a voucher code is submitted: another QR code on the counter (a payment or Wi-Fi sign)
  // is ignored rather than refused again and again.
  const looksLikeCode = (text) => text.replace(/[\s-]/g, "").length === 20 && /^[0-9A-Za-z\s-]+$/.test(text);
  const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  let found = false;

  async function fromServer() {
    const scale = Math.min(1, 640 / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const rgba = context.getImageData(0, 0, width, height).data;
    const grey = new Uint8Array(width * height);
    for (let i = 0, j = 0; i < grey.length; i += 1, j += 4) {
      grey[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
    }
    const answer = await fetch(`/till/scan?width=${width}&height=${height}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": token },
      body: grey,
    });
    if (answer.redirected) {
      // The session ended: the till asks to sign in again.
      window.location.assign("/till/login");
      return null;
    }
    return answer.ok ? (await answer.json()).code : null;
  }

  async function fromBrowser() {
    const codes = await detector.detect(video);
    const voucher = codes.find((c) => looksLikeCode(c.rawValue));
    return voucher ? voucher.rawValue : null;
  }

  async function look() {
    if (found) {
      return;
    }
    if (video.videoWidth > 0) {
      try {
        const code = detector ? await fromBrowser() : await fromServer();
        if (code) {
          found = true;
          status.textContent = "読み取りました。照会しています…";
          input.value = code;
          form.submit();
          return;
        }
      } catch (e) {
        // A frame that could not be read: try the next one.
      }
    }
    window.setTimeout(look, 200);
  }

  navigator.mediaDevices
    .getUserMedia({ video: { facingMode: "environment" }, audio: false })
    .then((stream) => {
      video.srcObject = stream;
      video.hidden = false;
      return video.play();
    })
    .then(() => {
      status.textContent = "商品券のQRコードをカメラに向けてください。";
      look();
    })
    .catch(() => {
      status.textContent = "カメラを使えません。コードを入力してください。";
    });
})();

(function groupedCode() {
  const input = document.getElementById("code");
  if (!input) {
    return;
  }
  // Full-width forms to ASCII, then only letters and digits.
  const plain = (text) =>
    text
      .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .toUpperCase()
      .replace(/[^0-9A-Z]/g, "");
  input.addEventListener("input", (event) => {
    if (event.isComposing) {
      return; // an IME is still composing: leave its text alone
    }
    const before = plain(input.value.slice(0, input.selectionStart || 0)).length;
    const groups = plain(input.value).match(/.{1,4}/g);
    const shown = groups ? groups.join("-") : "";
    if (shown === input.value) {
      return;
    }
    input.value = shown;
    // The caret stays after the same symbol it followed (a fix in the middle stays there).
    let caret = 0;
    for (let seen = 0; caret < shown.length && seen < before; caret += 1) {
      if (shown[caret] !== "-") {
        seen += 1;
      }
    }
    input.setSelectionRange(caret, caret);
  });
})();

(function keypad() {
  const pad = document.querySelector(".keypad");
  const amount = document.getElementById("amount");
  const balance = document.getElementById("balance");
  if (!pad || !amount || !balance) {
    return;
  }
  pad.hidden = false;
  pad.addEventListener("click", (event) => {
    const key = event.target.closest("button") && event.target.closest("button").dataset.key;
    if (!key) {
      return;
    }
    if (key === "clear") {
      amount.value = "";
    } else if (key === "all") {
      amount.value = balance.dataset.balance;
    } else if (amount.value.length < 9) {
      amount.value = (amount.value + key).replace(/^0+(?=\d)/, "");
    }
  });
})();

(function announceProblem() {
  // A refusal shown with the page is read out first, not missed by a screen reader.
  const problem = document.getElementById("problem");
  if (problem) {
    problem.focus();
  }
})();
