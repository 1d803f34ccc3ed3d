/* Sauti console: each recording of an alert drawn as a waveform (wavesurfer.js, vendored),
   its voiced regions marked. The <audio> element stays the player, so console.js's keys and
   speed buttons work as before; the waveform only draws it and seeks it. Dragging across the
   waveform marks a span: it fills the example form's start and end (the form works alone
   without JavaScript). The audio is not fetched to draw: the server sends the peaks. */
(function () {
  "use strict";
  if (!window.WaveSurfer || !window.WaveSurfer.Regions) return;
  const VOICED = "rgba(46, 125, 50, 0.16)";
  const MARKED = "rgba(198, 40, 40, 0.28)";
  const form = document.getElementById("example-form");
  let marked = null;   // the one span being marked, across every recording's waveform

  function fill(region, recordingId) {
    if (!form) return;
    form.querySelector("input[name=recording_id]").value = recordingId;
    form.querySelector("input[name=start]").value = region.start.toFixed(2);
    form.querySelector("input[name=end]").value = region.end.toFixed(2);
    const details = form.closest("details");
    if (details && !details.open) details.open = true;
  }

  async function draw(box) {
    const media = box.closest(".player").querySelector("audio");
    let drawn;
    try {
      const response = await fetch(box.dataset.waveform, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (!response.ok) return;
      drawn = await response.json();
    } catch (err) { return; }   // offline: the plain player is still there
    if (!drawn.duration) return;
    box.hidden = false;
    const regions = WaveSurfer.Regions.create();
    const wave = WaveSurfer.create({
      container: box.querySelector(".wave"), media: media, peaks: [drawn.peaks], duration: drawn.duration,
      height: 72, barWidth: 2, barGap: 1, barRadius: 1, normalize: false, dragToSeek: false,
      waveColor: "#9aa5b1", progressColor: "#2f5d8a", cursorColor: "#c62828", plugins: [regions],
      cspNonce: box.dataset.styleNonce,
    });
    wave.on("decode", () => {
      drawn.voiced.forEach(([start, end]) => regions.addRegion({
        id: "voiced-" + start, start: start, end: end, color: VOICED, drag: false, resize: false,
      }));
      box.dataset.voiced = String(drawn.voiced.length);
      box.classList.add("ready");
    });
    if (!form) return;
    regions.enableDragSelection({ color: MARKED });
    regions.on("region-created", (region) => {
      if (region.id.startsWith("voiced-")) return;
      if (marked && marked !== region) marked.remove();
      marked = region;
      region.element.classList.add("marked-span");
      fill(region, box.dataset.recording);
    });
    regions.on("region-updated", (region) => { if (region === marked) fill(region, box.dataset.recording); });
  }

  document.querySelectorAll(".waveform[data-waveform]").forEach(draw);
})();
