// A small element builder: enough to keep views declarative without a framework.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/** An element with attributes (`on*` keys become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = String(value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Sets text only when it changed, so unchanged figures cost no layout. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** A usage bar (0-100) with its level as a class: ok, warning (≥ 75) or critical (≥ 90). */
export function usageBar(value: number, label: string): HTMLElement {
  const bar = h("span", { class: "bar", role: "meter", "aria-label": label });
  bar.appendChild(h("span", { class: "fill" }));
  setUsage(bar, value);
  return bar;
}

/** Updates a bar made by `usageBar`. */
export function setUsage(bar: HTMLElement, value: number): void {
  const clamped = Math.min(Math.max(Number.isFinite(value) ? value : 0, 0), 100);
  const fill = bar.firstElementChild as HTMLElement;
  fill.style.width = `${clamped.toFixed(1)}%`;
  bar.dataset.level = level(clamped);
  bar.setAttribute("aria-valuenow", clamped.toFixed(0));
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
}

/** The health level of a usage percentage, as the default health thresholds draw it. */
export function level(value: number): "ok" | "warning" | "critical" {
  if (value >= 90) return "critical";
  if (value >= 75) return "warning";
  return "ok";
}
