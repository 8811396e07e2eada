// Units for people: IEC sizes (KiB, MiB, GiB), bit/s for networks, short durations.

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
const BIT_RATES = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];

/** Three significant digits at most, so a column of figures stays narrow. */
function scaled(value: number): string {
  if (value >= 100 || value === 0) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function isMissing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** Bytes in binary units: `512 B`, `1.50 KiB`, `12.3 GiB`. */
export function bytes(value: number | null | undefined): string {
  if (isMissing(value)) return "–";
  let n = Math.max(value, 0);
  let unit = 0;
  while (n >= 1024 && unit < IEC.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? n.toFixed(0) : scaled(n)} ${IEC[unit]}`;
}

/** A storage rate: bytes per second in binary units. */
export function bytesRate(value: number | null | undefined): string {
  return isMissing(value) ? "–" : `${bytes(value)}/s`;
}

/** A network rate given in bytes per second, shown in decimal bits per second as links are sold. */
export function bitRate(bytesPerSecond: number | null | undefined): string {
  if (isMissing(bytesPerSecond)) return "–";
  let n = Math.max(bytesPerSecond, 0) * 8;
  let unit = 0;
  while (n >= 1000 && unit < BIT_RATES.length - 1) {
    n /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? n.toFixed(0) : scaled(n)} ${BIT_RATES[unit]}`;
}

/** A percentage with one decimal: `42.0 %`. */
export function percent(value: number | null | undefined, digits = 1): string {
  return isMissing(value) ? "–" : `${value.toFixed(digits)} %`;
}

/** A plain figure such as a load average. */
export function fixed(value: number | null | undefined, digits = 2): string {
  return isMissing(value) ? "–" : value.toFixed(digits);
}

/** A count with thousands separators. */
export function count(value: number | null | undefined): string {
  return isMissing(value) ? "–" : Math.round(value).toLocaleString("en-US");
}

/** A length of time in its two largest units: `3d 4h`, `5h 12m`, `7m 3s`, `45s`. */
export function duration(seconds: number | null | undefined): string {
  if (isMissing(seconds)) return "–";
  const s = Math.max(Math.floor(seconds), 0);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${minutes}m`;
  if (minutes) return `${minutes}m ${secs}s`;
  return `${secs}s`;
}

/** How long ago a Unix time was, from `now` (Unix seconds). */
export function ago(unixSeconds: number, now: number = Date.now() / 1000): string {
  if (!unixSeconds) return "never";
  const elapsed = now - unixSeconds;
  return elapsed < 2 ? "just now" : `${duration(elapsed)} ago`;
}

/** A Unix time as local date and time. */
export function dateTime(unixSeconds: number): string {
  if (!unixSeconds) return "–";
  return new Date(unixSeconds * 1000).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** A frequency given in MHz. */
export function megahertz(value: number | null | undefined): string {
  if (isMissing(value) || value <= 0) return "–";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} GHz` : `${value.toFixed(0)} MHz`;
}

/** A sensor reading in its own unit. */
export function reading(value: number | null | undefined, unit: string): string {
  if (isMissing(value)) return "–";
  if (unit === "C") return `${value.toFixed(1)} °C`;
  if (unit === "%") return `${value.toFixed(0)} %`;
  return `${value.toFixed(0)} ${unit}`;
}

/** A round trip in milliseconds: `0.42 ms`, `12.3 ms`, `1.25 s`. */
export function milliseconds(value: number | null | undefined): string {
  if (isMissing(value)) return "–";
  return value >= 1000 ? `${scaled(value / 1000)} s` : `${scaled(Math.max(value, 0))} ms`;
}

/** A Unix time as the time of day, with the date too when it is not today. */
export function clock(unixSeconds: number): string {
  const when = new Date(unixSeconds * 1000);
  const time = when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return when.toDateString() === new Date().toDateString() ? time : `${when.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${time}`;
}
