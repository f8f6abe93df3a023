// Clean Village Bot playground: the town map, drawn from the grid as SVG — the map dialog
// (zoom, pan, click to share a point) and the small map under a shared location.
"use strict";

// -- the town map ----------------------------------------------------------------------------

function toSvg(latitude, longitude) {
  const { west, north, x_per_degree: xPerDegree, y_per_degree: yPerDegree } = state.map.projection;
  return [(longitude - west) * xPerDegree, (north - latitude) * yPerDegree];
}

function toLatLon(x, y) {
  const { west, north, x_per_degree: xPerDegree, y_per_degree: yPerDegree } = state.map.projection;
  return [north - y / yPerDegree, west + x / xPerDegree];
}

function drawTown(svg, { labels }) {
  const map = state.map;
  svg.setAttribute("viewBox", `0 0 ${map.width} ${map.height}`);
  for (const hamlet of map.hamlets) {
    const path = svgElement("path", { d: hamlet.path, class: "hamlet", "data-hamlet": hamlet.id });
    const title = svgElement("title");
    title.textContent = `${hamlet.name} ${hamlet.name_en}`;
    path.append(title);
    svg.append(path);
  }
  for (const river of map.rivers) svg.append(svgElement("path", { d: river.path, class: "river" }));
  for (const village of map.villages) {
    svg.append(svgElement("path", { d: village.path, class: "village" }));
  }
  if (!labels) return;
  for (const hamlet of map.hamlets) {
    const [x, y] = hamlet.label;
    const label = svgElement("text", { x, y, class: "hamlet-label", "data-hamlet": hamlet.id });
    label.textContent = hamlet.name;
    svg.append(label);
  }
  for (const village of map.villages) {
    const [x, y] = village.label;
    const label = svgElement("text", { x, y: y - 28, class: "village-label" });
    label.textContent = village.name;
    svg.append(label);
  }
}

function pinMap(latitude, longitude) {
  const [x, y] = toSvg(latitude, longitude);
  const width = 400;
  const height = 250;
  const svg = svgElement("svg", { class: "pin", role: "img" });
  drawTown(svg, { labels: true });
  svg.setAttribute("viewBox", `${x - width / 2} ${y - height / 2} ${width} ${height}`);
  svg.append(svgElement("circle", { cx: x, cy: y, r: 12, class: "pin-dot" }));
  return svg;
}

// The map dialog's view: zoom (buttons, wheel) and pan (drag) by moving the viewBox; labels keep
// one size on screen; a click that did not drag shares the point clicked.
const LABEL_PX = { "hamlet-label": 13, "village-label": 16 };
const DRAG_PX = 6;

class MapView {
  constructor(svg, onPick) {
    this.svg = svg;
    this.onPick = onPick;
    this.full = { x: 0, y: 0, width: state.map.width, height: state.map.height };
    this.box = { ...this.full };
    this.drag = null;
    svg.addEventListener("pointerdown", (event) => {
      this.drag = { x: event.clientX, y: event.clientY, box: { ...this.box }, moved: false };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", (event) => {
      if (!this.drag) return;
      const dx = event.clientX - this.drag.x;
      const dy = event.clientY - this.drag.y;
      if (!this.drag.moved && Math.hypot(dx, dy) < DRAG_PX) return;
      this.drag.moved = true;
      const scale = this.unitsPerPixel();
      this.set({ ...this.drag.box, x: this.drag.box.x - dx * scale, y: this.drag.box.y - dy * scale });
    });
    svg.addEventListener("pointerup", (event) => {
      const drag = this.drag;
      this.drag = null;
      if (!drag || drag.moved) return;
      const point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      const { x, y } = point.matrixTransform(svg.getScreenCTM().inverse());
      this.onPick(x, y);
    });
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      this.zoom(event.deltaY < 0 ? 1.25 : 1 / 1.25);
    }, { passive: false });
  }

  unitsPerPixel() {
    return this.box.width / Math.max(1, this.svg.clientWidth);
  }

  // On a small screen start zoomed in on the town's middle, so hamlets are big enough to hit.
  fit() {
    const zoom = Math.min(3, Math.max(1, 700 / Math.max(1, this.svg.clientWidth)));
    this.reset();
    if (zoom > 1) this.zoom(zoom);
  }

  reset() {
    this.set({ ...this.full });
  }

  zoom(factor) {
    const width = Math.min(this.full.width, Math.max(this.full.width / 8, this.box.width / factor));
    const height = width * (this.full.height / this.full.width);
    const middleX = this.box.x + this.box.width / 2;
    const middleY = this.box.y + this.box.height / 2;
    this.set({ x: middleX - width / 2, y: middleY - height / 2, width, height });
  }

  set(box) {
    const x = Math.min(Math.max(box.x, this.full.x), this.full.width - box.width);
    const y = Math.min(Math.max(box.y, this.full.y), this.full.height - box.height);
    this.box = { x, y, width: box.width, height: box.height };
    this.svg.setAttribute("viewBox", `${x} ${y} ${box.width} ${box.height}`);
    const scale = this.unitsPerPixel();
    for (const label of this.svg.querySelectorAll("text")) {
      label.style.fontSize = `${LABEL_PX[label.getAttribute("class")] * scale}px`;
    }
  }
}
