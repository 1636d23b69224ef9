// The tonal palettes the A2UI structural styles read (--p-40, --n-90, …): each is one seed color
// mixed toward black below tone 50 and toward white above it.
import { shades } from "@a2ui/web_core/types/colors";

const SEEDS = {
  p: "#5b5bd6", // primary
  s: "#6f6f86", // secondary
  t: "#8f6b84", // tertiary
  n: "#767679", // neutral
  nv: "#75747f", // neutral variant
  e: "#d93a32", // error
};

/** `--<key>-<tone>` for every palette and tone, as CSS values. */
export function paletteVariables(seeds = SEEDS) {
  const out = {};
  for (const [key, seed] of Object.entries(seeds)) {
    for (const tone of shades) out[`--${key}-${tone}`] = toneOf(seed, tone);
  }
  return out;
}

function toneOf(seed, tone) {
  if (tone === 50) return seed;
  if (tone === 0) return "#000000";
  if (tone === 100) return "#ffffff";
  const toward = tone > 50 ? "white" : "black";
  const amount = Math.abs(tone - 50) * 2;
  return `color-mix(in srgb, ${seed} ${100 - amount}%, ${toward} ${amount}%)`;
}

export function applyPalette(el = document.documentElement) {
  for (const [name, value] of Object.entries(paletteVariables())) el.style.setProperty(name, value);
}
