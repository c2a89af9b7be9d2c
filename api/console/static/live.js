// The live call page: streams a recording (decoded and resampled to 16 kHz by the browser) or the microphone to
// /console/live/socket as 16-bit PCM in 100 ms frames, and shows what comes back (protocol: api/routes/live.py).
// `?speed=4` on the page's address streams a recording four times faster than real time (for tests).
"use strict";

(function () {
  const root = document.getElementById("live");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const msg = (name) => root.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
  const speakerName = (s) => root.dataset["speaker" + s.charAt(0).toUpperCase() + s.slice(1)] || s;
  const RATE = 16000;
  const FRAME = RATE / 10;
  const speed = Math.max(0.1, parseFloat(new URLSearchParams(location.search).get("speed") || "1"));
  let socket = null;
  let stopAudio = null;

  function status(text, kind) {
    const el = $("live-status");
    el.textContent = text;
    el.className = "status " + (kind || "");
  }

  function clock(seconds) {
    const m = Math.floor(seconds / 60);
    const s = Math.floor(seconds % 60);
    return m + ":" + String(s).padStart(2, "0");
  }

  function busy(on) {
    $("live-stream").disabled = on;
    $("live-mic").disabled = on;
    $("live-stop").disabled = !on;
  }

  function onFinal(e) {
    const li = document.createElement("li");
    li.className = "seg " + e.speaker;
    li.dataset.segment = e.segment;
    const when = document.createElement("time");
    when.textContent = clock(e.start);
    const who = document.createElement("b");
    who.textContent = speakerName(e.speaker) + ": ";
    li.append(when, " ", who, e.text);
    $("live-transcript").append(li);
    $("live-partial").textContent = "";
    li.scrollIntoView({ block: "nearest" });
  }

  function onSuggestion(e) {
    const card = document.createElement("article");
    card.className = "suggestion" + (e.abstained ? " abstained" : "");
    card.dataset.answer = e.id;
    const q = document.createElement("p");
    q.className = "query";
    q.textContent = "“" + e.query + "”";
    const a = document.createElement("p");
    a.className = "answer-text";
    a.textContent = e.abstained ? msg("abstained") : e.answer;
    card.append(q, a);
    if (e.citations && e.citations.length) {
      const ol = document.createElement("ol");
      ol.className = "citations";
      for (const c of e.citations) {
        const li = document.createElement("li");
        li.value = c.n;
        const link = document.createElement("a");
        link.href = "/console/knowledge/chunks/" + encodeURIComponent(c.chunk_id);
        link.className = "citation";
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = c.title + " · " + c.section;
        li.append(link);
        ol.append(li);
      }
      card.append(ol);
    }
    if (!e.abstained) {
      const rate = document.createElement("div");
      rate.className = "rate";
      for (const rating of ["helpful", "wrong"]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = msg(rating);
        b.className = "rate-" + rating;
        b.addEventListener("click", () => {
          if (socket && socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ type: "rate", answer_id: e.id, rating: rating }));
          }
        });
        rate.append(b);
      }
      card.append(rate);
    }
    $("live-suggestions").prepend(card);
  }

  function onEvent(e) {
    if (e.type === "ready") status(msg("ready"), "ok");
    else if (e.type === "partial") $("live-partial").textContent = speakerName(e.speaker) + ": " + e.text + " …";
    else if (e.type === "final") onFinal(e);
    else if (e.type === "suggestion") onSuggestion(e);
    else if (e.type === "rated") {
      const card = document.querySelector('[data-answer="' + e.answer_id + '"] .rate');
      if (card) card.textContent = msg("rated") + ": " + e.rating;
    } else if (e.type === "stored") {
      if (e.conversation_id) {
        const link = document.createElement("a");
        link.href = "/console/conversations/" + encodeURIComponent(e.conversation_id);
        link.textContent = e.conversation_id;
        link.id = "live-stored";
        const el = $("live-status");
        el.textContent = msg("stored") + " ";
        el.append(link);
      } else status(msg("ended"));
    } else if (e.type === "error") status(e.message, "error");
  }

  function open(start, send) {
    $("live-transcript").textContent = "";
    $("live-suggestions").textContent = "";
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.binaryType = "arraybuffer";
    busy(true);
    socket.onopen = () => socket.send(JSON.stringify(start));
    socket.onmessage = (m) => {
      const e = JSON.parse(m.data);
      onEvent(e);
      if (e.type === "ready") send();
    };
    socket.onclose = () => {
      busy(false);
      if (stopAudio) stopAudio();
      stopAudio = null;
      socket = null;
    };
  }

  function startMessage(channels) {
    return {
      type: "start",
      call_id: "console-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6),
      sample_rate: RATE,
      encoding: "pcm_s16le",
      channels: channels,
      language: $("live-language").value || null,
      product: $("live-product").value || null,
    };
  }

  function int16(channels, from, to) {
    const n = to - from;
    const out = new Int16Array(n * channels.length);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < channels.length; c++) {
        const v = Math.max(-1, Math.min(1, channels[c][from + i]));
        out[i * channels.length + c] = v < 0 ? v * 0x8000 : v * 0x7fff;
      }
    }
    return out.buffer;
  }

  async function streamFile() {
    const file = $("live-file").files[0];
    if (!file) return;
    const decoded = await new AudioContext().decodeAudioData(await file.arrayBuffer());
    const count = Math.min(2, decoded.numberOfChannels);
    const offline = new OfflineAudioContext(count, Math.ceil(decoded.duration * RATE), RATE);
    const source = offline.createBufferSource();
    source.buffer = decoded;
    source.connect(offline.destination);
    source.start();
    const rendered = await offline.startRendering();
    const channels = [];
    for (let c = 0; c < count; c++) channels.push(rendered.getChannelData(c));
    const speakers = count === 2 ? ["agent", "customer"] : ["customer"];
    open(startMessage(speakers), () => {
      let at = 0;
      const began = performance.now();
      let timer = null;
      const tick = () => {
        while (socket && at < rendered.length && (at / RATE) * 1000 <= (performance.now() - began) * speed) {
          socket.send(int16(channels, at, Math.min(at + FRAME, rendered.length)));
          at += FRAME;
        }
        if (at >= rendered.length) {
          if (socket) socket.send(JSON.stringify({ type: "end" }));
          return;
        }
        timer = setTimeout(tick, 20);
      };
      stopAudio = () => clearTimeout(timer);
      tick();
    });
  }

  async function streamMic() {
    const media = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
    const ctx = new AudioContext({ sampleRate: RATE });
    const input = ctx.createMediaStreamSource(media);
    const node = ctx.createScriptProcessor(4096, 1, 1);
    open(startMessage(["customer"]), () => {
      node.onaudioprocess = (ev) => {
        const data = ev.inputBuffer.getChannelData(0);
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(int16([data], 0, data.length));
      };
      input.connect(node);
      node.connect(ctx.destination);
    });
    stopAudio = () => {
      node.disconnect();
      media.getTracks().forEach((track) => track.stop());
      ctx.close();
    };
  }

  $("live-stream").addEventListener("click", () => streamFile().catch((err) => status(String(err), "error")));
  $("live-mic").addEventListener("click", () => streamMic().catch((err) => status(String(err), "error")));
  $("live-stop").addEventListener("click", () => {
    if (stopAudio) stopAudio();
    stopAudio = null;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "end" }));
  });
})();
